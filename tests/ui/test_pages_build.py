"""Every page of the app builds (issue 2 §12): a component error, such as an event handler
whose arguments do not match what its trigger sends, shows here in the unit tier instead of
only in the production build the e2e tier makes."""

from __future__ import annotations

import functools

import pytest
import reflex as rx

from cc_network.cc_network import app

PAGES = sorted(app._unevaluated_pages.items())


@functools.cache
def _rendered(route: str) -> dict:
    """The page's component rendered as the compiler walks it, once for all the checks below."""
    page = app._unevaluated_pages[route]
    component = page.component() if callable(page.component) else page.component
    assert isinstance(component, rx.Component), route
    return component.render()


def test_the_app_has_its_pages():
    routes = {route for route, _ in PAGES}
    assert {"login", "staff/inbox", "staff/meetings", "portal/sessions", "staff/procedures"} <= routes


@pytest.mark.parametrize("route, page", PAGES, ids=[r for r, _ in PAGES])
def test_page_builds(route, page):
    assert _rendered(route)


def _ids(rendered: object) -> list[str]:
    """Every literal id="cal-…" of a rendered page (the labelled form fields' ids)."""
    import re

    return re.findall(r'id:?\s*[=:]?\s*\\?"(cal-[^"\\]+)\\?"', str(rendered))


# fields in branches of which only one is ever on screen (the inbox's one dialog at a time)
EXCLUSIVE = {("staff/inbox", "cal-note"), ("host/inbox", "cal-note")}


@pytest.mark.parametrize("route, page", PAGES, ids=[r for r, _ in PAGES])
def test_no_two_form_fields_of_a_page_share_an_id(route, page):
    """A label points at its field by id: two fields with one id (two forms of a page with a
    field of the same name) leave the second unlabelled for screen readers and tests alike."""
    ids = _ids(_rendered(route))
    dupes = sorted({i for i in ids if ids.count(i) > 1 and (route, i) not in EXCLUSIVE})
    assert not dupes, f"{route}: fields share the ids {dupes} (pass form=… to the field helpers)"


def _forms_outside_loaded(node: object, loaded: bool = False) -> int:
    """Forms keyed on a state var, in a rendered tree, not inside the true branch of a cond on
    is_hydrated."""
    if isinstance(node, list):
        return sum(_forms_outside_loaded(n, loaded) for n in node)
    if not isinstance(node, dict):
        return 0
    if "cond_state" in node:
        gate = str(node["cond_state"]).endswith(".is_hydrated_rx_state_")
        return (_forms_outside_loaded(node["true_value"], loaded or gate)
                + _forms_outside_loaded(node["false_value"], loaded))
    keyed = any(str(p).startswith("key:") for p in node.get("props") or [])
    here = 0 if loaded or not keyed or "Form" not in str(node.get("name", "")) else 1
    return here + sum(_forms_outside_loaded(v, loaded) for k, v in node.items() if k != "name")


def test_the_check_sees_a_keyed_form():
    tree = rx.form(rx.input(name="a"), key=rx.Var.create(1)).render()
    assert _forms_outside_loaded(tree) == 1
    assert _forms_outside_loaded(rx.fragment(rx.cond(rx.State.is_hydrated, rx.form(key="k"))).render()) == 0


@pytest.mark.parametrize("route, page", PAGES, ids=[r for r, _ in PAGES])
def test_an_area_page_shows_its_forms_once_loaded(route, page):
    """A form keyed on its state remounts when the page's on_load fills that state: shown
    before, it would drop what the user typed meanwhile (seen in the e2e tier under load)."""
    assert _forms_outside_loaded(_rendered(route)) == 0, route
