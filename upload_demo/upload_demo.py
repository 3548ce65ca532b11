"""The app: each route in routes.py bound to its page, the upload guard, start-up clean-up."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import NamedTuple

import reflex as rx

from upload_demo import (
    access,
    access_guard,
    auth_routes,
    consistency,
    downloads,
    guard,
    policy,
    routes,
    sessions,
    signing,
    stores,
    tus_app,
)
from upload_demo.access_state import AccessState
from upload_demo.components import theme_root
from upload_demo.pages.admin import admin_page
from upload_demo.pages.admin_state import AdminState
from upload_demo.pages.drop import DropState, drop_page
from upload_demo.pages.home import HomeState, home_page
from upload_demo.pages.images import ImagesState, images_page
from upload_demo.pages.large import LargeState, large_page
from upload_demo.pages.library import library_page
from upload_demo.pages.library_state import LibraryState
from upload_demo.pages.one_step import OneStepState, one_step_page
from upload_demo.pages.restricted import RestrictedState, restricted_page
from upload_demo.pages.resumable import resumable_page
from upload_demo.pages.resumable_state import ResumableState
from upload_demo.pages.sign_in import SignInState, sign_in_page
from upload_demo.pages.video import VideoState, video_page
from upload_demo.reflex_internals import (
    OneOnLoad,
    backend_host,
    backend_route,
    drop_inherited_db_connections,
    enqueue_event,
    follow_socket_owners,
    handler_name,
    keep_dropped_folders,
    upload_endpoint,
)
from upload_demo.routes import Route
from upload_demo.upload_state import UploadPageState


class Bound(NamedTuple):
    """What a route shows: its page function, the page's State and its on_load handler."""

    page: Callable[[], rx.Component]
    state: type[rx.State]
    on_load: OneOnLoad


#: Each route in routes.ROUTES, bound to its page.
PAGES: dict[Route, Bound] = {
    routes.HOME: Bound(home_page, HomeState, HomeState.load_totals),
    routes.IMAGES: Bound(images_page, ImagesState, ImagesState.load_items),
    routes.VIDEO: Bound(video_page, VideoState, VideoState.load_items),
    routes.RESTRICTED: Bound(restricted_page, RestrictedState, RestrictedState.load_items),
    routes.ONE_STEP: Bound(one_step_page, OneStepState, OneStepState.load_items),
    routes.LARGE: Bound(large_page, LargeState, LargeState.load_items),
    routes.RESUMABLE: Bound(resumable_page, ResumableState, ResumableState.load_page),
    routes.LIBRARY: Bound(library_page, LibraryState, LibraryState.load),
    routes.ADMIN: Bound(admin_page, AdminState, AdminState.load),
    routes.SIGN_IN: Bound(sign_in_page, SignInState, SignInState.load),
    routes.DROP: Bound(drop_page, DropState, DropState.load_items),
}

#: Every page State with an upload handler, by the handler's name in the
#: ``Reflex-Event-Handler`` header: the guard looks the page's policy up here.
UPLOAD_STATES: dict[str, type[UploadPageState]] = {
    handler_name(bound.state.upload_handler()): bound.state
    for bound in PAGES.values()
    if issubclass(bound.state, UploadPageState)
}


async def report_refusal(refusal: guard.Refusal) -> None:
    """Deliver the upload guard's refusal to its page as an ``upload_refused`` event.

    The event goes through Reflex's own queue for the client's token, like any
    event from the browser, so the State changes under its lock and the change
    reaches the page over its websocket at once. (The alternative, the guard
    keeping refusals in a dict for ``request_open`` to consult, would hold
    state outside Reflex, per process, and only show on the watcher's next tick.)
    """
    state = UPLOAD_STATES[refusal.handler]
    payload = {"reason": refusal.reason, "attempt": refusal.attempt or 0}
    await enqueue_event(app, refusal.token, state.upload_refused, payload)


@contextlib.asynccontextmanager
async def remove_crash_leftovers() -> AsyncIterator[None]:
    """Before serving, remove temp files a crashed upload left in the staging dir.

    Only files no live process is writing go (see consistency.py): another
    worker's upload in progress holds its temp file's lock and is left alone.
    """
    store = stores.configured()
    logging.getLogger(__name__).info("stored files: %s", store.describe())
    removed = await asyncio.to_thread(consistency.remove_leftover_temp_files, store.staging_dir)
    for path in removed:
        logging.getLogger(__name__).warning("removed a crashed upload's temp file %s", path)
    yield


@contextlib.asynccontextmanager
async def own_db_connections() -> AsyncIterator[None]:
    """First of all: a forked worker must not share its parent's database connections."""
    drop_inherited_db_connections()
    yield


@contextlib.asynccontextmanager
async def refuse_to_face_the_network_unguarded() -> AsyncIterator[None]:
    """Refuse to start on a non-loopback host with no admin account (access.check_start).

    Also drops sessions idle past the timeout and makes the URL-signing key, so the
    first page does not wait for either.
    """
    await asyncio.to_thread(access.check_start, backend_host())
    await asyncio.to_thread(sessions.close_idle)
    await asyncio.to_thread(signing.sign, "warm-up")
    yield


@contextlib.asynccontextmanager
async def follow_other_workers_sockets() -> AsyncIterator[None]:
    """With several workers, know at once when a tab's websocket moves to another worker.

    This worker may update a tab whose websocket another worker holds (a refusal,
    an upload's result); see ``reflex_internals.follow_socket_owners``.
    """
    follow_socket_owners(app)
    yield


# A file dropped inside a folder keeps its folders, as a picked one does (folders.py).
keep_dropped_folders()

# Later entries wrap earlier ones: downloads.api adds GET /download/{id} and /files/{name},
# auth_routes.api the sign-in and sign-out forms' targets; the upload guard (413) sees
# every upload request before Reflex; tus_app answers /tus/ (resumable uploads, checking
# who uploads itself); the access guard (403) sees every request first.
app = rx.App(
    # Visible keyboard focus and the home cards' links (Radix variables, so both themes).
    stylesheets=["/theme.css"],
    # A dark system's first frames are dark too (components/theme_root.jsx says why).
    extra_app_wraps=theme_root.app_wraps(),
    api_transformer=[
        downloads.api,
        auth_routes.api,
        guard.transformer(
            path=upload_endpoint(),
            policies={name: state.policy for name, state in UPLOAD_STATES.items()},
            on_refused=report_refusal,
        ),
        tus_app.transformer(
            root=backend_route(tus_app.PATH), policy=policy.RESUMABLE, store=stores.configured
        ),
        access_guard.transformer(
            prefix=backend_route("/"),
            upload_path=upload_endpoint(),
            drop_handlers=[name for name, state in UPLOAD_STATES.items() if state.via_drop_link],
        ),
    ],
)

for route in routes.ROUTES:
    bound = PAGES[route]
    check = AccessState.show_viewer if route.public else AccessState.check
    app.add_page(bound.page, route=route.path, title=route.title, on_load=[check, bound.on_load])

app.register_lifespan_task(own_db_connections)
app.register_lifespan_task(refuse_to_face_the_network_unguarded)
app.register_lifespan_task(remove_crash_leftovers)
app.register_lifespan_task(follow_other_workers_sockets)
