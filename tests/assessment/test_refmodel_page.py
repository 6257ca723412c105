"""/admin/model as a network admin uses it: open the version in force, make a new version, edit
the draft in its dialogs, reorder, delete, publish. The handlers run on one state, as the
browser's events would, with the admin's session in the handshake."""

from __future__ import annotations

import pytest

from tests.ui.test_handler_isolation import app_handlers, call, session_cookie
from workflows.assessment import reference as ref

PAGE = "/admin/model"


class Page:
    def __init__(self, cookie: str):
        self.state, self.result = call("ModelAdminState.on_load", cookie, PAGE, ())

    def __call__(self, name: str, *args):
        _cls, handler = app_handlers()[f"ModelAdminState.{name}"]
        self.result = handler.fn(self.state, *args)
        return self.state

    def rows(self, kind: str) -> list:
        return [r for r in self.state.rows if r.kind == kind]


@pytest.fixture
def page(network_admin) -> Page:
    ref.ensure_default_model()
    return Page(session_cookie(network_admin.account_id, None))


def _form(**fields: str) -> dict:
    return {"title_fr": "", "title_en": "", "title_ar": "", **fields}


def test_open_the_version_in_force(page):
    s = page.state
    assert s.error == "" and [v.version for v in s.versions] == [1]
    assert s.versions[0].current and s.open_status == "published" and s.open_current
    assert len(page.rows("domain")) == 13 and len(page.rows("criterion")) == 51
    first = page.rows("criterion")[0]
    assert first.code == "MIS.1" and first.tier == "must" and first.title["ar"].startswith("رسالة")
    live = [r for r in page.rows("indicator") if r.live_key]
    assert len(live) == len(ref.LIVE_KEYS)


def test_edit_a_new_version_and_publish_it(page):
    v1 = page.state.open_id
    s = page("make_version", str(v1))
    assert s.error == "" and s.notice == "ui.refmodel.version_made"
    assert s.open_status == "draft" and s.open_version == 2 and s.open_id != v1
    draft = s.open_id
    # a domain
    page("add_domain")
    assert s.dialog == "domain" and s.editing_id == 0
    s = page("save_domain", _form(code="inn", title_fr="Innovation", title_ar="الابتكار", family="outcomes"))
    assert s.error == "" and s.dialog == ""
    inn = page.rows("domain")[-1]
    assert (inn.code, inn.title["fr"], inn.title["ar"], inn.title["en"], inn.family) == (
        "INN", "Innovation", "الابتكار", "Innovation", "outcomes")
    # a criterion under it
    page("add_child", "criterion", str(inn.id))
    assert s.dialog == "criterion" and s.parent_id == inn.id and s.edit.tier == "should"
    s = page("save_criterion", _form(code="", title_fr="Des projets innovants", evidence_fr="Fiches projet",
                                     evidence_en="", evidence_ar="", tier="must", justification="always",
                                     weight="2.5", procedures="P01 p31"))
    assert s.error == "", s.error
    crit = next(r for r in page.rows("criterion") if r.parent_id == inn.id)
    assert (crit.code, crit.tier, crit.weight, crit.procedures, crit.justification) == (
        "INN.1", "must", "2.5", "P01, P31", "always")
    # an indicator under the criterion: a live one takes the product's unit
    page("add_child", "indicator", str(crit.id))
    s = page("save_indicator", _form(code="", title_fr="Ateliers tenus", live_key="workshops_held", unit="number",
                                     target="12", higher_is_better="on"))
    assert s.error == "", s.error
    ind = next(r for r in page.rows("indicator") if r.parent_id == crit.id)
    assert (ind.code, ind.live_key, ind.unit, ind.target) == ("INN.1.A", "workshops_held", "count", "12")
    # a refused edit keeps the dialog open with its message, and changes nothing
    page("edit_item", "criterion", str(crit.id))
    assert s.dialog == "criterion" and s.edit.code == "INN.1" and s.edit.evidence["fr"] == "Fiches projet"
    s = page("save_criterion", _form(code="", title_fr="Des projets innovants", evidence_fr="", evidence_en="",
                                     evidence_ar="", tier="must", justification="always", weight="11",
                                     procedures=""))
    assert s.error == "error.weight_out_of_range" and s.dialog == "criterion"
    assert next(r for r in page.rows("criterion") if r.id == crit.id).weight == "2.5"
    page("close_dialog", False)
    assert s.dialog == ""
    # order and removal
    s = page("move_item", "domain", str(inn.id), -1)
    assert s.error == "" and [r.code for r in page.rows("domain")][-2:] == ["INN", "OUT"]
    s = page("delete_item", "indicator", str(ind.id))
    assert s.error == "" and not [r for r in page.rows("indicator") if r.parent_id == crit.id]
    # title, then publish
    page("edit_model")
    s = page("save_model", {"title": "Référentiel 2027", "notes": "Innovation ajoutée"})
    assert s.error == "" and s.open_title == "Référentiel 2027"
    s = page("publish")
    assert s.error == "" and s.open_status == "published" and s.open_current
    tree = ref.get_model(ref_admin(page), draft)
    assert tree.model.criteria == 52 and tree.model.status == "published"
    # frozen now: the same edit is refused with its message
    s = page("edit_item", "criterion", str(crit.id))
    s = page("save_criterion", _form(title_fr="Changé", evidence_fr="", evidence_en="", evidence_ar="",
                                     tier="must", justification="always", weight="1", procedures=""))
    assert s.error == "error.model_not_draft"


def ref_admin(page: Page):
    return page.state._actor()


def test_bad_payloads_change_nothing(page):
    before = ref.get_model(ref_admin(page), page.state.open_id)
    for name, args, code in [
        ("open_model", ("abc",), "error.invalid"), ("make_version", (None,), "error.invalid"),
        ("edit_item", ("bogus", "1"), "error.invalid"), ("edit_item", ("domain", "999999"),
                                                          "error.ref_domain_not_found"),
        ("add_child", ("domain", "1"), "error.invalid"), ("move_item", ("domain", "1", 5), "error.invalid"),
        ("move_item", ("domain", "1", True), "error.invalid"), ("delete_item", (["x"], "1"), "error.invalid"),
        ("save_domain", ("not a form",), ""),  # no dialog open: ignored
    ]:
        page.state.error = ""
        s = page(name, *args)
        assert s.error == code, name
    assert ref.get_model(ref_admin(page), page.state.open_id) == before
    # a published version is never edited through the page either
    s = page("add_domain")
    s = page("save_domain", _form(code="NEW", title_fr="Nouveau", family=""))
    assert s.error == "error.model_not_draft"


def test_staff_are_sent_home(world_a):
    ref.ensure_default_model()
    state, result = call("ModelAdminState.on_load", session_cookie(world_a.manager.account_id, world_a.tenant_id),
                         PAGE, ())
    assert state.versions == [] and state.rows == [] and result
