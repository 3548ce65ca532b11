"""The app: pages and their routes, nothing else."""

import reflex as rx

from upload_demo import downloads
from upload_demo.pages.home import HomeState, home_page
from upload_demo.pages.images import ImagesState, images_page
from upload_demo.pages.library import LibraryState, library_page
from upload_demo.pages.one_step import OneStepState, one_step_page
from upload_demo.pages.restricted import RestrictedState, restricted_page
from upload_demo.pages.video import VideoState, video_page

# Each entry wraps or mounts the backend: downloads.api adds GET /download/{id}.
app = rx.App(api_transformer=[downloads.api])

app.add_page(home_page, route="/", title="upload_demo", on_load=HomeState.load_totals)
app.add_page(
    images_page, route="/images", title="Images · upload_demo", on_load=ImagesState.load_items
)
app.add_page(video_page, route="/video", title="Video · upload_demo", on_load=VideoState.load_items)
app.add_page(
    restricted_page,
    route="/restricted",
    title="Restricted · upload_demo",
    on_load=RestrictedState.load_items,
)
app.add_page(
    one_step_page,
    route="/one-step",
    title="One-step · upload_demo",
    on_load=OneStepState.load_items,
)
app.add_page(
    library_page, route="/library", title="Library · upload_demo", on_load=LibraryState.load
)
