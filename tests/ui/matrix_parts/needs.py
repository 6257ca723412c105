"""Isolation matrix of the job need pages outside the pipeline board: the company portal
(/company, the need form, one need), the staff's entry of a need (/staff/needs/new) and the
host institution's job sheets (/host/needs)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import func, select

from integrations.db import system_session, tenant_session, utcnow
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.partners.models import Person
from tenants.sourcing.recruitment_days.models import RecruitmentDay
from tests.sourcing.util import link_company_contact, make_company, make_need
from tests.ui.matrix_cases import Probe, View

NEW_NEED = "/staff/needs/new"


def setup(a, ids: dict, secrets: list) -> None:
    """A's company, linked to A's company contact, with a need whose job sheet was sent."""
    mid = a.people["company_contact"].membership_id
    with tenant_session(a.tenant_id) as s:
        linked = s.exec(select(Person).where(Person.membership_id == mid, Person.merged_into_id.is_(None),
                                             Person.company_id.is_not(None))).first()
        company_id = linked.company_id if linked is not None else None
    if company_id is None:
        company_id = make_company(a, "Alpha Secret Company")
        link_company_contact(a, company_id)
    need = make_need(a, company_id, title="Alpha secret job title", status="sourcing",
                     sheet="Alpha secret job sheet", sheet_sent_at=utcnow(), place="Alpha secret place")
    # a need of 12 positions with its recruitment day waiting for the company's dates (P19)
    day_need = make_need(a, company_id, positions=12, title="Alpha secret day need", status="sourcing",
                         sheet="Alpha secret day sheet", sheet_sent_at=utcnow())
    with tenant_session(a.tenant_id) as s:
        day = RecruitmentDay(tenant_id=a.tenant_id, need_id=day_need, mode="closed_door")
        s.add(day)
        s.commit()
        day_id = day.id
    ids.update(needs_company_id=company_id, need_id=need, day_need_id=day_need, day_id=day_id)
    secrets += ["Alpha secret job title", "Alpha secret job sheet", "Alpha secret place"]


def _day_dates(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        d = s.get(RecruitmentDay, a["day_id"])
        return tuple(d.company_dates), tuple(d.host_dates)


def _need(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        n = s.get(JobNeed, a["need_id"])
        return n.status, n.cancel_reason, n.closed_at


def _needs_of_a(a: dict) -> int:
    with system_session("matrix snapshot") as s:
        return s.exec(select(func.count(JobNeed.id)).where(JobNeed.tenant_id == a["tenant_id"])).one()


def _need_form(extra: dict | None = None):
    def args(a: dict) -> tuple:
        return ({"title": "Stolen need", "kind": "job", "positions": "2",
                 "deadline": (date.today() + timedelta(days=20)).isoformat()} | (extra(a) if extra else {}),)
    return args


ENTRIES = {
    "CompanyHomeState.on_load": View("/company"),
    "CompanyNeedFormState.on_load": View("/company/needs/new"),
    # the need is for the caller's own company, in the caller's own centre
    "CompanyNeedFormState.submit": View("/company/needs/new", _need_form()),
    # the need of the path, looked up among the caller's company's needs in the caller's centre
    "CompanyNeedState.on_load": View(lambda a: f"/company/needs/{a['need_id']}"),
    "CompanyNeedState.cancel": Probe(lambda a: f"/company/needs/{a['need_id']}", lambda a: ({"reason": "Stolen"},),
                                     _need, owner="company_contact"),
    "CompanyNeedState.give_dates": Probe(lambda a: f"/company/needs/{a['day_need_id']}",
                                         lambda a: ({"dates": (date.today() + timedelta(days=40)).isoformat()},),
                                         _day_dates, owner="company_contact"),
    "HostNeedState.give_dates": Probe(lambda a: f"/host/needs/{a['day_need_id']}",
                                      lambda a: ({"dates": (date.today() + timedelta(days=41)).isoformat()},),
                                      _day_dates, owner="host_approver"),
    "StaffNewNeedState.on_load": View(NEW_NEED),
    # A's company id, looked up in the caller's centre
    "StaffNewNeedState.submit": Probe(NEW_NEED, _need_form(lambda a: {"company_id": str(a["needs_company_id"]),
                                                                      "source": "email"}),
                                      _needs_of_a, owner="business_developer"),
    "HostNeedsState.on_load": View("/host/needs"),
    "HostNeedsState.next_page": View("/host/needs"),
    "HostNeedsState.prev_page": View("/host/needs"),
    "HostNeedState.on_load": View(lambda a: f"/host/needs/{a['need_id']}"),
}
