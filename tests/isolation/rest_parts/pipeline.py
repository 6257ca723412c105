"""REST isolation cases of the sourcing pipeline (P22): staff search, shortlist, preparation,
sendings and metrics; a company contact's candidates, sendings and outcomes. Each centre
gets, on first use, the company its company contact speaks for (the one the needs part
links, when it ran first), a need with a consenting student already sent to it (with a CV),
and a published workshop; actions that move an object get a fresh one per call, made in
`ids` (before the matrix's snapshot) and read back by `body`."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import select

from integrations import storage
from integrations.db import tenant_session, utcnow
from tenants.core.roles import Perm
from tenants.portal.profiles import services as prof
from tenants.portal.profiles.models import StudentProfile
from tenants.sourcing.partners.models import Person
from tenants.sourcing.pipeline import services as pipe
from tenants.sourcing.pipeline.models import ProfileShare, ShortlistEntry
from tests.conftest import World, create_person
from tests.isolation.test_rest_matrix import PREFIX, Case, Ctx
from tests.portal.registrations.util import at, publish
from tests.sourcing.util import link_company_contact, make_company, make_need

S = PREFIX + "/sourcing"
C = PREFIX + "/company"


def _student(ctx: Ctx, w: World, *, consent: bool = True, cv: bool = False) -> int:
    p = create_person(f"pipe{next(ctx.seq)}@{w.slug}.test", tenant_id=w.tenant_id, roles=["student"],
                      name=f"Etudiant {w.slug.title()}")
    prof.do_update_my_profile(p.actor, w.tenant_id, {"level": "bac+5", "skills": ["Python"]})
    prof.do_set_consent(p.actor, w.tenant_id, granted=consent)
    if cv:
        key = storage.save_private(w.tenant_id, "cv", b"%PDF-1.4 matrix cv", ext="pdf")
        with tenant_session(w.tenant_id) as s:
            row = s.exec(select(StudentProfile).where(StudentProfile.membership_id == p.membership_id)).one()
            row.cv_key, row.cv_filename = key, "cv.pdf"
            s.add(row)
            s.commit()
    return p.membership_id


def _entry(w: World, need_id: int, student_id: int, **kw) -> int:
    with tenant_session(w.tenant_id) as s:
        e = ShortlistEntry(tenant_id=w.tenant_id, need_id=need_id, student_membership_id=student_id, **kw)
        s.add(e)
        s.commit()
        return e.id


def _shared(ctx: Ctx, w: World) -> dict:
    store = ctx.extra.setdefault("pipeline", {})
    if w.slug not in store:
        mid = w.people["company_contact"].membership_id
        with tenant_session(w.tenant_id) as s:
            linked = s.exec(select(Person).where(Person.membership_id == mid, Person.merged_into_id.is_(None),
                                                 Person.company_id.is_not(None))).first()
            company_id = linked.company_id if linked is not None else None
        if company_id is None:
            company_id = make_company(w, f"Needs Corp {w.slug.title()}")
            link_company_contact(w, company_id)
        need_id = make_need(w, company_id, title="Développeur Python", status="sourcing")
        student_id = _student(ctx, w, cv=True)
        entry_id = _entry(w, need_id, student_id)
        share_id = pipe.do_send_profiles(w.manager.actor, w.tenant_id, need_id, [entry_id]).share_id
        event_id = publish(w, capacity=1000, title="Atelier préparation", starts_at=at(45, 7), ends_at=at(45, 8))
        store[w.slug] = {"company_id": company_id, "need_id": need_id, "student_id": student_id,
                         "entry_id": entry_id, "share_id": share_id, "event_id": event_id, "next": {}}
    return store[w.slug]


def _setup(ctx: Ctx, w: World, role: str) -> dict:
    _shared(ctx, w)
    return {}


def _need(ctx: Ctx, w: World, role: str) -> dict:
    return {"need_id": _shared(ctx, w)["need_id"]}


def _sent_entry(ctx: Ctx, w: World, role: str) -> dict:
    return {"entry_id": _shared(ctx, w)["entry_id"]}


def _share(ctx: Ctx, w: World, role: str) -> dict:
    sh = _shared(ctx, w)
    return {"share_id": sh["share_id"], "student_id": sh["student_id"]}


def _fresh_entry(ctx: Ctx, w: World, role: str) -> dict:
    sh = _shared(ctx, w)
    return {"entry_id": _entry(w, sh["need_id"], _student(ctx, w))}


def _fresh_preparing(ctx: Ctx, w: World, role: str) -> dict:
    sh = _shared(ctx, w)
    return {"entry_id": _entry(w, sh["need_id"], _student(ctx, w), status="preparing")}


def _fresh_share(ctx: Ctx, w: World, role: str) -> dict:
    sh = _shared(ctx, w)
    with tenant_session(w.tenant_id) as s:
        row = ProfileShare(tenant_id=w.tenant_id, need_id=sh["need_id"], company_id=sh["company_id"],
                           token_hash=pipe.hash_secret(secrets.token_urlsafe(16)),
                           expires_at=utcnow() + timedelta(days=3))
        s.add(row)
        s.commit()
        return {"share_id": row.id}


def _fresh_to_send(ctx: Ctx, w: World, role: str) -> dict:
    """A fresh need with one consenting candidate; `body` sends that candidate."""
    sh = _shared(ctx, w)
    need_id = make_need(w, sh["company_id"], title=f"Besoin {next(ctx.seq)}", status="shortlisted")
    sh["next"]["send"] = _entry(w, need_id, sh["student_id"])
    return {"need_id": need_id}


def _fresh_to_prepare(ctx: Ctx, w: World, role: str) -> dict:
    sh = _shared(ctx, w)
    sh["next"]["prepare"] = _entry(w, sh["need_id"], _student(ctx, w))
    return {}


def _prepare_body(ctx: Ctx, w: World) -> dict:
    sh = _shared(ctx, w)
    return {"entry_ids": [sh["next"].get("prepare", sh["entry_id"])], "kind": "workshop",
            "counselor_membership_id": w.counselor.membership_id, "event_id": sh["event_id"]}


CASES = {
    ("GET", S + "/students"): Case(Perm.SOURCING, ids=_setup, params={"q": "python"}),
    ("GET", S + "/metrics"): Case(Perm.NEED_VIEW, ids=_setup),
    ("GET", S + "/needs/{need_id}/candidates"): Case(Perm.SOURCING, ids=_need, not_found_code="need_not_found"),
    ("GET", S + "/needs/{need_id}/shortlist"): Case(Perm.NEED_VIEW, ids=_need, not_found_code="need_not_found"),
    ("POST", S + "/needs/{need_id}/shortlist"): Case(
        Perm.SOURCING, ok=201, ids=_need, not_found_code="need_not_found",
        body=lambda ctx, w: {"student_membership_id": w.student.membership_id, "note": "Profil solide"}),
    ("PATCH", S + "/shortlist/{entry_id}"): Case(Perm.SOURCING, ids=_sent_entry, not_found_code="entry_not_found",
                                                 body=lambda ctx, w: {"note": "Relancé"}),
    ("DELETE", S + "/shortlist/{entry_id}"): Case(Perm.SOURCING, ok=204, ids=_fresh_entry,
                                                  not_found_code="entry_not_found"),
    ("POST", S + "/shortlist/{entry_id}/prepared"): Case(Perm.SOURCING, ids=_fresh_preparing,
                                                         not_found_code="entry_not_found"),
    ("PUT", S + "/needs/{need_id}/ranking"): Case(Perm.NEED_MANAGE, ids=_need, not_found_code="need_not_found",
                                                  body=lambda ctx, w: {"entry_ids": []}),
    ("POST", S + "/preparation"): Case(Perm.NEED_MANAGE, ids=_fresh_to_prepare, body=_prepare_body),
    ("POST", S + "/needs/{need_id}/sendings"): Case(
        Perm.NEED_MANAGE, ok=201, ids=_fresh_to_send, not_found_code="need_not_found",
        body=lambda ctx, w: {"entry_ids": [_shared(ctx, w)["next"].get("send", 1)], "valid_days": 7}),
    ("GET", S + "/needs/{need_id}/sendings"): Case(Perm.NEED_VIEW, ids=_need, not_found_code="need_not_found"),
    ("POST", S + "/sendings/{share_id}/revoke"): Case(Perm.NEED_MANAGE, ids=_fresh_share,
                                                      not_found_code="share_not_found"),
    ("GET", C + "/needs/{need_id}/candidates"): Case(Perm.COMPANY_SELF, ids=_need, not_found_code="need_not_found"),
    ("POST", C + "/candidates/{entry_id}/outcome"): Case(Perm.COMPANY_SELF, ids=_sent_entry,
                                                         not_found_code="entry_not_found",
                                                         body=lambda ctx, w: {"outcome": "contacted"}),
    ("GET", C + "/shares/{share_id}"): Case(Perm.COMPANY_SELF, ids=_share, not_found_code="share_not_found"),
    ("GET", C + "/shares/{share_id}/pdf"): Case(Perm.COMPANY_SELF, ids=_share, not_found_code="share_not_found"),
    ("GET", C + "/shares/{share_id}/students/{student_id}/cv"): Case(Perm.COMPANY_SELF, ids=_share,
                                                                     not_found_code="share_not_found"),
    ("GET", C + "/shares/{share_id}/students/{student_id}/profile"): Case(Perm.COMPANY_SELF, ids=_share,
                                                                          not_found_code="share_not_found"),
}
