"""Helpers of the team evaluation tests (P27, M14): an academic year 2030-2031 ending on 30 June
2031, so proposals open on 30 May 2031, and a clock the services are given (`now=`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from integrations import outbox
from integrations.db import system_session
from tenants.calendar.services import do_set_academic_year
from tests.conftest import World
from workflows.assessment import performance as perf
from workflows.assessment.models import PerformanceReview

OPEN = datetime(2031, 6, 2, 9, 0, tzinfo=UTC)  # after proposals open
EARLY = datetime(2031, 5, 29, 9, 0, tzinfo=UTC)  # the day before they open
SLOTS = [datetime(2031, 6, 16, 9, 0, tzinfo=UTC), datetime(2031, 6, 17, 14, 0, tzinfo=UTC)]


def year(w: World) -> int:
    return do_set_academic_year(w.manager.actor, w.tenant_id, {
        "label": "2030-2031", "starts_on": "2030-09-01", "ends_on": "2031-06-30"}).id


def form(**over: object) -> dict:
    f = {"objectives": [{"title": "Ateliers CV", "achievement": 3, "comment": "12 ateliers tenus"}],
         "competencies": [{"key": "teamwork", "rating": 4}, {"key": "communication", "rating": 3}],
         "strengths": "Écoute", "improvements": "Délais des comptes-rendus", "training_needs": "Coaching",
         "next_objectives": [{"title": "Salon de l'emploi", "measure": "40 entreprises", "due_on": "2032-04-30"}],
         "manager_comment": "Belle année", "overall": 3}
    f.update(over)
    return f


def scheduled(w: World, *, at: datetime = SLOTS[0]) -> int:
    """A review of w's counselor with its date fixed; returns its id."""
    r = perf.do_propose(w.manager.actor, w.tenant_id, w.counselor.membership_id, SLOTS, now=OPEN)
    perf.do_give_availability(w.counselor.actor, w.tenant_id, r.id,
                              [{"at": x.isoformat(), "available": True} for x in SLOTS], now=OPEN)
    perf.do_schedule(w.manager.actor, w.tenant_id, r.id, at.isoformat(), now=OPEN)
    return r.id


def finalised(w: World) -> int:
    rid = scheduled(w)
    perf.do_fill_form(w.manager.actor, w.tenant_id, rid, form(), now=SLOTS[0])
    perf.do_finalise(w.manager.actor, w.tenant_id, rid, now=SLOTS[0] + timedelta(hours=1))
    return rid


def row(review_id: int) -> tuple:
    with system_session("test") as s:
        r = s.get(PerformanceReview, review_id)
        return (r.status, repr(r.proposed_slots), r.interview_at, r.form_sent_at, repr(r.form), r.member_comment,
                r.finalised_at)


def mails(prefix: str) -> list[outbox.OutboxMessage]:
    with system_session("test") as s:
        return list(s.exec(select(outbox.OutboxMessage).where(
            outbox.OutboxMessage.idempotency_key.like(prefix + "%")).order_by(outbox.OutboxMessage.id)).all())


def reviews() -> int:
    with system_session("test") as s:
        return len(s.exec(select(PerformanceReview.id)).all())
