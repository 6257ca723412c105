"""Every page of the app builds (issue 2 §12): a component error, such as an event handler
whose arguments do not match what its trigger sends, shows here in the unit tier instead of
only in the production build the e2e tier makes."""

from __future__ import annotations

import pytest
import reflex as rx

from cc_network.cc_network import app

PAGES = sorted(app._unevaluated_pages.items())


def test_the_app_has_its_pages():
    routes = {route for route, _ in PAGES}
    assert {"login", "staff/inbox", "staff/meetings", "portal/sessions", "staff/procedures"} <= routes


@pytest.mark.parametrize("route, page", PAGES, ids=[r for r, _ in PAGES])
def test_page_builds(route, page):
    component = page.component() if callable(page.component) else page.component
    assert isinstance(component, rx.Component), route
    component.render()  # walks the whole tree, as the compiler does
