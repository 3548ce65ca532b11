"""Every page of the app, once: route, tab title, nav label, home card, source file.

The nav bar, the home page's cards, each page's "Source:" line, the app's
``add_page`` calls and the screenshot test all read ``ROUTES``. It is plain
data on purpose: the layout imports it for the nav bar and every page imports
the layout, so this module imports no page. The page function and the
on_load handler of each route are bound where the pages are registered
(``upload_demo.py``, keyed by these objects), which fails at start-up if a
route has no page.
"""

from __future__ import annotations

import dataclasses

from upload_demo import policy

APP_NAME = "upload_demo"


@dataclasses.dataclass(frozen=True)
class Card:
    """A page's card on the home page: what it shows and the Reflex API it uses.

    ``page`` is the page's UploadPolicy name, whose totals the card shows; ""
    shows the totals of every page.
    """

    title: str
    icon: str
    shows: str
    api: str
    page: str = ""


#: Who sees a route in the nav bar: everyone who may use the app, admins only, or nobody
#: (a page reached by its own link, such as a drop link's or the sign-in page).
NAV_ALL = "all"
NAV_ADMIN = "admin"
NAV_NONE = "none"


@dataclasses.dataclass(frozen=True)
class Route:
    """One page of the app."""

    path: str
    nav_label: str
    #: The page's module, shown on the page as its source.
    source: str
    card: Card | None = None
    nav: str = NAV_ALL
    #: Shown to whoever has the URL (sign-in, drop links); every other page needs a
    #: session once the app has accounts (access_state.AccessState.check).
    public: bool = False

    @property
    def title(self) -> str:
        """The browser tab's title."""
        return APP_NAME if self.path == "/" else f"{self.nav_label} · {APP_NAME}"


HOME = Route("/", "Home", "upload_demo/pages/home.py")
IMAGES = Route(
    "/images",
    "Images",
    "upload_demo/pages/images.py",
    Card(
        "Multiple images",
        "images",
        "Several images in one upload, shown as a gallery.",
        "rx.upload(multiple=True), rx.upload_files, on_upload_progress, rx.cancel_upload",
        policy.IMAGES.page,
    ),
)
VIDEO = Route(
    "/video",
    "Video",
    "upload_demo/pages/video.py",
    Card(
        "Single video",
        "film",
        "One video at a time, played in a <video controls> element.",
        "rx.upload(max_files=1, multiple=False), rx.get_upload_url",
        policy.VIDEO.page,
    ),
)
RESTRICTED = Route(
    "/restricted",
    "Restricted",
    "upload_demo/pages/restricted.py",
    Card(
        "Restricted",
        "shield-check",
        "At most 5 typed files, keyboard disabled; the server re-checks everything.",
        "rx.upload(accept, max_files, max_size, no_keyboard=True), on_drop_rejected",
        policy.RESTRICTED.page,
    ),
)
ONE_STEP = Route(
    "/one-step",
    "One-step",
    "upload_demo/pages/one_step.py",
    Card(
        "One-step",
        "zap",
        "Dropping or choosing files uploads them at once.",
        "rx.upload(on_drop=State.handler(rx.upload_files(...)))",
        policy.ONE_STEP.page,
    ),
)
LARGE = Route(
    "/large",
    "Large",
    "upload_demo/pages/large.py",
    Card(
        "Large files",
        "hard-drive-upload",
        "Files of several GB streamed to disk as they arrive, in flat memory.",
        "rx.upload_files_chunk, @rx.event(background=True), rx.UploadChunkIterator",
        policy.LARGE.page,
    ),
)
RESUMABLE = Route(
    "/resumable",
    "Resumable",
    "upload_demo/pages/resumable.py",
    Card(
        "Resumable (tus)",
        "refresh-cw",
        "Uploads that survive a lost connection, a reload or a server restart.",
        "tus-js-client as a wrapped component, rx.App(api_transformer=...) for /tus/",
        policy.RESUMABLE.page,
    ),
)
LIBRARY = Route(
    "/library",
    "Library",
    "upload_demo/pages/library.py",
    Card(
        "Library",
        "library",
        "Every stored file: filter, search, sort, download under its name, delete.",
        "on_load, rx.alert_dialog, rx.App(api_transformer=...) for GET /download/{id}",
    ),
)

ADMIN = Route("/admin", "Admin", "upload_demo/pages/admin.py", nav=NAV_ADMIN)
#: A drop link's page: its token is the dynamic segment (pages/drop.py reads it).
DROP = Route(
    "/drop/[drop_token]", "Drop link", "upload_demo/pages/drop.py", nav=NAV_NONE, public=True
)

SIGN_IN = Route("/sign-in", "Sign in", "upload_demo/pages/sign_in.py", nav=NAV_NONE, public=True)

#: Every page, in nav order.
ROUTES: tuple[Route, ...] = (
    HOME,
    IMAGES,
    VIDEO,
    RESTRICTED,
    ONE_STEP,
    LARGE,
    RESUMABLE,
    LIBRARY,
    ADMIN,
    SIGN_IN,
    DROP,
)

#: The pages with a card on the home page, with their cards, in card order.
CARDS: tuple[tuple[Route, Card], ...] = tuple(
    (route, route.card) for route in ROUTES if route.card is not None
)
