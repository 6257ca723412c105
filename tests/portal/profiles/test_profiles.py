"""Student profiles (issue 4 §1): lists, profile, CV, consent, export, deletion."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfWriter
from sqlmodel import select

from integrations import storage
from integrations.db import tenant_session
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from tenants.core.models import AuditEvent, Membership
from tenants.portal.profiles import services as prof
from tenants.portal.profiles.models import StudentProfile
from tenants.portal.settings.services import do_update_portal_settings
from tenants.portal.visits.models import Visit
from tests.conftest import create_person


def make_pdf(pages: int = 1, *, pad: int = 0) -> bytes:
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=595, height=842)
    if pad:
        w.add_metadata({"/Padding": "x" * pad})
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _files(tenant_id: int) -> list:
    folder = storage.private_root() / str(tenant_id) / "cv"
    return sorted(p for p in folder.glob("*.pdf")) if folder.exists() else []


@pytest.fixture
def lists(world_a):
    mgr = world_a.manager.actor
    host = prof.do_save_establishment(mgr, world_a.tenant_id, {"name": "Faculté des Sciences", "is_host": True})
    field = prof.do_save_study_field(mgr, world_a.tenant_id, {"name": "Informatique", "sector": "Numérique",
                                                              "tracks": ["Génie logiciel", "Réseaux"]})
    return host, field


# ---------------------------------------------------------------- BD05 lists

def test_staff_edit_the_lists_and_students_read_them(world_a, lists):
    host, field = lists
    st = world_a.student.actor
    assert [e.name for e in prof.list_establishments(st, world_a.tenant_id)] == ["Faculté des Sciences"]
    assert prof.list_study_fields(st, world_a.tenant_id)[0].tracks == ("Génie logiciel", "Réseaux")
    with pytest.raises(Forbidden):
        prof.do_save_study_field(st, world_a.tenant_id, {"name": "Droit"})
    with pytest.raises(Forbidden):  # ambassadors log visits but do not edit the lists
        prof.do_save_establishment(world_a.people["ambassador"].actor, world_a.tenant_id, {"name": "ENSA"})
    with pytest.raises(Conflict) as e:
        prof.do_save_study_field(world_a.counselor.actor, world_a.tenant_id, {"name": "Informatique"})
    assert e.value.code == "field_exists"
    prof.do_save_study_field(world_a.counselor.actor, world_a.tenant_id,
                             {"name": "Informatique", "tracks": ["Génie logiciel"], "active": True},
                             field_id=field.id)
    assert prof.list_study_fields(st, world_a.tenant_id)[0].tracks == ("Génie logiciel",)


def test_another_centres_list_item_is_not_found(worlds, lists):
    a, b = worlds
    host, field = lists
    with pytest.raises(NotFound):
        prof.do_save_study_field(b.manager.actor, b.tenant_id, {"name": "Droit"}, field_id=field.id)
    with pytest.raises(NotFound) as e:
        prof.do_update_my_profile(b.student.actor, b.tenant_id, {"establishment_id": host.id})
    assert e.value.code == "establishment_not_found"


# ---------------------------------------------------------------- profile

def test_student_fills_in_her_profile_and_staff_read_it(world_a, lists):
    host, field = lists
    st = world_a.student.actor
    view = prof.do_update_my_profile(st, world_a.tenant_id, {
        "full_name": "Salma Idrissi", "phone": "+212 6 12 34 56 78", "establishment_id": host.id,
        "field_id": field.id, "track": "Réseaux", "level": "bac+3", "graduation_year": 2027,
        "graduation_month": 6, "languages": [{"language": "Arabe", "level": "native"},
                                             {"language": "Anglais", "level": "B2"}],
        "skills": ["Python", "python", " SQL "],
        "experiences": [{"title": "Stage", "organisation": "OCP", "start": "2025-07-01", "end": "2025-08-31"}],
    })
    assert view.full_name == "Salma Idrissi" and view.establishment.name == "Faculté des Sciences"
    assert view.skills == ("Python", "SQL")  # duplicates dropped, spaces trimmed
    assert view.experiences[0]["start"] == "2025-07-01"
    # a partial change keeps the rest
    prof.do_update_my_profile(st, world_a.tenant_id, {"phone": "0612345678"})
    staff_view = prof.get_student_profile(world_a.counselor.actor, world_a.tenant_id, world_a.student.membership_id)
    assert staff_view.phone == "0612345678" and staff_view.track == "Réseaux" and staff_view.level == "bac+3"
    # the ambassador has no STUDENT_VIEW; another student neither
    with pytest.raises(Forbidden):
        prof.get_student_profile(world_a.people["ambassador"].actor, world_a.tenant_id,
                                 world_a.student.membership_id)


@pytest.mark.parametrize("payload, code", [
    ({"phone": "call me"}, "invalid_phone"),
    ({"level": "bac+9"}, "invalid"),
    ({"track": "Réseaux"}, "track_without_field"),
    ({"experiences": [{"title": "Stage", "start": "2025-07-01", "end": "2025-06-01"}]}, "experience_dates"),
    ({"languages": [{"language": "Anglais", "level": "fluent"}]}, "invalid"),
    ({"owner": 3}, "invalid"),
    ({"full_name": "A\x00b"}, "invalid"),
    ({"gender": "other-value"}, "invalid_gender"),
])
def test_bad_profile_input_changes_nothing(world_a, payload, code):
    st = world_a.student.actor
    prof.do_update_my_profile(st, world_a.tenant_id, {"phone": "0600000000"})
    with pytest.raises(Invalid) as e:
        prof.do_update_my_profile(st, world_a.tenant_id, payload)
    assert e.value.code == code
    assert prof.get_my_profile(st, world_a.tenant_id).phone == "0600000000"


def test_gender_is_optional_and_kept_for_the_statistics(world_a):
    st = world_a.student.actor
    assert prof.get_my_profile(st, world_a.tenant_id).gender == ""
    prof.do_update_my_profile(st, world_a.tenant_id, {"gender": "female"})
    prof.do_update_my_profile(st, world_a.tenant_id, {"phone": "0600000001"})  # not sent: kept
    assert prof.get_my_profile(st, world_a.tenant_id).gender == "female"
    prof.do_update_my_profile(st, world_a.tenant_id, {"gender": ""})
    assert prof.get_my_profile(st, world_a.tenant_id).gender == ""


def test_track_must_belong_to_the_field(world_a, lists):
    _host, field = lists
    with pytest.raises(Invalid) as e:
        prof.do_update_my_profile(world_a.student.actor, world_a.tenant_id,
                                  {"field_id": field.id, "track": "Droit public"})
    assert e.value.code == "unknown_track"


def test_staff_are_not_students(world_a):
    with pytest.raises(Forbidden) as e:
        prof.do_update_my_profile(world_a.counselor.actor, world_a.tenant_id, {"phone": "0600000000"})
    assert e.value.code == "forbidden"
    with pytest.raises(NotFound):  # a staff member's membership is not a student's profile
        prof.get_student_profile(world_a.manager.actor, world_a.tenant_id, world_a.counselor.membership_id)


def test_another_centres_student_is_not_found(worlds):
    a, b = worlds
    with pytest.raises(NotFound):
        prof.get_student_profile(b.counselor.actor, b.tenant_id, a.student.membership_id)
    with pytest.raises(Forbidden):  # acting in a centre one does not belong to
        prof.get_student_profile(b.counselor.actor, a.tenant_id, a.student.membership_id)


# ---------------------------------------------------------------- CV

def test_cv_upload_replace_and_read(world_a):
    st = world_a.student.actor
    first = make_pdf(1)
    view = prof.do_upload_cv(st, world_a.tenant_id, filename="C:\\Users\\me\\Mon CV.pdf", data=first)
    assert view.has_cv and view.cv_filename == "Mon CV.pdf" and view.cv_size == len(first)
    files = _files(world_a.tenant_id)
    assert len(files) == 1 and files[0].read_bytes() == first
    # the stored name says nothing about the student or the original file
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}\.pdf", files[0].name)
    second = make_pdf(2)
    prof.do_upload_cv(st, world_a.tenant_id, filename="cv2.pdf", data=second)
    files = _files(world_a.tenant_id)
    assert len(files) == 1 and files[0].read_bytes() == second  # the old file is gone
    assert prof.open_cv(st, world_a.tenant_id, world_a.student.membership_id) == ("cv2.pdf", second)
    assert prof.open_cv(world_a.counselor.actor, world_a.tenant_id, world_a.student.membership_id)[1] == second


def test_cv_readers_are_the_student_and_staff_only(worlds):
    a, b = worlds
    prof.do_upload_cv(a.student.actor, a.tenant_id, filename="cv.pdf", data=make_pdf())
    other = create_person("other@alpha.test", tenant_id=a.tenant_id, roles=["student"])
    for actor in (other.actor, a.people["ambassador"].actor, a.people["company_contact"].actor,
                  a.people["intern"].actor):
        with pytest.raises(Forbidden):
            prof.open_cv(actor, a.tenant_id, a.student.membership_id)
    with pytest.raises(NotFound):  # staff of another centre asking in their own centre
        prof.open_cv(b.manager.actor, b.tenant_id, a.student.membership_id)
    with pytest.raises(Forbidden):
        prof.open_cv(b.manager.actor, a.tenant_id, a.student.membership_id)


@pytest.mark.parametrize("data, code", [
    (b"", "cv_empty"),
    (b"PK\x03\x04 word document", "cv_not_pdf"),
    (b"%PDF-1.7\n<html>not really a pdf</html>", "cv_not_pdf"),
])
def test_bad_cv_is_refused_and_nothing_changes(world_a, data, code):
    st = world_a.student.actor
    good = make_pdf()
    prof.do_upload_cv(st, world_a.tenant_id, filename="cv.pdf", data=good)
    with pytest.raises(Invalid) as e:
        prof.do_upload_cv(st, world_a.tenant_id, filename="cv.pdf", data=data)
    assert e.value.code == code
    assert prof.open_cv(st, world_a.tenant_id, world_a.student.membership_id)[1] == good
    assert len(_files(world_a.tenant_id)) == 1


def test_encrypted_pdf_is_refused(world_a):
    w = PdfWriter()
    w.add_blank_page(width=100, height=100)
    w.encrypt("secret")
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(Invalid) as e:
        prof.do_upload_cv(world_a.student.actor, world_a.tenant_id, filename="cv.pdf", data=buf.getvalue())
    assert e.value.code == "cv_encrypted"


def test_cv_size_limit_comes_from_the_centre_settings(world_a):
    do_update_portal_settings(world_a.manager.actor, world_a.tenant_id, {"cv_max_bytes": 100 * 1024})
    big = make_pdf(pad=110 * 1024)
    assert len(big) > 100 * 1024
    with pytest.raises(Invalid) as e:
        prof.do_upload_cv(world_a.student.actor, world_a.tenant_id, filename="cv.pdf", data=big)
    assert e.value.code == "cv_too_large"
    assert _files(world_a.tenant_id) == []
    prof.do_upload_cv(world_a.student.actor, world_a.tenant_id, filename="cv.pdf", data=make_pdf())


def test_storage_refuses_another_tenants_key(worlds):
    a, b = worlds
    key = storage.save_private(a.tenant_id, "cv", b"%PDF-", ext="pdf")
    assert storage.read_private(a.tenant_id, key) == b"%PDF-"
    for bad in (key, f"{b.tenant_id}/cv/../../{key}", "../etc/passwd"):
        with pytest.raises(ValueError):
            storage.read_private(b.tenant_id, bad)
    # private to the server's user
    assert ((storage.private_root() / key).stat().st_mode & 0o777) == 0o600


# ---------------------------------------------------------------- consent

def test_consent_is_explicit_dated_and_revocable(world_a):
    st = world_a.student.actor
    tid, mid = world_a.tenant_id, world_a.student.membership_id
    assert prof.get_my_profile(st, tid).consent.granted is False  # never assumed
    granted = prof.do_set_consent(st, tid, granted=True)
    assert granted.granted and granted.at is not None and granted.text_version == prof.CONSENT_TEXT_VERSION
    assert [p.membership_id for p in prof.list_student_profiles(world_a.counselor.actor, tid,
                                                               consenting_only=True)] == [mid]
    prof.do_set_consent(st, tid, granted=False)
    assert prof.get_student_profile(world_a.counselor.actor, tid, mid).consent.granted is False
    assert prof.list_student_profiles(world_a.counselor.actor, tid, consenting_only=True) == []
    history = prof.consent_history(world_a.counselor.actor, tid, mid)
    assert [h.granted for h in history] == [True, False]
    with pytest.raises(Forbidden):  # staff cannot consent on the student's behalf
        prof.do_set_consent(world_a.counselor.actor, tid, granted=True)


# ---------------------------------------------------------------- export

def test_export_holds_everything_about_the_student(world_a, lists):
    st = world_a.student.actor
    tid, mid = world_a.tenant_id, world_a.student.membership_id
    host, field = lists
    prof.do_update_my_profile(st, tid, {"phone": "0611111111", "establishment_id": host.id, "skills": ["Excel"]})
    prof.do_upload_cv(st, tid, filename="cv.pdf", data=make_pdf())
    prof.do_set_consent(st, tid, granted=True)
    from tenants.portal.visits.services import do_log_visit

    do_log_visit(world_a.people["ambassador"].actor, tid, {"student_membership_id": mid, "channel": "walk_in",
                                                           "needs": ["cv"], "orientation": "Atelier CV jeudi"})
    data = json.loads(json.dumps(prof.export_my_data(st, tid)))
    assert data["account"]["email"] == world_a.student.email
    assert data["profile"]["phone"] == "0611111111" and data["profile"]["skills"] == ["Excel"]
    assert data["profile"]["establishment"]["name"] == host.name
    assert data["consents"][0]["granted"] is True
    assert data["visits"][0]["orientation"] == "Atelier CV jeudi"
    assert data["files"] == [{"kind": "cv", "filename": "cv.pdf", "size": data["files"][0]["size"],
                              "uploaded_at": data["files"][0]["uploaded_at"]}]
    with pytest.raises(Forbidden):
        prof.export_my_data(world_a.counselor.actor, tid)


# ---------------------------------------------------------------- deletion

def test_deletion_approved_anonymises_and_keeps_statistics(world_a, lists):
    st = world_a.student.actor
    tid, mid = world_a.tenant_id, world_a.student.membership_id
    host, field = lists
    prof.do_update_my_profile(st, tid, {"full_name": "Salma Idrissi", "phone": "0611111111",
                                        "establishment_id": host.id, "field_id": field.id, "level": "bac+5"})
    prof.do_upload_cv(st, tid, filename="cv.pdf", data=make_pdf())
    prof.do_set_consent(st, tid, granted=True)
    from tenants.portal.visits.services import do_log_visit

    do_log_visit(world_a.counselor.actor, tid, {"student_membership_id": mid, "channel": "walk_in",
                                                "needs": ["internship"], "orientation": "Voir BD stages"})
    req = prof.do_request_deletion(st, tid, reason="Je quitte l'université")
    with pytest.raises(Conflict) as e:
        prof.do_request_deletion(st, tid)
    assert e.value.code == "deletion_already_requested"
    assert prof.get_my_profile(st, tid).deletion_pending
    with pytest.raises(Forbidden):
        prof.list_deletion_requests(world_a.people["ambassador"].actor, tid)
    assert [r.id for r in prof.list_deletion_requests(world_a.counselor.actor, tid)] == [req.id]

    done = prof.do_handle_deletion_request(world_a.manager.actor, tid, req.id, approve=True)
    assert done.status == "approved"
    assert _files(tid) == []
    with tenant_session(tid) as s:
        p = s.exec(select(StudentProfile)).one()
        # detached and scrubbed, the statistics fields kept
        assert p.membership_id is None and p.full_name == "" and p.phone == "" and p.cv_key is None
        assert p.level == "bac+5" and p.field_id == field.id and p.anonymised_at is not None
        v = s.exec(select(Visit)).one()
        assert v.student_membership_id is None and v.orientation == "" and v.needs == ["internship"]
        assert s.get(Membership, mid).active is False
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
        assert "deletion.requested" in actions and "deletion.approved" in actions
    with pytest.raises(Conflict) as e:
        prof.do_handle_deletion_request(world_a.manager.actor, tid, req.id, approve=False, rejection_reason="x")
    assert e.value.code == "deletion_already_handled"
    # the student, now inactive, no longer acts in the centre
    assert world_a.student.actor.membership_id is None


def test_deletion_rejected_needs_a_reason_and_keeps_data(worlds):
    a, b = worlds
    st = a.student.actor
    prof.do_update_my_profile(st, a.tenant_id, {"phone": "0611111111"})
    req = prof.do_request_deletion(st, a.tenant_id)
    with pytest.raises(Invalid) as e:
        prof.do_handle_deletion_request(a.manager.actor, a.tenant_id, req.id, approve=False)
    assert e.value.code == "reason_required"
    with pytest.raises(NotFound):  # another centre's request
        prof.do_handle_deletion_request(b.manager.actor, b.tenant_id, req.id, approve=True)
    done = prof.do_handle_deletion_request(a.manager.actor, a.tenant_id, req.id, approve=False,
                                           rejection_reason="Dossier de stage en cours")
    assert done.status == "rejected" and done.rejection_reason == "Dossier de stage en cours"
    assert prof.get_my_profile(st, a.tenant_id).phone == "0611111111"
    # a new request may follow a rejected one
    prof.do_request_deletion(st, a.tenant_id)


def test_concurrent_uploads_leave_exactly_the_stored_file(world_a):
    """Eight uploads at once (the first ones also create the profile row): one profile, one file,
    and it is the one the profile points at."""
    from concurrent.futures import ThreadPoolExecutor

    st = world_a.student.actor
    pdfs = [make_pdf(i + 1) for i in range(8)]

    def upload(i: int) -> None:
        prof.do_upload_cv(st, world_a.tenant_id, filename=f"cv{i}.pdf", data=pdfs[i])

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(upload, range(8)))
    files = _files(world_a.tenant_id)
    assert len(files) == 1
    name, data = prof.open_cv(st, world_a.tenant_id, world_a.student.membership_id)
    assert files[0].read_bytes() == data == pdfs[int(name[2:-4])]
    with tenant_session(world_a.tenant_id) as s:
        assert len(s.exec(select(StudentProfile)).all()) == 1
