"""The calendar pages' handlers, run in-process as a signed-in person: the form's local times,
the conflict warning and its override, the month grid, the lifecycle buttons, the portal."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from cc_network.pages.calendar.common import DETAIL_FIELDS, TYPES
from cc_network.pages.calendar.form import PARTNER_KINDS, build_payload
from cc_network.pages.calendar.sheet import REASON_ACTIONS
from integrations.db import system_session
from integrations.errors import Invalid
from integrations.i18n import LANGS, catalog
from tenants.calendar.models import Event
from tenants.calendar.services import STATUSES, TRANSITIONS, do_create_event, do_transition
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie

CASA = ZoneInfo("Africa/Casablanca")


def _cookie(person) -> str:
    return session_cookie(person.account_id, person.tenant_id)


def _events(title: str) -> list[Event]:
    with system_session("test") as s:
        return list(s.exec(select(Event).where(Event.title == title)).all())


FORM = {"type": "workshop", "title": "Atelier entretien", "starts_at": "2031-03-03T10:00",
        "ends_at": "2031-03-03T12:00", "detail_objectives": "Simuler un entretien",
        "partners": "entreprise | Atlas | jury", "budget_lines": "Pause café | 1 200,50 | mad",
        "attachments": "Programme | https://example.org/p.pdf", "audience_fields": "Informatique, Gestion",
        "capacity": "25", "publishes_photos": "on"}


def test_the_form_saves_local_wall_clock_times_and_every_part(world_a):
    state, result = call("EventFormState.save", _cookie(world_a.counselor), "/staff/calendar/new", (dict(FORM),))
    assert state.error == ""
    [e] = _events("Atelier entretien")
    assert e.starts_at == datetime(2031, 3, 3, 10, 0, tzinfo=CASA)
    assert e.organiser_membership_id == world_a.counselor.membership_id
    assert e.partners == [{"kind": "company", "name": "Atlas", "contribution": "jury"}]
    assert e.budget_lines == [{"label": "Pause café", "amount": 1200.5, "currency": "MAD"}]
    assert e.audience["fields"] == ["Informatique", "Gestion"] and e.capacity == 25 and e.publishes_photos
    assert e.details == {"objectives": "Simuler un entretien"}
    assert f"/staff/calendar/events/{e.id}" in str(result)


def test_a_conflict_is_shown_then_saved_only_with_a_reason(world_a):
    do_create_event(world_a.counselor.actor, world_a.tenant_id, {
        "type": "individual_session", "title": "Entretien Salma", "starts_at": "2031-03-03T11:00:00+01:00",
        "ends_at": "2031-03-03T11:30:00+01:00"})
    state, _ = call("EventFormState.save", _cookie(world_a.counselor), "/staff/calendar/new", (dict(FORM),))
    assert state.error == "error.schedule_conflict"
    assert [c.title for c in state.conflicts] == ["Entretien Salma"]
    assert _events("Atelier entretien") == []
    override = app_handlers()["EventFormState.override"][1].fn
    override(state, {"override_reason": ""})
    assert state.error == "error.override_reason_required" and _events("Atelier entretien") == []
    override(state, {"override_reason": "Salma déplacée à 14 h"})
    assert state.error == "" and len(_events("Atelier entretien")) == 1


def test_the_month_grid_puts_an_event_on_its_local_day(world_a):
    today = datetime.now(CASA).replace(hour=12, minute=0, second=0, microsecond=0)
    do_create_event(world_a.counselor.actor, world_a.tenant_id, {
        "type": "workshop", "title": "Atelier du jour", "starts_at": today.isoformat(),
        "ends_at": (today + timedelta(hours=1)).isoformat()})
    state, _ = call("CalendarState.on_load", _cookie(world_a.people["intern"]), "/staff/calendar", ())
    assert state.error == ""
    [cell] = [d for d in state.days if d.day == today.date().isoformat()]
    assert [(c.title, c.time) for c in cell.events] == [("Atelier du jour", "12:00")]
    assert len(state.days) % 7 == 0 and all(len(d.events) == 0 for d in state.days if d.day != cell.day)


def test_the_sheet_offers_the_steps_of_the_role_and_asks_a_reason_to_cancel(world_a):
    e = do_create_event(world_a.counselor.actor, world_a.tenant_id, {
        "type": "workshop", "title": "Atelier fiche", "starts_at": "2031-03-03T10:00:00+01:00",
        "ends_at": "2031-03-03T12:00:00+01:00"})
    do_transition(world_a.counselor.actor, world_a.tenant_id, e.id, "propose")
    path = f"/staff/calendar/events/{e.id}"
    counselor, _ = call("SheetState.on_load", _cookie(world_a.counselor), path, ())
    assert counselor.actions == [] and counselor.status == "proposed"
    manager, _ = call("SheetState.on_load", _cookie(world_a.manager), path, ())
    assert manager.actions == ["validate", "return_to_draft", "cancel"]
    act = app_handlers()["SheetState.act_with_reason"][1].fn
    act(manager, {"action": "cancel", "reason": ""})
    assert manager.error == "error.reason_required" and _events("Atelier fiche")[0].status == "proposed"
    act(manager, {"action": "cancel", "reason": "Salle indisponible"})
    assert manager.status == "cancelled" and _events("Atelier fiche")[0].status_reason == "Salle indisponible"


def test_the_portal_lists_published_public_activities_only(world_a):
    start = datetime.now(CASA).replace(hour=9, minute=0, second=0, microsecond=0)
    ids = {}
    for title, typ in (("Atelier public", "workshop"), ("Atelier brouillon", "workshop"),
                       ("Réunion interne", "weekly_coordination_meeting")):
        ids[title] = do_create_event(world_a.manager.actor, world_a.tenant_id, {
            "type": typ, "title": title, "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat()}, override_conflicts=True,
            override_reason="test data").id
    for action in ("propose", "validate", "publish"):
        do_transition(world_a.manager.actor, world_a.tenant_id, ids["Atelier public"], action)
    do_transition(world_a.manager.actor, world_a.tenant_id, ids["Réunion interne"], "publish")
    state, _ = call("PortalCalendarState.on_load_calendar", "", f"/portal/{world_a.slug}/calendar", ())
    assert [r.title for r in state.rows] == ["Atelier public"]
    shown, _ = call("PortalCalendarState.on_load_event", "", f"/portal/{world_a.slug}/events/{ids['Atelier public']}",
                    ())
    assert shown.found and shown.ev_title == "Atelier public"
    hidden, _ = call("PortalCalendarState.on_load_event", "",
                     f"/portal/{world_a.slug}/events/{ids['Atelier brouillon']}", ())
    assert not hidden.found and hidden.error == "error.not_found" and hidden.ev_title == ""


def test_payload_lines_refuse_what_they_cannot_read():
    for bad in ({"partners": "mécène | X"}, {"budget_lines": "Café | beaucoup"},
                {"logistics": "Chaises | inconnu@example.org"}, {"starts_at": "03/03/2031 10:00"}):
        with pytest.raises(Invalid):
            build_payload(FORM | bad, CASA, {})


@pytest.mark.parametrize("lang", LANGS)
def test_keys_built_at_run_time_are_translated(lang):
    keys = ({f"ui.calendar.type.{t}" for t in TYPES} | {f"ui.calendar.status.{s}" for s in STATUSES}
            | {f"ui.calendar.action.{a}" for a in TRANSITIONS} | {f"ui.calendar.done.{a}" for a in TRANSITIONS}
            | {f"ui.calendar.month.{m}" for m in range(1, 13)} | {f"ui.calendar.detail.{f}" for f in DETAIL_FIELDS}
            | {f"ui.calendar.wd.{w}" for w in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
            | {f"ui.calendar.partner_kind.{k}" for k in PARTNER_KINDS}
            | {f"ui.calendar.feed_scope.{s}" for s in ("personal", "tenant")})
    assert set(REASON_ACTIONS) <= set(TRANSITIONS)
    assert sorted(k for k in keys if not catalog(lang).get(k)) == []
