"""Isolation matrix of the staff's students pages: the directory, a student's record, the
deletion requests and the study lists (BD05)."""

from __future__ import annotations

import io

from pypdf import PdfWriter

from integrations.db import system_session
from tenants.portal.profiles import services as prof
from tenants.portal.profiles.models import DeletionRequest, Establishment, StudyField
from tests.conftest import create_person
from tests.ui.matrix_cases import Probe, Public, View

DIRECTORY = "/staff/students"
REQUESTS = "/staff/students/deletion-requests"
LISTS = "/staff/students/lists"


def _record(a: dict) -> str:
    return f"/staff/students/{a['secret_student_mid']}"


def _pdf() -> bytes:
    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def setup(a, ids: dict, secrets: list) -> None:
    """A's student with a full record (lists, CV, consent) and a pending deletion request."""
    mgr = a.manager.actor
    est = prof.do_save_establishment(mgr, a.tenant_id, {"name": "Alpha Secret Faculty", "city": "Alphaville",
                                                        "is_host": True})
    field = prof.do_save_study_field(mgr, a.tenant_id, {"name": "Alpha Secret Field",
                                                        "tracks": ["Alpha Secret Track"]})
    student = create_person("secret-student@alpha.test", tenant_id=a.tenant_id, roles=["student"],
                            name="Alpha Secret Student")
    prof.do_update_my_profile(student.actor, a.tenant_id, {
        "phone": "+212 600 111 222", "establishment_id": est.id, "field_id": field.id,
        "track": "Alpha Secret Track", "level": "bac+3", "skills": ["Alpha secret skill"]})
    prof.do_upload_cv(student.actor, a.tenant_id, filename="alpha-secret-cv.pdf", data=_pdf())
    prof.do_set_consent(student.actor, a.tenant_id, granted=True)
    req = prof.do_request_deletion(student.actor, a.tenant_id, reason="Alpha secret reason")
    ids.update(secret_student_mid=student.membership_id, deletion_request_id=req.id, establishment_id=est.id,
               study_field_id=field.id)
    secrets += ["Alpha Secret Student", "secret-student@alpha.test", "Alpha Secret Faculty", "Alpha Secret Field",
                "Alpha Secret Track", "Alpha secret skill", "alpha-secret-cv.pdf", "Alpha secret reason",
                "+212 600 111 222"]


def _request(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        r = s.get(DeletionRequest, a["deletion_request_id"])
        return r.status, r.rejection_reason, r.handled_at


def _establishment(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        e = s.get(Establishment, a["establishment_id"])
        return e.name, e.city, e.is_host, e.active


def _study_field(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        f = s.get(StudyField, a["study_field_id"])
        return f.name, f.sector, tuple(f.tracks), f.active


ENTRIES: dict[str, Probe | View | Public] = {
    # the directory lists the caller's own centre; filters with A's ids find nothing
    "StudentsState.on_load": View(DIRECTORY),
    "StudentsState.apply_filters": View(DIRECTORY, lambda a: ({
        "query": "secret", "field": str(a["study_field_id"]), "establishment": str(a["establishment_id"]),
        "level": "bac+3", "consenting": "on"},)),
    "StudentsState.clear_filters": View(DIRECTORY),
    "StudentsState.next_page": View(DIRECTORY),
    "StudentsState.prev_page": View(DIRECTORY),
    # the student of the path, looked up in the caller's centre: A's id reads "not found"
    "StudentRecordState.on_load": View(_record),
    "StudentRecordState.download_cv": View(_record),
    "DeletionRequestsState.on_load": View(REQUESTS),
    "DeletionRequestsState.next_page": View(REQUESTS),
    "DeletionRequestsState.prev_page": View(REQUESTS),
    "DeletionRequestsState.approve": Probe(REQUESTS, lambda a: (a["deletion_request_id"],), _request),
    "DeletionRequestsState.start_reject": Probe(REQUESTS, lambda a: (a["deletion_request_id"],), _request,
                                                expect="nothing"),
    "DeletionRequestsState.stop_reject": Public("closes a dialog"),
    "DeletionRequestsState.reject": Probe(REQUESTS, lambda a: (
        {"request_id": str(a["deletion_request_id"]), "reason": "Stolen decision"},), _request),
    "StudyListsState.on_load": View(LISTS),
    "StudyListsState.start_edit_establishment": Probe(LISTS, lambda a: (a["establishment_id"],), _establishment,
                                                      expect="nothing"),
    "StudyListsState.start_edit_study_field": Probe(LISTS, lambda a: (a["study_field_id"],), _study_field,
                                                    expect="nothing"),
    "StudyListsState.stop_edit": Public("closes a dialog"),
    # adding creates an item in the caller's own centre
    "StudyListsState.add_establishment": View(LISTS, lambda a: ({"est_name": "Faculté de B", "est_city": "B"},)),
    "StudyListsState.add_study_field": View(LISTS, lambda a: ({"fld_name": "Filière de B", "fld_tracks": "X"},)),
    "StudyListsState.save_establishment": Probe(LISTS, lambda a: (
        {"item_id": str(a["establishment_id"]), "edit_est_name": "Stolen faculty", "edit_est_city": ""},),
        _establishment),
    "StudyListsState.set_establishment_active": Probe(LISTS, lambda a: (a["establishment_id"], False),
                                                      _establishment),
    "StudyListsState.save_study_field": Probe(LISTS, lambda a: (
        {"item_id": str(a["study_field_id"]), "edit_fld_name": "Stolen field", "edit_fld_tracks": ""},),
        _study_field),
    "StudyListsState.set_study_field_active": Probe(LISTS, lambda a: (a["study_field_id"], False), _study_field),
}
