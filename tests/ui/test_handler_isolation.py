"""Isolation matrix of the Reflex event handlers (issue 2 §6).

Every public event handler of every state of the app is listed in MATRIX; a new
handler that is not makes `test_every_handler_is_in_the_matrix` fail, so it joins
the matrix by being declared. Handlers that reach tenant data are called for real,
in-process, as people of centre B (each role) holding the ids of centre A's
objects, with B's session cookie in the handshake headers exactly as the websocket
brings it. A's objects must stay unchanged and unrevealed, and the error shown must
be "not found". A positive control runs the same call as A's manager and must
change or reveal A's data, so each probe is known to be able to fail.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
import reflex as rx
from reflex.istate.data import HeaderData, ReflexURL, RouterData
from reflex_base.event import EventHandler
from sqlmodel import select

from cc_network.cc_network import app  # noqa: F401  (builds every page and state)
from integrations.db import system_session
from tenants.auth.models import ApiToken, OidcProvider
from tenants.auth.oidc import do_save_provider
from tenants.auth.services import do_create_api_token, issue_sign_in_ticket, redeem_sign_in_ticket
from tenants.calendar.models import CalendarFeed, Event
from tenants.calendar.services import (
    do_create_event,
    do_create_feed,
    do_set_academic_year,
    do_set_availability,
    do_transition,
)
from tenants.core.models import Membership
from tenants.portal.registrations import services as reg
from tenants.portal.registrations.models import Registration
from tenants.portal.sessions.models import SessionBooking
from tenants.portal.sessions.services import do_book_session, free_slots
from tenants.portal.surveys.services import do_submit_answers
from tenants.team.services import do_invite_member
from tests.conftest import World
from tests.portal.registrations.util import at, bulk_students, publish
from tests.portal.surveys.util import held_workshop
from tests.ui.matrix_cases import Probe, Public, View

NOT_FOUND = {"error.not_found", "error.unknown_tenant", "error.academic_year_not_found", "error.room_not_found",
             "error.event_not_found", "error.registration_not_found",
             "error.comm_item_not_found", "error.comm_plan_not_found", "error.media_not_found",
             "error.mailing_not_found"}
ROLES = ["manager", "counselor", "business_developer", "ambassador", "intern", "student",
         "host_approver", "host_focal_point", "company_contact"]


# ---------------------------------------------------------------- cases

def _member(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        m = s.get(Membership, a["counselor_mid"])
        return tuple(m.roles), tuple(m.responsibilities), m.active


def _token(a: dict) -> object:
    with system_session("matrix snapshot") as s:
        return s.get(ApiToken, a["token_id"]).revoked_at


def _provider(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        p = s.exec(select(OidcProvider).where(OidcProvider.id == a["provider_id"])).first()
        return None if p is None else (p.slug, p.name, p.issuer, p.client_id, p.enabled)


def _provider_form(a: dict) -> tuple:
    return ({"provider_id": str(a["provider_id"]), "slug": "stolen", "name": "Stolen",
             "issuer": "https://evil.example.org", "client_id": "evil", "client_secret": "",
             "scopes": "openid email", "enabled": "on"},)


def _roles_form(a: dict) -> tuple:
    return ({"membership_id": str(a["counselor_mid"]), "role_intern": "on"},)


def _event(event_key: str) -> Callable[[dict], tuple]:
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            e = s.get(Event, a[event_key])
            return e.title, e.starts_at, e.status, e.sequence
    return snap


def _feed(a: dict) -> object:
    with system_session("matrix snapshot") as s:
        return s.get(CalendarFeed, a["feed_id"]).revoked_at


def _events_of_a(a: dict) -> int:
    with system_session("matrix snapshot") as s:
        return len(s.exec(select(Event.id).where(Event.tenant_id == a["tenant_id"])).all())


def _event_form(a: dict) -> tuple:
    return ({"type": "workshop", "title": "Stolen workshop", "starts_at": "2031-03-03T10:00",
             "ends_at": "2031-03-03T12:00"},)


def _series_form(a: dict) -> tuple:
    return ({"type": "weekly_coordination_meeting", "title": "Stolen meeting",
             "academic_year_id": str(a["year_id"]), "weekday": "tue", "local_start": "09:00",
             "duration_minutes": "60"},)


def _registration(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        r = s.get(Registration, a["offered_reg_id"])
        return r.status, r.hold_expires_at


def _registration_of(key: str) -> Callable[[dict], tuple]:
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            r = s.get(Registration, a[key])
            return r.status, r.checked_in_at
    return snap


def _registrations_on_open_event(a: dict) -> int:
    with system_session("matrix snapshot") as s:
        return len(s.exec(select(Registration.id).where(Registration.event_id == a["open_event_id"])).all())


def _booking(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        b = s.get(SessionBooking, a["booking_id"])
        return b.status, b.cancelled_by


def _sheet(key: str) -> Callable[[dict], str]:
    return lambda a: f"/staff/calendar/events/{a[key]}"


MATRIX: dict[str, Probe | View | Public] = {
    "AppState.go_home": Public("redirects to the caller's own area"),
    "AppState.switch_tenant": Probe("/staff", lambda a: (a["slug"],), lambda a: None),
    "I18nState.choose_lang": Public("the display language, kept in the browser"),
    "LoginState.on_load": Public("public sign-in page; lists a centre's public sign-in providers"),
    "LoginState.sign_in": Public("checks the caller's own password"),
    "SignupState.on_load": Public("public sign-up page of a centre's portal"),
    "SignupState.sign_up": Public("creates the caller's own student account"),
    "ForgotState.on_load": Public("clears messages"),
    "ForgotState.request_reset": Public("same neutral answer for every e-mail"),
    "ResetState.on_load": Public("clears messages"),
    "ResetState.reset_password": Public("needs the e-mailed single-use token"),
    "AreaState.enter_staff": View("/staff"),
    "AreaState.enter_company": View("/company"),
    "AreaState.enter_host": View("/host"),
    "AreaState.enter_evaluator": View("/evaluator"),
    "AdminState.on_load": View("/admin"),
    "TeamState.on_load": View("/staff/team"),
    "TeamState.search": View("/staff/team", lambda a: ({"query": "alpha"},)),
    "TeamState.next_page": View("/staff/team"),
    "TeamState.prev_page": View("/staff/team"),
    # accounts are network-wide: inviting an address adds a member to the caller's own centre only
    "TeamState.invite": View("/staff/team", lambda a: ({"email": "new-in-b@example.org",
                                                        "full_name": "New In B", "role_intern": "on"},)),
    "TeamState.start_edit": Probe("/staff/team", lambda a: (a["counselor_mid"],), _member, expect="nothing"),
    "TeamState.stop_edit": Public("closes a dialog"),
    "TeamState.change_roles": Probe("/staff/team", _roles_form, _member),
    "TeamState.set_active": Probe("/staff/team", lambda a: (a["counselor_mid"], False), _member),
    "MailboxState.on_load": View("/staff/mailbox"),
    "MailboxState.next_page": View("/staff/mailbox"),
    "MailboxState.prev_page": View("/staff/mailbox"),
    "TokensState.on_load": View("/account/tokens"),
    "TokensState.create": View("/account/tokens", lambda a: ({"name": "mine"},)),
    "TokensState.revoke": Probe("/account/tokens", lambda a: (a["token_id"],), _token, owner="counselor"),
    "IdentityState.on_load": View("/staff/settings/identity"),
    "IdentityState.start_edit": Probe("/staff/settings/identity", lambda a: (a["provider_id"],), _provider,
                                      expect="nothing"),
    "IdentityState.cancel_edit": Public("resets the form"),
    "IdentityState.save": Probe("/staff/settings/identity", _provider_form, _provider),
    "IdentityState.delete": Probe("/staff/settings/identity", lambda a: (a["provider_id"],), _provider),
    # the activity calendar (issue 3)
    "CalendarState.on_load": View("/staff/calendar"),
    "CalendarState.choose_view": View("/staff/calendar", lambda a: ("agenda",)),
    "CalendarState.shift": View("/staff/calendar", lambda a: (1,)),
    "CalendarState.go_today": View("/staff/calendar"),
    "CalendarState.open_day": View("/staff/calendar", lambda a: ("2031-03-03",)),
    "CalendarState.apply_filters": View("/staff/calendar", lambda a: ({"member": str(a["counselor_mid"]),
                                                                       "type": "workshop"},)),
    "CalendarState.clear_filters": View("/staff/calendar"),
    "CalendarState.agenda_next": View("/staff/calendar"),
    "CalendarState.agenda_prev": View("/staff/calendar"),
    "CalendarState.create_feed": View("/staff/calendar", lambda a: ("tenant",)),
    "CalendarState.revoke_feed": Probe("/staff/calendar", lambda a: (a["feed_id"],), _feed, owner="counselor"),
    "EventFormState.on_load": View(lambda a: f"/staff/calendar/events/{a['event_id']}/edit"),
    "EventFormState.choose_type": Public("picks which type-specific fields the form shows"),
    "EventFormState.save": Probe(lambda a: f"/staff/calendar/events/{a['event_id']}/edit", _event_form,
                                 _event("event_id")),
    # resubmits only the caller's own form kept server-side; with none kept it does nothing
    "EventFormState.override": View(lambda a: f"/staff/calendar/events/{a['event_id']}/edit",
                                    lambda a: ({"override_reason": "because"},)),
    "EventFormState.drop_override": Public("forgets the caller's own pending form"),
    "SheetState.on_load": View(_sheet("event_id")),
    "SheetState.act": Probe(_sheet("event_id"), lambda a: ("propose",), _event("event_id")),
    "SheetState.open_dialog": Public("opens a dialog"),
    "SheetState.close_dialog": Public("closes a dialog"),
    "SheetState.act_with_reason": Probe(_sheet("event_id"), lambda a: ({"action": "cancel", "reason": "stolen"},),
                                        _event("event_id")),
    "SheetState.close_event": Probe(_sheet("held_id"), lambda a: ({"attendance_count": "12"},),
                                    _event("held_id")),
    "SheetState.registration_action": Probe(_sheet("sheet_event_id"), lambda a: ("no_show", a["sheet_reg_id"]),
                                            _registration_of("sheet_reg_id")),
    "CalendarSettingsState.on_load": View("/staff/calendar/settings"),
    "CalendarSettingsState.save_year": View("/staff/calendar/settings", lambda a: (
        {"label": "2030-2031", "starts_on": "2030-09-01", "ends_on": "2031-07-15"},)),
    "CalendarSettingsState.add_room": View("/staff/calendar/settings", lambda a: ({"name": "Salle B"},)),
    "CalendarSettingsState.create_series": Probe("/staff/calendar/settings", _series_form, _events_of_a),
    "AvailabilityState.on_load": View("/staff/calendar/availability"),
    "AvailabilityState.pick_member": View("/staff/calendar/availability", lambda a: (str(a["counselor_mid"]),)),
    # both act on the person picked on the page: the caller, or a member listed to their manager
    "AvailabilityState.save_hours": View("/staff/calendar/availability", lambda a: (
        {"start_mon": "09:00", "end_mon": "17:00"},)),
    "AvailabilityState.add_absence": View("/staff/calendar/availability", lambda a: (
        {"starts_at": "2031-03-03T09:00", "ends_at": "2031-03-04T09:00"},)),
    # the student portal (issue 4 §7): each acts on the caller's own rows, looked up in their centre
    "PortalHomeState.on_load": View("/portal"),
    "PortalHomeState.accept_offer": Probe("/portal", lambda a: (a["offered_reg_id"],), _registration,
                                          owner="student"),
    # the certificate is looked up among the caller's own (B's student meets "not found")
    "PortalHomeState.download_certificate": View("/portal", lambda a: (a["certificate_id"],)),
    "SurveyState.on_load": View(lambda a: f"/portal/{a['slug']}/surveys/{a['survey_event_id']}"),
    # both act on the questionnaire the caller's own page load found; with none, nothing
    "SurveyState.submit": View(lambda a: f"/portal/{a['slug']}/surveys/{a['survey_event_id']}",
                               lambda a: ({"q_q1": "5", "q_q2": "5", "q_q3": "5", "q_q4": "5"},)),
    "SurveyState.download_certificate": View(lambda a: f"/portal/{a['slug']}/surveys/{a['survey_event_id']}"),
    "PortalSessionsState.on_load": View("/portal/sessions"),
    # only a counselor the page listed (the caller's centre) is searched
    "PortalSessionsState.search_slots": View("/portal/sessions", lambda a: (
        {"counselor": str(a["counselor_mid"]), "day_from": "2031-03-03", "day_to": "2031-03-10"},)),
    # only a slot the page listed is booked
    "PortalSessionsState.book": View("/portal/sessions", lambda a: ({"slot": a["slot"], "need": "Mon CV"},)),
    "PortalSessionsState.cancel_booking": Probe("/portal/sessions", lambda a: (a["booking_id"],), _booking,
                                                owner="student"),
    "WorkshopsState.on_load": View("/portal/workshops"),
    "WorkshopsState.apply_filters": View("/portal/workshops", lambda a: ({"text": "Alpha", "type": "workshop"},)),
    "WorkshopsState.clear_filters": View("/portal/workshops"),
    "WorkshopsState.next_page": View("/portal/workshops"),
    "WorkshopsState.prev_page": View("/portal/workshops"),
    "WorkshopsState.register": Probe("/portal/workshops", lambda a: (a["open_event_id"],),
                                     _registrations_on_open_event, owner="student"),
    # registers for the event the caller opened the waiver of, from their own catalogue; none: nothing
    "WorkshopsState.sign_waiver": View("/portal/workshops", lambda a: (
        {"accepted": "on", "signature": "Someone"},)),
    "WorkshopsState.close_waiver": Public("closes a dialog"),
    "WorkshopsState.cancel_registration": Probe("/portal/workshops", lambda a: (a["offered_reg_id"],),
                                                _registration, owner="student"),
    "WorkshopsState.accept_offer": Probe("/portal/workshops", lambda a: (a["offered_reg_id"],), _registration,
                                         owner="student"),
    "ProfileState.on_load": View("/portal/profile"),
    "ProfileState.save": View("/portal/profile", lambda a: ({"full_name": "Renamed", "phone": ""},)),
    "ProfileState.set_consent": View("/portal/profile", lambda a: (True,)),
    "ProfileState.upload_cv": View("/portal/profile", lambda a: ([],)),
    "ProfileState.delete_cv": View("/portal/profile"),
    "ProfileState.export_data": View("/portal/profile"),
    "ProfileState.request_deletion": View("/portal/profile", lambda a: ({"reason": "bye"},)),
    "PortalCalendarState.on_load_calendar": Public("the portal's published calendar, open to anyone"),
    "VerifyState.on_load": Public("a certificate's public verification: only name, activity, date, validity"),
    "PortalCalendarState.shift_month": Public("the portal's published calendar, open to anyone"),
    "PortalCalendarState.on_load_event": Public("a published event of the portal, open to anyone"),
}

# Each area's handlers may also be declared in a module of tests/ui/matrix_parts: ENTRIES
# joins MATRIX, and setup(a, ids, secrets) adds that area's objects of centre A.
_PARTS = [importlib.import_module(f"tests.ui.matrix_parts.{m.name}")
          for m in pkgutil.iter_modules([str(Path(__file__).parent / "matrix_parts")])]
for _part in _PARTS:
    assert not set(_part.ENTRIES) & set(MATRIX), f"{_part.__name__} declares handlers twice"
    MATRIX |= _part.ENTRIES


# ---------------------------------------------------------------- the app's handlers

def _app_states() -> list[type[rx.State]]:
    out, todo = [], list(rx.State.get_substates())
    while todo:
        cls = todo.pop()
        todo.extend(cls.get_substates())
        if cls.__module__.startswith("cc_network."):
            out.append(cls)
    return out


def app_handlers() -> dict[str, tuple[type[rx.State], EventHandler]]:
    """Every public handler, under the class that defines it (framework built-ins aside)."""
    out = {}
    for cls in _app_states():
        for name, value in vars(cls).items():
            if isinstance(value, EventHandler) and not name.startswith("_") and name != "setvar":
                out[f"{cls.__name__}.{name}"] = (cls, value)
    return out


def test_every_handler_is_in_the_matrix():
    handlers = set(app_handlers())
    assert handlers - set(MATRIX) == set(), "declare these handlers in MATRIX"
    assert set(MATRIX) - handlers == set(), "MATRIX lists handlers that no longer exist"


def test_the_builtin_setvar_cannot_set_anything():
    """Reflex gives every state a public `setvar`; without auto setters it must set nothing."""
    for cls in _app_states():
        root = rx.State(_reflex_internal_init=True)
        state = root.get_substate(cls.get_full_name().split(".")[1:])
        for var in cls.base_vars:
            with pytest.raises(AttributeError):
                cls.setvar.fn(state, var, "x")


# ---------------------------------------------------------------- calling a handler for real

def session_cookie(account_id: int, tenant_id: int) -> str:
    ticket = issue_sign_in_ticket(account_id, tenant_id=tenant_id)
    return f"cc_lang=fr; cc_session={redeem_sign_in_ticket(ticket).token}"


def call(key: str, cookie: str, path: str, args: tuple, ids: dict | None = None):
    """Run the handler's own code on a fresh state tree whose handshake carries `cookie`."""
    path = path(ids or {}) if callable(path) else path
    cls, handler = app_handlers()[key]
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData(headers=HeaderData(cookie=cookie),
                             url=ReflexURL(f"http://localhost:3000{path}"))
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    result = handler.fn(state, *args)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    return state, result


def shown(state) -> str:
    """Everything the browser would receive from this state and its parents."""
    parts, s = [], state
    while s is not None:
        parts.append(json.dumps({k: getattr(s, k) for k in s.base_vars}, default=str))
        s = s.parent_state
    return "\n".join(parts)


@pytest.fixture
def setting(worlds, run_outbox):
    a, b = worlds
    manager = a.manager.actor
    # named to sort first: the team page lists by name, a page at a time, and the areas' setups add members
    do_invite_member(manager, a.tenant_id, email="secret-invitee@example.org", full_name="Aaron Secret Invitee",
                     roles=["intern"])
    run_outbox()
    token = do_create_api_token(a.counselor.actor, name="a-token")
    provider = do_save_provider(manager, a.tenant_id, slug="alpha-idp", name="Alpha IdP",
                                issuer="https://idp.alpha.example.org", client_id="alpha-client",
                                client_secret="alpha-secret")
    event = do_create_event(a.counselor.actor, a.tenant_id, {
        "type": "workshop", "title": "Alpha secret workshop", "starts_at": "2031-03-03T10:00:00+01:00",
        "ends_at": "2031-03-03T12:00:00+01:00"})
    held = do_create_event(manager, a.tenant_id, {
        "type": "workshop", "title": "Alpha past workshop", "starts_at": "2020-03-03T10:00:00+01:00",
        "ends_at": "2020-03-03T12:00:00+01:00"})
    for action in ("propose", "validate", "publish", "mark_held"):
        do_transition(manager, a.tenant_id, held.id, action)
    feed = do_create_feed(a.counselor.actor, a.tenant_id, scope="personal")
    year = do_set_academic_year(manager, a.tenant_id, {"label": "2030-2031", "starts_on": "2030-09-01",
                                                       "ends_on": "2031-07-15"})
    # the student side: a seat offered to A's student from the waitlist, an open workshop,
    # a session booked with A's counselor
    full = publish(a, title="Alpha full workshop", capacity=1)
    other = bulk_students(a.tenant_id, 1, prefix="alpha")[0]
    first = reg.do_register(other, a.tenant_id, full)
    offered = reg.do_register(a.student.actor, a.tenant_id, full)
    reg.do_cancel_registration(other, a.tenant_id, first.id)
    open_event = publish(a, title="Alpha open workshop", starts_at=at(12), ends_at=at(12, 12))
    do_set_availability(a.counselor.actor, a.tenant_id, a.counselor.membership_id,
                        [{"weekday": d, "start_time": "09:00", "end_time": "12:00"} for d in range(7)])
    today = date.today()
    slot = free_slots(a.student.actor, a.tenant_id, a.counselor.membership_id, day_from=today + timedelta(days=3),
                      day_to=today + timedelta(days=10))[0]
    booking = do_book_session(a.student.actor, a.tenant_id, {
        "counselor_membership_id": a.counselor.membership_id, "starts_at": slot.starts_at, "need": "Alpha secret need"})
    # a workshop A's student attended and rated (a certificate), one held with a seat to mark
    survey_event, _ = held_workshop(a, [a.student.actor], title="Alpha attended workshop", starts_at=at(20),
                                    ends_at=at(20, 12))
    cert = do_submit_answers(a.student.actor, a.tenant_id, survey_event,
                             {"q1": 5, "q2": 4, "q3": 5, "q4": 4}).certificate
    sheet_event, sheet_regs = held_workshop(a, [a.student.actor], attend=[], close=False,
                                            title="Alpha held workshop", starts_at=at(22), ends_at=at(22, 12))
    ids = {"slug": a.slug, "survey_event_id": survey_event, "certificate_id": cert.id, "sheet_event_id": sheet_event,
           "sheet_reg_id": sheet_regs[a.student.membership_id], "counselor_mid": a.counselor.membership_id, "counselor_email": a.counselor.email,
           "token_id": token.id, "provider_id": provider.id, "tenant_id": a.tenant_id, "event_id": event.id,
           "held_id": held.id, "feed_id": feed.id, "year_id": year.id,
           "offered_reg_id": offered.id, "open_event_id": open_event, "booking_id": booking.id,
           "slot": slot.starts_at.isoformat()}
    # strings that only A's people may see
    secrets = ["Centre ALPHA", a.counselor.email, "secret-invitee@example.org", "Alpha IdP", "alpha-client",
               "Alpha secret workshop", "Alpha past workshop", "Alpha full workshop", "Alpha open workshop",
               "Alpha secret need", "Alpha attended workshop", "Alpha held workshop"]
    for part in _PARTS:
        if hasattr(part, "setup"):
            part.setup(a, ids, secrets)
    return a, b, ids, secrets


def _cookie_of(world: World, role: str) -> str:
    person = world.people[role]
    return session_cookie(person.account_id, world.tenant_id)


def _probes():
    return [(k, c) for k, c in MATRIX.items() if isinstance(c, Probe)]


def _views():
    return [(k, c) for k, c in MATRIX.items() if isinstance(c, View)]


@pytest.mark.parametrize("role", ROLES)
def test_centre_b_cannot_touch_or_see_centre_a_through_handlers(setting, role):
    a, b, ids, secrets = setting
    cookie = _cookie_of(b, role)
    for key, case in _probes():
        before = case.snapshot(ids)
        state, _ = call(key, cookie, case.path, case.args(ids), ids)
        assert case.snapshot(ids) == before, f"{key} as B's {role} changed A's data"
        leaked = [s for s in secrets if s in shown(state)]
        assert not leaked, f"{key} as B's {role} revealed {leaked}"
        if case.expect == "not_found":
            # a role without the permission meets 'forbidden' for its own centre's action,
            # never anything that tells A's objects apart: the id is looked up in B only
            assert state.error in NOT_FOUND | {"error.forbidden"}, f"{key} as B's {role}: {state.error!r}"
            if role == case.owner:
                # the role that may do it in its own centre must meet 'not found'
                assert state.error in NOT_FOUND, f"{key} as B's {role}: {state.error!r}"
        else:
            assert state.error == "", f"{key} as B's {role}: {state.error!r}"
    for key, case in _views():
        state, _ = call(key, cookie, case.path, case.args(ids), ids)
        leaked = [s for s in secrets if s in shown(state)]
        assert not leaked, f"{key} as B's {role} revealed {leaked}"


def test_a_page_of_a_shows_the_secrets_the_views_look_for(setting):
    """Positive control of the views: A's own manager does see those strings."""
    a, _b, _ids, secrets = setting
    state, _ = call("TeamState.on_load", _cookie_of(a, "manager"), "/staff/team", ())
    assert {a.counselor.email, "secret-invitee@example.org", "Centre ALPHA"} <= {
        s for s in secrets if s in shown(state)}


@pytest.mark.parametrize("key", [k for k, c in _probes() if k != "AppState.switch_tenant"])
def test_probes_can_fail_people_of_a_change_a(setting, key):
    """Positive control: the same call, by the right person of A, does reach A's object."""
    a, _b, ids, _secrets = setting
    case = MATRIX[key]
    cookie = _cookie_of(a, case.owner)
    before = case.snapshot(ids)
    if case.expect == "nothing":
        # these look only in rows the page already loaded: load it first
        state, _ = call(key.split(".")[0] + ".on_load", cookie, case.path, (), ids)
        app_handlers()[key][1].fn(state, *case.args(ids))
        assert state.editing_id == case.args(ids)[0]
        return
    state, _ = call(key, cookie, case.path, case.args(ids), ids)
    assert state.error == "", f"{key} as A's {case.owner}: {state.error!r}"
    assert case.snapshot(ids) != before, f"{key} as A's {case.owner} changed nothing: the probe is blind"
