"""The route table: every page once, each with a page, a source file that exists."""

from __future__ import annotations

from tests.conftest import ROOT
from upload_demo import routes


def test_paths_and_labels_are_unique() -> None:
    paths = [route.path for route in routes.ROUTES]
    labels = [route.nav_label for route in routes.ROUTES]
    assert len(set(paths)) == len(paths) and len(set(labels)) == len(labels)
    assert paths[0] == "/"


def test_every_source_exists() -> None:
    for route in routes.ROUTES:
        assert (ROOT / route.source).is_file(), route


def test_every_route_has_its_page_and_every_page_its_route() -> None:
    from upload_demo.upload_demo import PAGES

    assert list(PAGES) == list(routes.ROUTES)


def test_titles_name_the_app() -> None:
    assert routes.HOME.title == "upload_demo"
    assert routes.IMAGES.title == "Images · upload_demo"


def test_every_page_in_the_nav_but_home_has_a_card() -> None:
    in_nav = [route for route in routes.ROUTES if route.nav == routes.NAV_ALL]
    assert [route for route, _ in routes.CARDS] == in_nav[1:]
