"""Isolation matrix of the recruitment day pages (/staff/recruitment-days, one day) and the
offers pages (/staff/offers, /portal/offers). Centre A gets a day at each step (proposed with
a common date, scheduled with a shortlisted student, published and begun, held with a
participant), a need still waiting for a day, an offer source, a collected offer and a
published one A's student is interested in."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import func, select

from integrations.db import system_session, tenant_session, utcnow
from tenants.calendar.models import Event
from tenants.portal.registrations import services as reg
from tenants.portal.registrations.models import Registration
from tenants.sourcing.offers import services as offers
from tenants.sourcing.offers.models import Offer, OfferInterest, OfferSource
from tenants.sourcing.pipeline.models import ShortlistEntry
from tenants.sourcing.recruitment_days import services as days
from tenants.sourcing.recruitment_days.models import RecruitmentDay
from tests.portal.registrations.util import set_event
from tests.sourcing.util import make_company, make_need
from tests.ui.matrix_cases import Probe, Public, View

DAYS = "/staff/recruitment-days"
STAFF = "/staff/offers"
PORTAL = "/portal/offers"


def _d(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def _day(a, bizdev, company_id: int, n: int, *, title: str) -> int:
    nid = make_need(a, company_id, positions=12, title=title)
    d = days.do_propose_day(bizdev, a.tenant_id, nid, mode="closed_door")
    for side in ("host", "company"):
        days.do_set_dates(bizdev, a.tenant_id, d.id, side=side, dates=[_d(n)])
    return d.id


def _schedule(a, bizdev, day_id: int, n: int) -> int:
    return days.do_schedule_day(bizdev, a.tenant_id, day_id, {"date": _d(n), "start": "09:00", "end": "12:00",
                                                              "capacity": 10}).event_id


def _started(a, bizdev, company_id: int, n: int, *, title: str) -> tuple[int, int]:
    day_id = _day(a, bizdev, company_id, n, title=title)
    event_id = _schedule(a, bizdev, day_id, n)
    days.do_publish_day(a.manager.actor, a.tenant_id, day_id)
    reg.do_invite_student(bizdev, a.tenant_id, event_id, a.student.membership_id)
    start = utcnow() - timedelta(minutes=30)
    set_event(event_id, starts_at=start, ends_at=start + timedelta(hours=3), registration_closes_at=None)
    return day_id, event_id


def setup(a, ids: dict, secrets: list) -> None:
    bizdev = a.people["business_developer"].actor
    cid = make_company(a, "Alpha Secret Recruiter")
    proposed = _day(a, bizdev, cid, 40, title="Alpha secret day need")
    scheduled = _day(a, bizdev, cid, 41, title="Alpha secret scheduled need")
    scheduled_event = _schedule(a, bizdev, scheduled, 41)
    with tenant_session(a.tenant_id) as s:
        need_id = s.get(RecruitmentDay, scheduled).need_id
        s.add(ShortlistEntry(tenant_id=a.tenant_id, need_id=need_id, student_membership_id=a.student.membership_id,
                             status="selected", rank=1))
        s.commit()
    started, _ = _started(a, bizdev, cid, 42, title="Alpha secret started need")
    held, held_event = _started(a, bizdev, cid, 43, title="Alpha secret held need")
    days.do_mark_day_held(bizdev, a.tenant_id, held)
    waiting = make_need(a, cid, positions=20, title="Alpha secret waiting need")

    source = offers.do_create_source(bizdev, a.tenant_id, {"name": "Alpha Secret Board", "kind": "job_board"})
    collected = offers.do_collect_offer(bizdev, a.tenant_id, {"title": "Alpha secret offer", "kind": "job",
                                                              "company_name": "Alpha Secret Employer",
                                                              "source_id": source.id})
    published = offers.do_collect_offer(bizdev, a.tenant_id, {"title": "Alpha published offer", "kind": "internship"})
    offers.do_publish_offer(bizdev, a.tenant_id, published.id)
    liked = offers.do_collect_offer(bizdev, a.tenant_id, {"title": "Alpha liked offer", "kind": "internship"})
    offers.do_publish_offer(bizdev, a.tenant_id, liked.id)
    offers.do_express_interest(a.student.actor, a.tenant_id, liked.id, note="Alpha secret interest note")
    ids.update(student_mid=a.student.membership_id, day_proposed=proposed, day_scheduled=scheduled, day_scheduled_event=scheduled_event,
               day_started=started, day_held=held, day_held_event=held_event, day_waiting_need=waiting,
               offer_source_id=source.id, offer_collected=collected.id, offer_published=published.id,
               offer_liked=liked.id)
    secrets += ["Alpha Secret Recruiter", "Alpha secret day need", "Alpha secret waiting need",
                "Alpha Secret Board", "Alpha secret offer", "Alpha Secret Employer", "Alpha published offer",
                "Alpha secret interest note"]


def _day_path(key: str):
    return lambda a: f"{DAYS}/{a[key]}"


def _day_snap(key: str):
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            d = s.get(RecruitmentDay, a[key])
            e = s.get(Event, d.event_id) if d.event_id else None
            return d.mode, d.status, tuple(d.host_dates), tuple(d.company_dates), d.event_id, e.status if e else None
    return snap


def _days_of_waiting_need(a: dict) -> int:
    with system_session("matrix snapshot") as s:
        return s.exec(select(func.count(RecruitmentDay.id)).where(
            RecruitmentDay.need_id == a["day_waiting_need"])).one()


def _registrations(a: dict) -> int:
    with system_session("matrix snapshot") as s:
        return s.exec(select(func.count(Registration.id)).where(
            Registration.event_id == a["day_scheduled_event"])).one()


def _outcomes(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        return tuple(s.exec(select(ShortlistEntry.outcome).where(
            ShortlistEntry.tenant_id == a["tenant_id"]).order_by(ShortlistEntry.id)).all())


def _offer(a: dict, key: str = "offer_collected") -> tuple:
    with system_session("matrix snapshot") as s:
        o = s.get(Offer, a[key])
        return o.title, o.featured, o.status, o.place


def _source(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        x = s.get(OfferSource, a["offer_source_id"])
        return x.name, x.active


def _interests(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        return tuple(s.exec(select(OfferInterest.offer_id).where(
            OfferInterest.tenant_id == a["tenant_id"]).order_by(OfferInterest.id)).all())


ENTRIES = {
    "DaysState.on_load": View(DAYS),
    # A's need id, looked up in the caller's centre
    "DaysState.propose": Probe(DAYS, lambda a: ({"need_id": str(a["day_waiting_need"]), "mode": "closed_door"},),
                               _days_of_waiting_need),
    "DayState.on_load": View(_day_path("day_held")),
    # the day of the address, looked up in the caller's centre: A's id reads "not found"
    "DayState.change_mode": Probe(_day_path("day_proposed"), lambda a: ({"mode": "open_door"},),
                               _day_snap("day_proposed")),
    "DayState.save_dates": Probe(_day_path("day_proposed"), lambda a: ({"side": "host", "dates": _d(44)},),
                                 _day_snap("day_proposed")),
    "DayState.schedule": Probe(_day_path("day_proposed"), lambda a: (
        {"date": _d(40), "start": "09:00", "end": "12:00", "address": "Amphi", "capacity": "5"},),
        _day_snap("day_proposed")),
    "DayState.publish": Probe(_day_path("day_scheduled"), lambda a: (), _day_snap("day_scheduled")),
    "DayState.invite": Probe(_day_path("day_scheduled"), lambda a: (), _registrations),
    "DayState.mark_held": Probe(_day_path("day_started"), lambda a: (), _day_snap("day_started")),
    "DayState.record_result": Probe(_day_path("day_held"), lambda a: (
        {"student_id": str(a["student_mid"]), "outcome": "hired", "note": "Stolen"},), _outcomes),
    "DayState.close_day": Probe(_day_path("day_held"), lambda a: ({"notes": "Stolen review"},),
                                _day_snap("day_held")),
    "StaffOffersState.on_load": View(STAFF),
    # creates a source in the caller's own centre
    "StaffOffersState.add_source": View(STAFF, lambda a: ({"src_name": "Source de B", "src_kind": "other",
                                                           "src_url": ""},)),
    "StaffOffersState.set_source_active": Probe(STAFF, lambda a: (a["offer_source_id"], False), _source),
    "StaffOffersState.filter_status": View(STAFF, lambda a: ({"status": "collected"},)),
    "StaffOffersState.next_page": View(STAFF),
    "StaffOffersState.prev_page": View(STAFF),
    "StaffOffersState.save_offer": Probe(STAFF, lambda a: (
        {"offer_id": str(a["offer_collected"]), "title": "Stolen offer", "kind": "job", "company_name": "",
         "place": "Nowhere", "url": "", "deadline": "", "source_id": "", "description": ""},), _offer),
    "StaffOffersState.start_edit": Probe(STAFF, lambda a: (a["offer_collected"],), _offer, expect="nothing"),
    "StaffOffersState.stop_edit": Public("clears a form"),
    "StaffOffersState.feature": Probe(STAFF, lambda a: (a["offer_collected"], True), _offer),
    "StaffOffersState.to_ambassadors": Probe(STAFF, lambda a: (a["offer_collected"],), _offer),
    "StaffOffersState.publish": Probe(STAFF, lambda a: (a["offer_collected"],), _offer),
    "StaffOffersState.close": Probe(STAFF, lambda a: (a["offer_collected"],), _offer),
    "StaffOffersState.show_interests": View(STAFF, lambda a: (a["offer_liked"],)),
    "StaffOffersState.hide_interests": Public("closes a dialog"),
    "PortalOffersState.on_load": View(PORTAL),
    "PortalOffersState.apply_filters": View(PORTAL, lambda a: ({"kind": "internship", "place": "", "text": "alpha"},)),
    "PortalOffersState.clear_filters": View(PORTAL),
    "PortalOffersState.next_page": View(PORTAL),
    "PortalOffersState.prev_page": View(PORTAL),
    "PortalOffersState.start_interest": Probe(PORTAL, lambda a: (a["offer_published"],), _interests,
                                              expect="nothing", owner="student"),
    "PortalOffersState.stop_interest": Public("closes a dialog"),
    "PortalOffersState.express_interest": Probe(PORTAL, lambda a: (
        {"offer_id": str(a["offer_published"]), "note": "Stolen"},), _interests, owner="student"),
    "PortalOffersState.withdraw": Probe(PORTAL, lambda a: (a["offer_liked"],), _interests, owner="student"),
}
