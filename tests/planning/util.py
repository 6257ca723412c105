"""Fixture helpers of the planning tests: academic years, plan content, counted activities
(ActivityRecord rows written directly: the statistics area feeds them in the product)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from integrations.db import system_session, tenant_session
from integrations.outbox import OutboxMessage
from tenants.calendar.services import do_set_academic_year
from tests.conftest import World
from workflows.planning import services as plans
from workflows.reporting.models import ActivityRecord


def make_year(w: World, start_year: int = 2030) -> int:
    """A year from September to June, semester 1 Sep-Jan, semester 2 Feb-Jun."""
    year = do_set_academic_year(w.manager.actor, w.tenant_id, {
        "label": f"{start_year}-{start_year + 1}",
        "starts_on": date(start_year, 9, 1), "ends_on": date(start_year + 1, 6, 30),
        "semesters": [{"starts_on": date(start_year, 9, 1), "ends_on": date(start_year + 1, 1, 31)},
                      {"starts_on": date(start_year + 1, 2, 1), "ends_on": date(start_year + 1, 6, 30)}]})
    return year.id


def content(w: World, *, s1: object = 10, s2: object = 12, owner: int | None = None) -> dict:
    return {
        "objectives": [{"key": "insertion", "title": "Améliorer l'insertion", "description": "Plus d'entretiens"}],
        "activities": [
            {"key": "ateliers", "objective_key": "insertion", "type": "workshop", "title": "Ateliers CV",
             "metric": "workshops", "targets": {"S1": s1, "S2": s2}, "budget_line": "com",
             "owner_membership_id": owner if owner is not None else w.counselor.membership_id,
             "period": "Octobre-mai", "audience": "Licence"},
            {"key": "accueil", "objective_key": "insertion", "type": "other", "title": "Accueil des étudiants",
             "metric": "visits", "targets": {"S1": 3, "S2": 5}},
        ],
        "budget_lines": [{"key": "com", "label": "Communication", "amount": "1500.50", "currency": "MAD"}],
    }


def validated_plan(w: World, year_id: int, data: dict | None = None) -> int:
    """A plan of `year_id` taken through P01 to the host institution's validation."""
    mgr = w.manager.actor
    p = plans.do_create_plan(mgr, w.tenant_id, year_id)
    plans.do_save_draft(mgr, w.tenant_id, p.id, data or content(w))
    plans.do_open_review(mgr, w.tenant_id, p.id)
    plans.do_finalise(mgr, w.tenant_id, p.id)
    plans.do_submit_to_host(mgr, w.tenant_id, p.id)
    plans.do_host_validate(w.people["host_approver"].actor, w.tenant_id, p.id, comment="Bien")
    return p.id


def count_activity(w: World, kind: str, at: datetime, n: int = 1, *, event_type: str = "") -> None:
    with tenant_session(w.tenant_id) as s:
        last = max([0, *s.exec(select(ActivityRecord.source_id)).all()])
        for i in range(n):
            s.add(ActivityRecord(tenant_id=w.tenant_id, kind=kind, source_id=last + i + 1, at=at,
                                 event_type=event_type, student_membership_id=w.student.membership_id))
        s.commit()


def utc(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 10, tzinfo=UTC)


def mails() -> list[dict]:
    """Every e-mail queued so far: [{"to", "subject", "text", "attachments"?}]."""
    with system_session("test: read outbox") as s:
        return [m.payload for m in s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()]
