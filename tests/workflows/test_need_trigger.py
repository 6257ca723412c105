"""A submitted job need starts the book's P22 for that need (issue 6 §2, issue 5)."""

from __future__ import annotations

from datetime import date, timedelta

from tenants.sourcing.needs import services as needs
from tests.sourcing.util import link_company_contact, make_company
from workflows.procedures import services as svc


def _need(title: str) -> dict:
    return {"title": title, "kind": "internship", "positions": 3,
            "deadline": (date.today() + timedelta(days=30)).isoformat()}


def test_a_company_need_starts_p22_about_that_need(world_a):
    a = world_a
    company = make_company(a, "Atlas Data")
    link_company_contact(a, company)
    need = needs.do_submit_need(a.people["company_contact"].actor, a.tenant_id, _need("Stagiaires data"))
    rows, total = svc.list_instances(a.manager.actor, a.tenant_id, code="P22")
    assert total == 1
    assert rows[0].trigger == "job_need_submitted"
    assert (rows[0].subject_type, rows[0].subject_id) == ("job_need", need.id)
    assert "Stagiaires data" in rows[0].title
    # one instance per need: a second need starts its own
    needs.do_enter_need(a.people["business_developer"].actor, a.tenant_id, company, _need("Développeur"),
                        source="email")
    assert svc.list_instances(a.manager.actor, a.tenant_id, code="P22")[1] == 2


def test_a_need_in_one_centre_starts_nothing_in_another(worlds):
    a, b = worlds
    company = make_company(a, "Atlas Data")
    link_company_contact(a, company)
    needs.do_submit_need(a.people["company_contact"].actor, a.tenant_id, _need("Stagiaires data"))
    assert svc.list_instances(b.manager.actor, b.tenant_id, code="P22")[1] == 0
