"""Reflex configuration for upload_demo.

Every value can be overridden from the environment with the ``REFLEX_`` prefix
(``REFLEX_DB_URL``, ``REFLEX_BACKEND_HOST``, ``REFLEX_CORS_ALLOWED_ORIGINS`` ...),
which is how the tests point the app at a throw-away database.
"""

import reflex as rx

config = rx.Config(
    app_name="upload_demo",
    # SQLite is embedded and needs no set-up; any SQLAlchemy URL works here.
    db_url="sqlite:///upload_demo.db",
    telemetry_enabled=False,
    # Loopback only: a file-drop portal should not face the network by accident.
    backend_host="127.0.0.1",
    # Reflex allows every origin by default; name the ones the frontend uses.
    cors_allowed_origins=[
        "http://localhost:3000",
        "http://127.0.0.1:3000",
    ],
    show_built_with_reflex=False,
    # Light or dark as the system says (prefers-color-scheme), live: the theme inherits the
    # color mode Reflex sets on <html>, before the first paint from a script in <head>.
    default_color_mode="system",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="inherit", accent_color="indigo", radius="medium")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
