"""Isolation matrix of the sourcing pipeline's pages: the board (/staff/needs), one need's
pipeline (/staff/needs/<id>), a sending as the company sees it (/company/shares/<id>) and the
secure link's page (/shared/profiles, keyed by its secret alone)."""

from __future__ import annotations

from sqlmodel import func, select

from integrations.db import system_session, tenant_session
from tenants.portal.profiles import services as prof
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.partners.models import Person
from tenants.sourcing.pipeline import services as pipe
from tenants.sourcing.pipeline.models import ProfileShare, ShortlistEntry
from tests.conftest import create_person
from tests.portal.registrations.util import at, publish
from tests.sourcing.util import link_company_contact, make_company, make_need
from tests.ui.matrix_cases import Probe, Public, View

BOARD = "/staff/needs"
SECRET_LINK = "the secure link's page: its 256-bit secret is the only key, no tenant id is taken"


def _main(a: dict) -> str:
    return f"/staff/needs/{a['pipe_need_id']}"


def _student(a, key: str, name: str) -> int:
    p = create_person(f"{key}@alpha.test", tenant_id=a.tenant_id, roles=["student"], name=name)
    prof.do_update_my_profile(p.actor, a.tenant_id, {"full_name": name, "skills": ["Cobol"], "level": "bac+5"})
    prof.do_set_consent(p.actor, a.tenant_id, granted=True)
    return p.membership_id


def _entry(a, need_id: int, student_id: int, **kw) -> int:
    with tenant_session(a.tenant_id) as s:
        e = ShortlistEntry(tenant_id=a.tenant_id, need_id=need_id, student_membership_id=student_id, **kw)
        s.add(e)
        s.commit()
        return e.id


def setup(a, ids: dict, secrets: list) -> None:
    """A's company (the one its company contact speaks for), a need with a shortlist (one entry
    per probe), a sending with one profile, needs to take, cancel and close, a workshop."""
    mid = a.people["company_contact"].membership_id
    with tenant_session(a.tenant_id) as s:
        linked = s.exec(select(Person).where(Person.membership_id == mid, Person.merged_into_id.is_(None),
                                             Person.company_id.is_not(None))).first()
        company_id = linked.company_id if linked is not None else None
    if company_id is None:
        company_id = make_company(a, "Alpha Secret Company")
        link_company_contact(a, company_id)
    need = make_need(a, company_id, title="Alpha secret pipeline need", skills=["Cobol"], status="shortlisted",
                     sheet="Alpha secret pipeline sheet")
    students = {k: _student(a, f"pipe-{k}", f"Alpha Pipeline {k.title()}")
                for k in ("note", "status", "remove", "prep", "send", "prepare", "sent", "candidate")}
    entries = {k: _entry(a, need, sid, note="Alpha secret pipeline note" if k == "note" else "",
                         status="preparing" if k == "prep" else "proposed")
               for k, sid in students.items() if k != "candidate"}
    share = pipe.do_send_profiles(a.manager.actor, a.tenant_id, need, [entries["sent"]]).share_id
    ids.update(
        pipe_company_id=company_id, pipe_need_id=need, pipe_share_id=share,
        pipe_take_need_id=make_need(a, company_id, title="Alpha secret need to take"),
        pipe_cancel_need_id=make_need(a, company_id, title="Alpha secret need to cancel"),
        pipe_close_need_id=make_need(a, company_id, title="Alpha secret need to close"),
        pipe_workshop_id=publish(a, title="Alpha pipeline workshop", capacity=50, starts_at=at(30),
                                 ends_at=at(30, 12)),
        pipe_students=students, pipe_entries=entries)
    secrets += ["Alpha secret pipeline need", "Alpha secret pipeline sheet", "Alpha secret pipeline note",
                "Alpha Pipeline Note", "Alpha Pipeline Sent", "Alpha Pipeline Candidate", "Alpha secret need to take"]


def _need(key: str):  # noqa: ANN202
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            n = s.get(JobNeed, a[key])
            return n.status, n.owner_membership_id, n.sheet, n.sheet_sent_at, n.publication_requested_at, \
                n.updated_at
    return snap


def _entry_of(key: str):  # noqa: ANN202
    def snap(a: dict) -> tuple | None:
        with system_session("matrix snapshot") as s:
            e = s.get(ShortlistEntry, a["pipe_entries"][key])
            return None if e is None else (e.status, e.note, e.rank, e.outcome, e.outcome_note, e.booking_id,
                                           e.registration_id)
    return snap


def _ranks(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        return tuple(s.exec(select(ShortlistEntry.id, ShortlistEntry.rank).where(
            ShortlistEntry.need_id == a["pipe_need_id"]).order_by(ShortlistEntry.id)).all())


def _shares(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        rows = s.exec(select(ProfileShare.id, ProfileShare.revoked_at).where(
            ProfileShare.need_id == a["pipe_need_id"]).order_by(ProfileShare.id)).all()
        return tuple(rows), s.exec(select(func.count(ProfileShare.id))).one()


def _page(key: str):  # noqa: ANN202
    return lambda a: f"/staff/needs/{a[key]}"


def _e(key: str):  # noqa: ANN202
    return lambda a: a["pipe_entries"][key]


ENTRIES = {
    "NeedsBoardState.on_load": View(BOARD),
    "NeedsBoardState.apply_filters": View(BOARD, lambda a: ({"company": str(a["pipe_company_id"]),
                                                             "owner": str(a["counselor_mid"])},)),
    "NeedsBoardState.clear_filters": View(BOARD),
    # the need of the path, looked up in the caller's own centre
    "NeedPipelineState.on_load": View(_main),
    "NeedPipelineState.search": View(_main, lambda a: ({"q": "cobol", "consent_only": "on"},)),
    "NeedPipelineState.next_page": View(_main),
    "NeedPipelineState.prev_page": View(_main),
    "NeedPipelineState.take": Probe(_page("pipe_take_need_id"), lambda a: (), _need("pipe_take_need_id")),
    "NeedPipelineState.save_sheet": Probe(_main, lambda a: ({"sheet": "Stolen sheet"},), _need("pipe_need_id")),
    "NeedPipelineState.send_sheet": Probe(_main, lambda a: (), _need("pipe_need_id")),
    "NeedPipelineState.request_publication": Probe(_main, lambda a: (), _need("pipe_need_id")),
    "NeedPipelineState.cancel_need": Probe(_page("pipe_cancel_need_id"), lambda a: ({"reason": "Stolen"},),
                                           _need("pipe_cancel_need_id")),
    "NeedPipelineState.close_need": Probe(_page("pipe_close_need_id"), lambda a: (), _need("pipe_close_need_id")),
    "NeedPipelineState.toggle_pick": Public("ticks a row already on screen; the services check each id on use"),
    "NeedPipelineState.move": Probe(_main, lambda a: (a["pipe_entries"]["note"], -1), _ranks),
    "NeedPipelineState.change_status": Probe(_main, lambda a: (a["pipe_entries"]["status"], "selected"),
                                          _entry_of("status")),
    "NeedPipelineState.remove": Probe(_main, lambda a: (a["pipe_entries"]["remove"],), _entry_of("remove")),
    "NeedPipelineState.mark_prepared": Probe(_main, lambda a: (a["pipe_entries"]["prep"],), _entry_of("prep")),
    "NeedPipelineState.start_note": Probe(_main, lambda a: (a["pipe_entries"]["note"],), _entry_of("note"),
                                          expect="nothing"),
    "NeedPipelineState.start_add": Probe(_main, lambda a: (a["pipe_students"]["candidate"],), _entry_of("note"),
                                         expect="nothing"),
    "NeedPipelineState.stop_edit": Public("closes a dialog"),
    "NeedPipelineState.save_dialog": Probe(_main, lambda a: ({"target_id": str(a["pipe_entries"]["note"]),
                                                              "kind": "note", "note": "Stolen note"},),
                                           _entry_of("note")),
    "NeedPipelineState.prepare": Probe(_main, lambda a: ({
        "entry_ids": str(a["pipe_entries"]["prepare"]), "counselor": str(a["counselor_mid"]),
        "prep_kind": "workshop", "event": str(a["pipe_workshop_id"])},), _entry_of("prepare")),
    "NeedPipelineState.send_profiles": Probe(_main, lambda a: ({"entry_ids": str(a["pipe_entries"]["send"]),
                                                                "valid_days": "7"},), _shares),
    "NeedPipelineState.revoke": Probe(_main, lambda a: (a["pipe_share_id"],), _shares),
    # a sending of the caller's own company, looked up in the caller's own centre
    "CompanyShareState.on_load": View(lambda a: f"/company/shares/{a['pipe_share_id']}"),
    "CompanyShareState.download_pdf": View(lambda a: f"/company/shares/{a['pipe_share_id']}"),
    "CompanyShareState.download_cv": View(lambda a: f"/company/shares/{a['pipe_share_id']}",
                                          lambda a: (a["pipe_students"]["sent"],)),
    "CompanyShareState.download_profile": View(lambda a: f"/company/shares/{a['pipe_share_id']}",
                                               lambda a: (a["pipe_students"]["sent"],)),
    "CompanyShareState.record_outcome": Probe(lambda a: f"/company/shares/{a['pipe_share_id']}",
                                              lambda a: ({"entry_id": str(a["pipe_entries"]["sent"]),
                                                          "outcome": "hired", "note": "Stolen"},),
                                              _entry_of("sent"), owner="company_contact"),
    "SharedProfilesState.on_load": Public(SECRET_LINK),
    "SharedProfilesState.download_pdf": Public(SECRET_LINK),
    "SharedProfilesState.download_cv": Public(SECRET_LINK),
    "SharedProfilesState.download_profile": Public(SECRET_LINK),
}
