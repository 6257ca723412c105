"""REST isolation matrix (issue 2 §6): every route under /api/v1/tenants/{tenant} × every
tenant role × own centre / other centre.

Routes are found by walking the app, so a new route joins by itself, and the matrix fails
until the route has a Case in CASES below (how to build its path ids and body, and which
permission it needs). Expectations come from ROLE_PERMISSIONS, not from this file.

The caller is always in centre "beta"; centre "alpha" is the victim:
- own centre, own objects      → the route's success status if the role has the permission, else 403;
- alpha's path, alpha's ids    → 404 not_found, nothing changed (token and browser session alike);
- beta's path, alpha's ids     → 404 not_found when permitted (403 when not: refused before any
                                 lookup, the same answer as for an id that exists nowhere),
                                 nothing changed.

The two centres are built once for the module (the per-test wipe is switched off here; the
fixture wipes before and after), because building 20 accounts per case would make the
matrix slow.
"""

from __future__ import annotations

import importlib
import io
import itertools
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi import routing
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from sqlalchemy import update

from cc_network.api import api_app
from integrations import ratelimit
from integrations.db import system_session, utcnow
from tenants.auth.services import do_create_api_token, do_revoke_api_token
from tenants.calendar import services as cal
from tenants.calendar.models import Event
from tenants.core.roles import ROLE_PERMISSIONS, TENANT_ROLES, Perm, Role
from tenants.portal.profiles import services as prof
from tenants.portal.registrations import services as reg
from tenants.portal.sessions import services as sess
from tenants.portal.sessions.models import SessionBooking
from tenants.portal.settings.services import do_update_portal_settings
from tenants.portal.surveys import services as surveys
from tenants.team.services import do_set_member_active
from tests.api.util import cookie_for, error_code, snapshot
from tests.conftest import World, _wipe, build_world, create_person
from tests.portal.registrations.util import bulk_students
from tests.portal.surveys.util import held_workshop

PREFIX = "/api/v1/tenants/{tenant}"
ROLES = sorted(r.value for r in TENANT_ROLES)
# conftest's World names the counselor "counselor"
PERSON_KEY = {Role.CAREER_COUNSELOR.value: "counselor"}
NO_SUCH_ID = 2**31 - 2


# ---------------------------------------------------------------- the routes

def tenant_routes(app) -> list[tuple[str, str]]:  # noqa: ANN001
    """(METHOD, path) of every route under /api/v1/tenants/{tenant}, HEAD/OPTIONS left out."""
    walk = getattr(routing, "iter_route_contexts", None)
    found = walk(app.routes) if walk else app.routes
    out = set()
    for r in found:
        path = getattr(r, "path", None) or ""
        if path == PREFIX or path.startswith(PREFIX + "/"):
            out |= {(m, path) for m in (getattr(r, "methods", None) or ()) if m not in {"HEAD", "OPTIONS"}}
    return sorted(out, key=lambda mp: (mp[1], mp[0]))


ROUTES = tenant_routes(api_app)


# ---------------------------------------------------------------- the cases

@dataclass
class Ctx:
    a: World
    b: World
    targets: dict[str, int]              # slug -> membership id any route may read or patch
    tokens: dict[tuple[str, str], dict]  # (slug, role) -> Authorization header
    cookies: dict[tuple[str, str], dict]
    dual: dict                           # token (beta) of a person who is manager of alpha
    revoked: dict
    deactivated: dict
    seq: itertools.count = field(default_factory=itertools.count)
    calendar: dict = field(default_factory=dict)  # slug -> ids of shared calendar objects
    portal: dict = field(default_factory=dict)  # slug -> ids of shared portal objects
    extra: dict = field(default_factory=dict)  # rest_parts' shared objects, keyed as each part likes

    def world(self, slug: str) -> World:
        return self.a if slug == self.a.slug else self.b


@dataclass(frozen=True)
class Case:
    # the permission the route needs; a tuple: any one of them (a student's own bookings,
    # or a counselor's agenda, behind one route)
    perm: Perm | tuple[Perm, ...]
    ok: int = 200
    # ids(ctx, world, role): the path ids (besides {tenant}) of objects in `world`, as seen
    # by the person of `role` there. May create what the request needs (a token to delete).
    ids: Callable[[Ctx, World, str], dict] = lambda ctx, w, role: {}
    body: Callable[[Ctx, World], dict] | None = None
    params: dict = field(default_factory=dict)
    # a route gated by `perm` whose action needs one more permission (a lifecycle
    # transition): holders of `perm` alone see the object, and are refused with this code
    action_perm: Perm | None = None
    action_denied_code: str = "forbidden"
    # what an id of another centre (and one that exists nowhere) answers; a lookup may
    # name what it did not find (unknown_counselor, registration_not_found…)
    not_found_code: str = "not_found"
    # multipart uploads: files(ctx, world) -> the `files` of the request, sent instead of a JSON body
    files: Callable[[Ctx, World], dict] | None = None


def holds(perm: Perm | tuple[Perm, ...], perms: frozenset[Perm]) -> bool:
    return any(p in perms for p in perm) if isinstance(perm, tuple) else perm in perms


def _target(ctx: Ctx, w: World, role: str) -> dict:
    return {"membership_id": ctx.targets[w.slug]}


def _fresh_token(ctx: Ctx, w: World, role: str) -> dict:
    person = w.people[PERSON_KEY.get(role, role)]
    return {"token_id": do_create_api_token(person.actor, name="to delete").id}


def _invitee(ctx: Ctx, w: World) -> dict:
    return {"email": f"invitee{next(ctx.seq)}@{w.slug}.test", "full_name": "In Vitee", "roles": ["student"]}


CASES: dict[tuple[str, str], Case] = {
    ("GET", PREFIX): Case(Perm.TENANT_VIEW),
    ("GET", PREFIX + "/members"): Case(Perm.TEAM_VIEW, params={"per_page": 200}),
    ("POST", PREFIX + "/members"): Case(Perm.TEAM_MANAGE, ok=201, body=_invitee),
    ("GET", PREFIX + "/members/{membership_id}"): Case(Perm.TEAM_VIEW, ids=_target),
    # a PATCH that keeps the target as it is, so the module's shared data stays valid
    ("PATCH", PREFIX + "/members/{membership_id}"): Case(
        Perm.TEAM_MANAGE, ids=_target, body=lambda ctx, w: {"roles": ["intern"], "active": True}),
    ("GET", PREFIX + "/tokens"): Case(Perm.TOKEN_MANAGE_OWN),
    ("POST", PREFIX + "/tokens"): Case(Perm.TOKEN_MANAGE_OWN, ok=201, body=lambda ctx, w: {"name": "matrix"}),
    ("DELETE", PREFIX + "/tokens/{token_id}"): Case(Perm.TOKEN_MANAGE_OWN, ok=204, ids=_fresh_token),
    ("GET", PREFIX + "/audit"): Case(Perm.AUDIT_VIEW),
}


# ---------------------------------------------------------------- calendar cases

RANGE = {"start": "2031-01-01T00:00:00+00:00", "end": "2031-12-31T00:00:00+00:00"}


def _slot(ctx: Ctx) -> dict:
    """A two-hour slot nobody else has, so created events never conflict (the meeting series
    starts with the academic year, in September)."""
    start = datetime(2031, 1, 6, 8, tzinfo=UTC) + timedelta(hours=3 * next(ctx.seq))
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()}


def _shared(ctx: Ctx, w: World) -> dict:
    """One academic year and one draft event per centre, built on first use."""
    if w.slug not in ctx.calendar:
        year = cal.do_set_academic_year(w.manager.actor, w.tenant_id, _year())
        event = cal.do_create_event(w.counselor.actor, w.tenant_id, {"type": "workshop", "title": "Atelier CV",
                                                                     **_slot(ctx)})
        ctx.calendar[w.slug] = {"year_id": year.id, "event_id": event.id}
    return ctx.calendar[w.slug]


def _year() -> dict:
    return {"label": "2031-2032", "starts_on": "2031-09-01", "ends_on": "2032-07-15",
            "holidays": [{"name": "Hiver", "starts_on": "2032-01-20", "ends_on": "2032-01-31"}]}


def _event(ctx: Ctx, w: World, role: str) -> dict:
    return {"event_id": _shared(ctx, w)["event_id"]}


def _fresh_draft(ctx: Ctx, w: World, role: str) -> dict:
    e = cal.do_create_event(w.counselor.actor, w.tenant_id, {"type": "workshop", "title": "À proposer",
                                                             **_slot(ctx)})
    return {"event_id": e.id}


def _fresh_feed(ctx: Ctx, w: World, role: str) -> dict:
    person = w.people[PERSON_KEY.get(role, role)]
    # a role that may not hold feeds is refused before any lookup: any feed will do
    owner = person if Perm.CALENDAR_VIEW in ROLE_PERMISSIONS[Role(role)] else w.manager
    return {"feed_id": cal.do_create_feed(owner.actor, w.tenant_id).id}


def _new_event(ctx: Ctx, w: World) -> dict:
    return {"type": "workshop", "title": "Atelier matrice", **_slot(ctx)}


def _series(ctx: Ctx, w: World) -> dict:
    return {"title": "Coordination", "academic_year_id": _shared(ctx, w)["year_id"], "weekday": 0,
            "local_start": "07:00", "duration_minutes": 30}


CASES |= {
    ("GET", PREFIX + "/events"): Case(Perm.CALENDAR_VIEW, params=RANGE),
    ("GET", PREFIX + "/events/view"): Case(Perm.CALENDAR_VIEW, params=RANGE),
    ("POST", PREFIX + "/events"): Case(Perm.CALENDAR_EDIT, ok=201, body=_new_event),
    ("GET", PREFIX + "/events/{event_id}"): Case(Perm.CALENDAR_VIEW, ids=_event),
    ("GET", PREFIX + "/events/{event_id}.ics"): Case(Perm.CALENDAR_VIEW, ids=_event),
    # a PATCH that keeps the event as it is
    ("PATCH", PREFIX + "/events/{event_id}"): Case(Perm.CALENDAR_EDIT, ids=_event,
                                                   body=lambda ctx, w: {"title": "Atelier CV"}),
    ("POST", PREFIX + "/events/{event_id}/transitions"): Case(
        Perm.CALENDAR_VIEW, ids=_fresh_draft, body=lambda ctx, w: {"action": "propose"},
        action_perm=Perm.CALENDAR_EDIT, action_denied_code="transition_forbidden"),
    ("GET", PREFIX + "/calendar/feeds"): Case(Perm.CALENDAR_VIEW),
    ("POST", PREFIX + "/calendar/feeds"): Case(Perm.CALENDAR_VIEW, ok=201, body=lambda ctx, w: {}),
    ("DELETE", PREFIX + "/calendar/feeds/{feed_id}"): Case(Perm.CALENDAR_VIEW, ok=204, ids=_fresh_feed),
    ("GET", PREFIX + "/academic-years"): Case(Perm.CALENDAR_VIEW),
    ("PUT", PREFIX + "/academic-years"): Case(Perm.CALENDAR_SETTINGS, body=lambda ctx, w: _year()),
    ("POST", PREFIX + "/meeting-series"): Case(Perm.CALENDAR_SETTINGS, ok=201, body=_series),
    ("GET", PREFIX + "/rooms"): Case(Perm.CALENDAR_VIEW),
    ("GET", PREFIX + "/planning"): Case(Perm.CALENDAR_VIEW, params={"start": "2026-12-01", "format": "xlsx"}),
    ("POST", PREFIX + "/rooms"): Case(Perm.CALENDAR_SETTINGS, ok=201,
                                      body=lambda ctx, w: {"name": f"Salle {next(ctx.seq)}"}),
}


# ---------------------------------------------------------------- student portal cases

CASA = ZoneInfo("Africa/Casablanca")
SLOTS_PER_DAY = 16  # 08:00-20:00 in 45-minute sessions (the default length)


def _portal(ctx: Ctx, w: World) -> dict:
    """Per centre, built on first use (always from an ids builder, before any snapshot): the
    counselor's hours, a published workshop, a CV for the student and one for another student."""
    if w.slug not in ctx.portal:
        slots = [{"weekday": d, "start_time": "08:00", "end_time": "20:00"} for d in range(7)]
        cal.do_set_availability(w.manager.actor, w.tenant_id, w.counselor.membership_id, slots)
        # the matrix marks a few no-shows: keep the student from being suspended
        do_update_portal_settings(w.manager.actor, w.tenant_id, {"no_show_limit": 20})
        other = create_person(f"cv-holder@{w.slug}.test", tenant_id=w.tenant_id, roles=["student"])
        for person in (w.student, other):
            prof.do_upload_cv(person.actor, w.tenant_id, filename="cv.pdf", data=_pdf())
        ctx.portal[w.slug] = {"event_id": _published(ctx, w, capacity=1000), "cv_holder": other.membership_id}
    return ctx.portal[w.slug]


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _n(ctx: Ctx) -> int:
    return next(ctx.portal.setdefault("seq", itertools.count()))


def _published(ctx: Ctx, w: World, *, capacity: int = 5, **details: str) -> int:
    """A published workshop at a time no other of the matrix's events takes."""
    start = datetime(2033, 1, 3, 8, tzinfo=UTC) + timedelta(hours=3 * _n(ctx))
    c, m = w.counselor.actor, w.manager.actor
    e = cal.do_create_event(c, w.tenant_id, {"type": "workshop", "title": "Atelier portail", "starts_at": start,
                                             "ends_at": start + timedelta(hours=2), "capacity": capacity,
                                             "organiser_membership_id": w.counselor.membership_id})
    for actor, action in ((c, "propose"), (m, "validate"), (c, "publish")):
        cal.do_transition(actor, w.tenant_id, e.id, action)
    if details:
        _set(Event, e.id, details=details)
    return e.id


def _set(model, row_id: int, **values) -> None:  # noqa: ANN001
    """Move a row in time behind the services' back (a session that took place)."""
    with system_session("matrix: edit row") as s:
        s.execute(update(model).where(model.id == row_id).values(**values))
        s.commit()


def _free_slot(ctx: Ctx) -> str:
    """A slot of the counselor's hours nobody holds: 2 to 60 days ahead, one per call."""
    n = _n(ctx)
    day = (utcnow() + timedelta(days=2 + n // SLOTS_PER_DAY)).astimezone(CASA).date()
    start = datetime.combine(day, time(8), tzinfo=CASA) + timedelta(minutes=45 * (n % SLOTS_PER_DAY))
    return start.isoformat()


def _booking_body(ctx: Ctx, w: World) -> dict:
    return {"counselor_membership_id": w.counselor.membership_id, "starts_at": _free_slot(ctx),
            "need": "Préparer un entretien"}


def _booked(ctx: Ctx, w: World, *, confirmed: bool = False, held: bool = False) -> int:
    _portal(ctx, w)
    b = sess.do_book_session(w.student.actor, w.tenant_id, _booking_body(ctx, w))
    if confirmed or held:
        sess.do_confirm_session(w.counselor.actor, w.tenant_id, b.id)
    if held:  # it started an hour ago (each at its own past hour: bookings never overlap)
        start = utcnow() - timedelta(hours=1 + _n(ctx))
        booking = _get(SessionBooking, b.id)
        _set(SessionBooking, b.id, starts_at=start, ends_at=start + timedelta(minutes=45))
        _set(Event, booking.event_id, starts_at=start, ends_at=start + timedelta(minutes=45))
    return b.id


def _get(model, row_id: int):  # noqa: ANN001, ANN202
    with system_session("matrix: read row") as s:
        return s.get(model, row_id)


def _requested(ctx: Ctx, w: World, role: str) -> dict:
    return {"booking_id": _booked(ctx, w)}


def _held(ctx: Ctx, w: World, role: str) -> dict:
    return {"booking_id": _booked(ctx, w, held=True)}


def _counselor(ctx: Ctx, w: World, role: str) -> dict:
    _portal(ctx, w)
    return {"membership_id": w.counselor.membership_id}


def _setup(ctx: Ctx, w: World, role: str) -> dict:
    _portal(ctx, w)
    return {}


def _student_registration(ctx: Ctx, w: World, role: str) -> dict:
    """The centre's student registered to a fresh workshop."""
    eid = _published(ctx, w)
    return {"registration_id": reg.do_register(w.student.actor, w.tenant_id, eid).id}


def _offered(ctx: Ctx, w: World, role: str) -> dict:
    """The centre's student promoted from the waitlist of a full workshop: a seat held for them."""
    eid = _published(ctx, w, capacity=1)
    (first,) = bulk_students(w.tenant_id, 1, prefix=f"offer{_n(ctx)}-")
    seat = reg.do_register(first, w.tenant_id, eid)
    mine = reg.do_register(w.student.actor, w.tenant_id, eid)
    reg.do_cancel_registration(first, w.tenant_id, seat.id)
    return {"registration_id": mine.id}


def _registered(ctx: Ctx, w: World, *, details: dict | None = None, starts_in: timedelta | None = None) -> int:
    eid = _published(ctx, w, **(details or {}))
    (student,) = bulk_students(w.tenant_id, 1, prefix=f"reg{_n(ctx)}-")
    rid = reg.do_register(student, w.tenant_id, eid).id
    if starts_in is not None:
        start = utcnow() + starts_in
        _set(Event, eid, starts_at=start, ends_at=start + timedelta(hours=2))
    return rid


CASES |= {
    ("GET", PREFIX + "/portal/counselors"): Case(Perm.TENANT_VIEW),
    ("GET", PREFIX + "/portal/counselors/{membership_id}/slots"): Case(
        (Perm.PORTAL_SELF, Perm.SESSION_MANAGE), ids=_counselor, not_found_code="unknown_counselor",
        params={"from": "2031-03-01", "to": "2031-03-07"}),
    ("POST", PREFIX + "/portal/bookings"): Case(Perm.PORTAL_SELF, ok=201, ids=_setup, body=_booking_body),
    ("GET", PREFIX + "/portal/bookings"): Case((Perm.PORTAL_SELF, Perm.SESSION_MANAGE)),
    ("POST", PREFIX + "/portal/bookings/{booking_id}/confirm"): Case(Perm.SESSION_MANAGE, ids=_requested),
    ("POST", PREFIX + "/portal/bookings/{booking_id}/cancel"): Case(
        (Perm.PORTAL_SELF, Perm.SESSION_MANAGE), ids=_requested, body=lambda ctx, w: {"reason": "Empêchement"}),
    ("POST", PREFIX + "/portal/bookings/{booking_id}/no-show"): Case(Perm.SESSION_MANAGE, ids=_held),
    ("POST", PREFIX + "/portal/bookings/{booking_id}/outcome"): Case(
        Perm.SESSION_MANAGE, ids=_held, body=lambda ctx, w: {"notes": "CV revu", "next_action": "Relancer"}),
    ("GET", PREFIX + "/portal/catalogue"): Case(Perm.PORTAL_SELF, ids=_setup),
    ("POST", PREFIX + "/portal/registrations"): Case(
        Perm.PORTAL_SELF, ok=201, ids=_setup, body=lambda ctx, w: {"event_id": ctx.portal[w.slug]["event_id"]}),
    ("GET", PREFIX + "/portal/registrations"): Case(Perm.PORTAL_SELF),
    ("POST", PREFIX + "/portal/registrations/{registration_id}/cancel"): Case(
        Perm.PORTAL_SELF, ids=_student_registration, not_found_code="registration_not_found"),
    ("POST", PREFIX + "/portal/registrations/{registration_id}/accept-offer"): Case(
        Perm.PORTAL_SELF, ids=_offered, not_found_code="registration_not_found"),
    ("POST", PREFIX + "/portal/registrations/{registration_id}/confirm"): Case(
        Perm.REGISTRATION_MANAGE, not_found_code="registration_not_found",
        ids=lambda ctx, w, role: {"registration_id": _registered(
            ctx, w, details={"requires_confirmation": "yes"})}),
    ("POST", PREFIX + "/portal/registrations/{registration_id}/check-in"): Case(
        Perm.REGISTRATION_MANAGE, not_found_code="registration_not_found",
        ids=lambda ctx, w, role: {"registration_id": _registered(ctx, w, starts_in=timedelta(minutes=30))}),
    ("POST", PREFIX + "/portal/registrations/{registration_id}/no-show"): Case(
        Perm.REGISTRATION_MANAGE, not_found_code="registration_not_found",
        ids=lambda ctx, w, role: {"registration_id": _registered(ctx, w, starts_in=-timedelta(hours=1))}),
    ("GET", PREFIX + "/events/{event_id}/registrations"): Case(
        Perm.REGISTRATION_MANAGE, ids=lambda ctx, w, role: {"event_id": _portal(ctx, w)["event_id"]}),
    ("GET", PREFIX + "/portal/profile"): Case(Perm.PORTAL_SELF),
    ("PATCH", PREFIX + "/portal/profile"): Case(Perm.PORTAL_SELF, body=lambda ctx, w: {"skills": ["Python"]}),
    ("POST", PREFIX + "/portal/profile/cv"): Case(
        Perm.PORTAL_SELF, ids=_setup, files=lambda ctx, w: {"file": ("cv.pdf", _pdf(), "application/pdf")}),
    ("GET", PREFIX + "/portal/profile/cv"): Case(Perm.PORTAL_SELF, ids=_setup),
    ("POST", PREFIX + "/portal/profile/consent"): Case(Perm.PORTAL_SELF),
    ("DELETE", PREFIX + "/portal/profile/consent"): Case(Perm.PORTAL_SELF),
    ("GET", PREFIX + "/portal/profile/export"): Case(Perm.PORTAL_SELF),
    ("POST", PREFIX + "/portal/profile/deletion-request"): Case(
        Perm.PORTAL_SELF, ok=201, body=lambda ctx, w: {"reason": "matrice"}),
    ("GET", PREFIX + "/portal/students"): Case(Perm.STUDENT_VIEW, params={"limit": 100}),
    # another student's CV: the student role is refused (their own is /profile/cv)
    ("GET", PREFIX + "/portal/students/{membership_id}/cv"): Case(
        Perm.STUDENT_VIEW, not_found_code="student_not_found",
        ids=lambda ctx, w, role: {"membership_id": _portal(ctx, w)["cv_holder"]}),
    ("POST", PREFIX + "/portal/visits"): Case(
        Perm.VISIT_LOG, ok=201, body=lambda ctx, w: {"student_membership_id": w.student.membership_id,
                                                     "channel": "walk_in", "needs": ["cv"]}),
    ("GET", PREFIX + "/portal/visits"): Case(Perm.VISIT_LOG),
}


# ---------------------------------------------------------------- questionnaires and certificates

ANSWERS = {"q1": 5, "q2": 4, "q3": 5, "q4": 4, "q5": "Très utile"}


def _attended(ctx: Ctx, w: World, role: str) -> dict:
    """A workshop the centre's student attended, closed: its questionnaire is open to her."""
    eid, _ = held_workshop(w, [w.student.actor], title="Atelier évalué")
    return {"event_id": eid}


def _certificate(ctx: Ctx, w: World, role: str) -> dict:
    eid = _attended(ctx, w, role)["event_id"]
    cert = surveys.do_submit_answers(w.student.actor, w.tenant_id, eid, ANSWERS).certificate
    return {"certificate_id": cert.id}


CASES |= {
    ("GET", PREFIX + "/portal/questionnaires"): Case(Perm.PORTAL_SELF),
    ("GET", PREFIX + "/portal/questionnaires/{event_id}"): Case(Perm.PORTAL_SELF, ids=_attended),
    ("POST", PREFIX + "/portal/questionnaires/{event_id}/answers"): Case(
        Perm.PORTAL_SELF, ok=201, ids=_attended, body=lambda ctx, w: {"answers": ANSWERS}),
    ("GET", PREFIX + "/portal/certificates"): Case(Perm.PORTAL_SELF),
    # the student's own, or any of the centre's for staff who see students
    ("GET", PREFIX + "/portal/certificates/{certificate_id}"): Case(
        (Perm.PORTAL_SELF, Perm.STUDENT_VIEW), ids=_certificate, not_found_code="certificate_not_found"),
    ("GET", PREFIX + "/portal/certificates/{certificate_id}/pdf"): Case(
        (Perm.PORTAL_SELF, Perm.STUDENT_VIEW), ids=_certificate, not_found_code="certificate_not_found"),
    ("POST", PREFIX + "/portal/certificates/{certificate_id}/revoke"): Case(
        Perm.STUDENT_MANAGE, ids=_certificate, not_found_code="certificate_not_found",
        body=lambda ctx, w: {"reason": "délivré par erreur"}),
    ("GET", PREFIX + "/portal/waiver"): Case(Perm.TENANT_VIEW),
    ("GET", PREFIX + "/portal/questionnaire-templates/{event_type}"): Case(
        Perm.CALENDAR_VIEW, ids=lambda ctx, w, role: {"event_type": "debate_workshop"}),
    ("PUT", PREFIX + "/portal/questionnaire-templates/{event_type}"): Case(
        (Perm.TENANT_SETTINGS, Perm.CALENDAR_SETTINGS), ids=lambda ctx, w, role: {"event_type": "debate_workshop"},
        body=lambda ctx, w: {"questions": [{"kind": "rating", "label": "Qualité de l'atelier"},
                                           {"kind": "text", "label": "Vos remarques", "required": False}]}),
    ("POST", PREFIX + "/events/{event_id}/questionnaire"): Case(Perm.CALENDAR_EDIT, ids=_attended),
    ("GET", PREFIX + "/events/{event_id}/questionnaire/results"): Case(
        (Perm.STUDENT_VIEW, Perm.CALENDAR_VIEW), ids=_attended),
    ("GET", PREFIX + "/events/{event_id}/certificates"): Case(Perm.STUDENT_VIEW, ids=_attended),
    ("GET", PREFIX + "/portal/counselors/{membership_id}/satisfaction"): Case(
        (Perm.STUDENT_VIEW, Perm.CALENDAR_VIEW), ids=_counselor, not_found_code="member_not_found"),
}


# ---------------------------------------------------------------- procedures (issue 6)

def _proc_task(w: World, role: str, *, decision: bool = False) -> int:
    """An open task of a one-step procedure held by `role` in centre `w` (any holder of the
    role may act): a plain optional task, or an approval with two outcomes."""
    from workflows.procedures.models import OPEN, RUNNING, ProcedureInstance, ProcedureTask
    from workflows.procedures.schema import Actor, Branch, Procedure, Step

    kind = "approval" if decision else "task"
    branches = [Branch(key="approve", label_en="Approve"), Branch(key="refuse", label_en="Refuse", ends=True)]
    step = Step(n=1, title_en="Matrix step", kind=kind, actors=[Actor(role=role)], optional=True,
                branches=branches if decision else [])
    definition = Procedure(code="P01", version=1, title_en="Matrix", title_fr="Matrice", family="planning",
                           steps=[step]).model_dump(mode="json")
    with system_session("matrix: procedure task") as s:
        inst = ProcedureInstance(tenant_id=w.tenant_id, code="P01", version=1, title="P01 — Matrice",
                                 definition=definition, status=RUNNING)
        s.add(inst)
        s.flush()
        task = ProcedureTask(tenant_id=w.tenant_id, instance_id=inst.id, step_n=1, title="Matrix step", kind=kind,
                             status=OPEN, role=role, opened_at=utcnow())
        s.add(task)
        s.commit()
        return task.id


def _proc_instance(ctx: Ctx, w: World, role: str) -> dict:
    from workflows.procedures import services as procs

    return {"instance_id": procs.do_start_instance(w.manager.actor, w.tenant_id, "P01", label="matrix").id}


CASES |= {
    ("GET", PREFIX + "/procedures"): Case(Perm.PROCEDURE_VIEW),
    ("GET", PREFIX + "/procedures/{code}"): Case(Perm.PROCEDURE_VIEW, ids=lambda ctx, w, role: {"code": "P01"},
                                                  params={"version": 1}),
    ("POST", PREFIX + "/procedures/{code}/instances"): Case(
        Perm.PROCEDURE_MANAGE, ok=201, ids=lambda ctx, w, role: {"code": "P01"},
        body=lambda ctx, w: {"label": "matrice"}),
    ("GET", PREFIX + "/procedure-instances"): Case(Perm.PROCEDURE_VIEW, params={"status": "running"}),
    ("GET", PREFIX + "/procedure-instances/{instance_id}"): Case(Perm.PROCEDURE_VIEW, ids=_proc_instance),
    ("POST", PREFIX + "/procedure-instances/{instance_id}/cancel"): Case(
        Perm.PROCEDURE_MANAGE, ids=_proc_instance, body=lambda ctx, w: {"reason": "matrice"}),
    ("GET", PREFIX + "/tasks"): Case(Perm.PROCEDURE_VIEW, params={"scope": "mine", "when": "all"}),
    ("POST", PREFIX + "/tasks/{task_id}/complete"): Case(
        Perm.PROCEDURE_VIEW, ids=lambda ctx, w, role: {"task_id": _proc_task(w, role)},
        body=lambda ctx, w: {"note": "fait"}),
    ("POST", PREFIX + "/tasks/{task_id}/decide"): Case(
        Perm.PROCEDURE_VIEW, ids=lambda ctx, w, role: {"task_id": _proc_task(w, role, decision=True)},
        body=lambda ctx, w: {"branch": "approve"}),
    ("POST", PREFIX + "/tasks/{task_id}/skip"): Case(
        Perm.PROCEDURE_VIEW, ids=lambda ctx, w, role: {"task_id": _proc_task(w, role)},
        body=lambda ctx, w: {"reason": "pas utile"}),
}


# ---------------------------------------------------------------- the team's meetings (issue 6 §4)

def _meeting_event(ctx: Ctx, w: World, kind: str = "weekly_coordination_meeting") -> int:
    """A meeting of `kind` in the calendar of `w` (each its own hour, a week from now)."""
    starts = (utcnow() + timedelta(days=7, hours=next(ctx.seq))).replace(microsecond=0)
    with system_session("matrix: meeting event") as s:
        e = Event(tenant_id=w.tenant_id, uid=f"matrix-meeting-{w.slug}-{next(ctx.seq)}", type=kind,
                  title="Réunion matrice", starts_at=starts, ends_at=starts + timedelta(hours=1),
                  timezone="Africa/Casablanca", status="published")
        s.add(e)
        s.commit()
        return e.id


def _meeting(ctx: Ctx, w: World, role: str, kind: str = "weekly_coordination_meeting") -> dict:
    from workflows.meetings import services as meetings

    return {"meeting_id": meetings.do_open_meeting(w.manager.actor, w.tenant_id, _meeting_event(ctx, w, kind)).id}


def _meeting_item(ctx: Ctx, w: World, role: str) -> dict:
    """An open weekly meeting and a plain task on its agenda."""
    from workflows.procedures.models import ProcedureTask

    task_id = _proc_task(w, "manager")
    with system_session("matrix: meeting task") as s:
        task = s.get(ProcedureTask, task_id)
        task.meeting = "weekly_coordination_meeting"
        s.add(task)
        s.commit()
    return {**_meeting(ctx, w, role), "task_id": task_id}


CASES |= {
    ("GET", PREFIX + "/meetings"): Case(Perm.PROCEDURE_VIEW, params={"when": "upcoming"}),
    ("POST", PREFIX + "/meetings"): Case(Perm.PROCEDURE_MANAGE, ok=201,
                                         body=lambda ctx, w: {"event_id": _meeting_event(ctx, w)}),
    ("GET", PREFIX + "/meetings/{meeting_id}"): Case(Perm.PROCEDURE_VIEW, ids=_meeting),
    ("PUT", PREFIX + "/meetings/{meeting_id}/minutes"): Case(
        Perm.PROCEDURE_VIEW, ids=_meeting, body=lambda ctx, w: {"minutes": "Compte rendu"}),
    ("POST", PREFIX + "/meetings/{meeting_id}/items/{task_id}/decide"): Case(
        Perm.PROCEDURE_MANAGE, ids=_meeting_item, body=lambda ctx, w: {"note": "décidé"}),
    ("POST", PREFIX + "/meetings/{meeting_id}/close"): Case(
        Perm.PROCEDURE_MANAGE, ids=lambda ctx, w, role: _meeting(ctx, w, role, "monthly_management_meeting")),
}

# ---------------------------------------------------------------- procedure revisions (issue 6 §5, P31)

def _proc_draft(w: World, code: str, status: str = "draft") -> int:
    """A fresh draft (or version under review) of `code` in centre `w`, the previous ones removed."""
    from sqlmodel import delete, select

    from workflows.procedures import services as procs
    from workflows.procedures.models import DRAFT, REVIEW, ProcedureVersion

    definition = {**procs._book(code).model_dump(mode="json"), "version": 50}
    with system_session("matrix: procedure draft") as s:
        s.exec(delete(ProcedureVersion).where(ProcedureVersion.tenant_id == w.tenant_id,
                                              ProcedureVersion.code == code,
                                              ProcedureVersion.status.in_([DRAFT, REVIEW])))
        last = max([1, *s.exec(select(ProcedureVersion.version).where(
            ProcedureVersion.tenant_id == w.tenant_id, ProcedureVersion.code == code)).all()])
        row = ProcedureVersion(tenant_id=w.tenant_id, code=code, version=last + 1, status=status,
                               definition={**definition, "version": last + 1})
        s.add(row)
        s.commit()
        return row.id


def _no_draft(code: str) -> Callable[[Ctx, World, str], dict]:
    def ids(ctx: Ctx, w: World, role: str) -> dict:
        from sqlmodel import delete

        from workflows.procedures.models import DRAFT, REVIEW, ProcedureVersion

        with system_session("matrix: no draft") as s:
            s.exec(delete(ProcedureVersion).where(ProcedureVersion.tenant_id == w.tenant_id,
                                                  ProcedureVersion.code == code,
                                                  ProcedureVersion.status.in_([DRAFT, REVIEW])))
            s.commit()
        return {"code": code}
    return ids


def _proc_incident(ctx: Ctx, w: World, role: str) -> dict:
    from workflows.procedures import revisions

    return {"incident_id": revisions.do_log_incident(w.manager.actor, w.tenant_id, code="P01",
                                                     description="matrice").id}


def _book_definition(code: str) -> dict:
    from workflows.procedures import services as procs

    return procs._book(code).model_dump(mode="json")


CASES |= {
    ("GET", PREFIX + "/procedures/{code}/versions"): Case(Perm.PROCEDURE_VIEW, ids=lambda ctx, w, role: {"code": "P01"}),
    ("GET", PREFIX + "/procedures/{code}/versions/{version_no}"): Case(
        Perm.PROCEDURE_VIEW, ids=lambda ctx, w, role: {"code": "P01", "version_no": 1}),
    ("GET", PREFIX + "/procedures/{code}/diff"): Case(Perm.PROCEDURE_VIEW, ids=lambda ctx, w, role: {"code": "P01"},
                                                       params={"a": 1, "b": 1}),
    ("POST", PREFIX + "/procedures/{code}/drafts"): Case(Perm.PROCEDURE_MANAGE, ok=201, ids=_no_draft("P05"),
                                                          body=lambda ctx, w: {}),
    ("PUT", PREFIX + "/procedure-versions/{version_id}"): Case(
        Perm.PROCEDURE_MANAGE, ids=lambda ctx, w, role: {"version_id": _proc_draft(w, "P02")},
        body=lambda ctx, w: {"definition": _book_definition("P02")}),
    ("POST", PREFIX + "/procedure-versions/{version_id}/submit"): Case(
        Perm.PROCEDURE_MANAGE, ids=lambda ctx, w, role: {"version_id": _proc_draft(w, "P03")}),
    ("POST", PREFIX + "/procedure-versions/{version_id}/publish"): Case(
        Perm.PROCEDURE_MANAGE, ids=lambda ctx, w, role: {"version_id": _proc_draft(w, "P04", "in_review")},
        body=lambda ctx, w: {"change_note": "matrice"}),
    ("POST", PREFIX + "/procedure-incidents"): Case(
        Perm.PROCEDURE_VIEW, ok=201, body=lambda ctx, w: {"code": "P01", "description": "matrice"}),
    ("GET", PREFIX + "/procedure-incidents"): Case(Perm.PROCEDURE_VIEW, params={"status": "open"}),
    ("POST", PREFIX + "/procedure-incidents/{incident_id}/decide"): Case(
        Perm.PROCEDURE_MANAGE, ids=_proc_incident, body=lambda ctx, w: {"accept": False, "note": "matrice"}),
}


# later areas keep their cases in rest_parts/<area>.py (parallel work does not collide here)
for _part in pkgutil.iter_modules([str(Path(__file__).parent / "rest_parts")]):
    CASES |= importlib.import_module(f"tests.isolation.rest_parts.{_part.name}").CASES


def case_for(method: str, path: str) -> Case:
    case = CASES.get((method, path))
    if case is None:
        pytest.fail(f"{method} {path} has no isolation case: add a Case for it to CASES in "
                    f"tests/isolation/test_rest_matrix.py (which permission it needs, how to build "
                    f"its path ids and body)")
    return case


def id_names(path: str) -> list[str]:
    """The path's object ids (a code such as an event type is not one)."""
    return [n for n in re.findall(r"{(\w+)}", path) if n.endswith("_id")]


def call(client: TestClient, method: str, path: str, slug: str, ids: dict, case: Case, ctx: Ctx,
         world: World, headers: dict):
    url = path.format(tenant=slug, **ids)
    if case.files:
        return client.request(method, url, params=case.params, files=case.files(ctx, world), headers=headers)
    body = case.body(ctx, world) if case.body else None
    return client.request(method, url, params=case.params, json=body, headers=headers)


# ---------------------------------------------------------------- the data, once per module

@pytest.fixture(autouse=True)
def _clean_db():
    """Overrides conftest's per-test wipe: the module fixture owns the data."""
    yield


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(api_app, raise_server_exceptions=True)


@pytest.fixture(scope="module")
def ctx() -> Ctx:
    _wipe()
    ratelimit.reset_all()
    a, b = build_world("alpha"), build_world("beta")
    targets = {w.slug: create_person(f"target@{w.slug}.test", tenant_id=w.tenant_id, roles=["intern"]).membership_id
               for w in (a, b)}
    tokens, cookies = {}, {}
    for w in (a, b):
        for role in ROLES:
            key = PERSON_KEY.get(role, role)
            if key not in w.people:
                pytest.fail(f"tests/conftest.py build_world has no person for role {role}: add one")
            person = w.people[key]
            tokens[(w.slug, role)] = {"Authorization": "Bearer " + do_create_api_token(person.actor, name="matrix").secret}
            cookies[(w.slug, role)] = cookie_for(person)
    # one person in both centres (a neutral e-mail: "alpha" in an answer means a leak)
    create_person("dual@network.test", tenant_id=a.tenant_id, roles=["manager"])
    dual = create_person("dual@network.test", tenant_id=b.tenant_id, roles=["student"])
    dual_token = {"Authorization": "Bearer " + do_create_api_token(dual.actor, name="dual").secret}
    revoked = do_create_api_token(b.manager.actor, name="revoked")
    do_revoke_api_token(b.manager.actor, revoked.id)
    leaver = create_person(f"leaver@{b.slug}.test", tenant_id=b.tenant_id, roles=["manager"])
    leaver_token = do_create_api_token(leaver.actor, name="leaver").secret
    do_set_member_active(b.manager.actor, b.tenant_id, leaver.membership_id, active=False)
    yield Ctx(a, b, targets, tokens, cookies, dual_token, {"Authorization": f"Bearer {revoked.secret}"},
              {"Authorization": f"Bearer {leaver_token}"})
    _wipe()


# ---------------------------------------------------------------- the matrix

ROUTE_IDS = [f"{m} {p.removeprefix(PREFIX) or '/'}" for m, p in ROUTES]


def test_routes_are_found():
    """The walk must see what the OpenAPI document lists, or the matrix would silently shrink."""
    documented = {(m.upper(), p) for p, ops in api_app.openapi()["paths"].items() for m in ops
                  if p == PREFIX or p.startswith(PREFIX + "/")}
    assert documented and documented <= set(ROUTES)


def test_every_case_has_a_route():
    stale = set(CASES) - set(ROUTES)
    assert not stale, f"cases for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path", ROUTES, ids=ROUTE_IDS)
def test_role_in_own_and_other_centre(client, ctx, method, path, role):
    case = case_for(method, path)
    a, b = ctx.a, ctx.b
    perms = ROLE_PERMISSIONS[Role(role)]
    allowed = holds(case.perm, perms)  # passes the route's gate: sees the object
    acts = allowed and (case.action_perm is None or case.action_perm in perms)
    token = ctx.tokens[(b.slug, role)]

    # own centre, own objects: what the permission table says
    r = call(client, method, path, b.slug, case.ids(ctx, b, role), case, ctx, b, token)
    if acts:
        assert r.status_code == case.ok, f"{role} should be allowed: {r.status_code} {r.text}"
        assert "alpha" not in r.text.lower(), f"another centre's data in the answer: {r.text}"
    elif allowed:
        assert r.status_code == 403, f"{role} lacks {case.action_perm}: {r.status_code} {r.text}"
        assert error_code(r) == case.action_denied_code
    else:
        assert r.status_code == 403, f"{role} lacks {case.perm}: {r.status_code} {r.text}"
        assert error_code(r) == "forbidden"

    # the other centre's path and objects: not found, by token and by browser session
    ids_a = case.ids(ctx, a, role)
    for credentials in (token, ctx.cookies[(b.slug, role)]):
        before = snapshot()
        r = call(client, method, path, a.slug, ids_a, case, ctx, a, credentials)
        assert r.status_code == 404, f"{role} of beta on alpha's path: {r.status_code} {r.text}"
        assert error_code(r) == "not_found"
        assert snapshot() == before

    # own centre's path, the other centre's object ids
    if id_names(path):
        before = snapshot()
        r = call(client, method, path, b.slug, ids_a, case, ctx, b, token)
        assert snapshot() == before
        if allowed:
            assert r.status_code == 404 and error_code(r) == case.not_found_code, r.text
        else:
            assert r.status_code == 403, r.text
        # indistinguishable from an id that exists nowhere
        # codes in the path (a criterion code) stay; only the ids point nowhere
        nowhere = ids_a | {n: NO_SUCH_ID for n in id_names(path)}
        r2 = call(client, method, path, b.slug, nowhere, case, ctx, b, token)
        assert (r2.status_code, r2.json()) == (r.status_code, r.json())


@pytest.mark.parametrize("method, path", ROUTES, ids=ROUTE_IDS)
def test_credentials_are_required(client, ctx, method, path):
    case = case_for(method, path)
    ids = case.ids(ctx, ctx.b, "manager")
    for label, headers in [("no token", {}), ("unknown token", {"Authorization": "Bearer ccn_forged"}),
                           ("revoked token", ctx.revoked), ("deactivated membership", ctx.deactivated)]:
        before = snapshot()
        r = call(client, method, path, ctx.b.slug, ids, case, ctx, ctx.b, headers)
        assert r.status_code == 401, f"{label}: {r.status_code} {r.text}"
        assert error_code(r) == "unauthenticated"
        assert snapshot() == before, label


@pytest.mark.parametrize("method, path", ROUTES, ids=ROUTE_IDS)
def test_token_is_scoped_to_its_membership(client, ctx, method, path):
    """A manager of alpha using the token of their beta (student) membership is not alpha's manager."""
    case = case_for(method, path)
    ids = case.ids(ctx, ctx.a, "manager")
    before = snapshot()
    r = call(client, method, path, ctx.a.slug, ids, case, ctx, ctx.a, ctx.dual)
    assert r.status_code == 404 and error_code(r) == "not_found", r.text
    assert snapshot() == before
