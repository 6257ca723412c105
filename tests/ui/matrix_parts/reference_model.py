"""The isolation matrix of /admin/model, the network's reference model (network admins only).
The model is network data, not a centre's: every handler, called by any role of a centre, is
refused before it reads or writes anything (tests/assessment/test_refmodel_page.py shows that
a network admin's calls do change the model)."""

from __future__ import annotations

from tests.ui.matrix_cases import View

PAGE = "/admin/model"
_FORM = {"code": "STOLEN", "title_fr": "Stolen", "title_en": "", "title_ar": "", "family": "mission"}

ENTRIES: dict = {
    "ModelAdminState.on_load": View(PAGE),
    "ModelAdminState.open_model": View(PAGE, lambda a: ("1",)),
    "ModelAdminState.make_version": View(PAGE, lambda a: ("1",)),
    "ModelAdminState.publish": View(PAGE),
    "ModelAdminState.publish_and_retire": View(PAGE),
    "ModelAdminState.retire": View(PAGE),
    "ModelAdminState.discard": View(PAGE),
    "ModelAdminState.edit_model": View(PAGE),
    "ModelAdminState.add_domain": View(PAGE),
    "ModelAdminState.add_child": View(PAGE, lambda a: ("criterion", "1")),
    "ModelAdminState.edit_item": View(PAGE, lambda a: ("domain", "1")),
    "ModelAdminState.close_dialog": View(PAGE, lambda a: (False,)),
    "ModelAdminState.save_model": View(PAGE, lambda a: ({"title": "Stolen", "notes": ""},)),
    "ModelAdminState.save_domain": View(PAGE, lambda a: (_FORM,)),
    "ModelAdminState.save_criterion": View(PAGE, lambda a: ({**_FORM, "tier": "must", "weight": "1"},)),
    "ModelAdminState.save_indicator": View(PAGE, lambda a: ({**_FORM, "unit": "count"},)),
    "ModelAdminState.move_item": View(PAGE, lambda a: ("domain", "1", 1)),
    "ModelAdminState.delete_item": View(PAGE, lambda a: ("domain", "1")),
}
