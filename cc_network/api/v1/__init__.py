"""REST API v1: one module per area, every route calling a service.

Every route touching a centre's data lives under /api/v1/tenants/{tenant}/…; the
isolation matrix (tests/isolation/test_rest_matrix.py) finds such routes by walking
the app, and fails until a new one has a case there.
"""

from __future__ import annotations

from fastapi import APIRouter

from cc_network.api.v1 import (
    assessments,
    audit,
    benchmark,
    calendar,
    certificates,
    channels,
    communications,
    company,
    core,
    evaluations,
    mailings,
    meetings,
    needs,
    offers,
    partners,
    performance,
    pipeline,
    plans,
    portal,
    procedure_versions,
    procedures,
    reference_models,
    reports,
    sourcing_days,
    statistics,
    surveys,
    team,
    tenants,
    tokens,
)

router = APIRouter(prefix="/api/v1")
router.include_router(core.router)
router.include_router(tenants.router)
router.include_router(mailings.router)
router.include_router(team.router)
router.include_router(tokens.router)
router.include_router(audit.router)
router.include_router(calendar.router)
router.include_router(portal.router)
router.include_router(surveys.router)
router.include_router(certificates.router)
router.include_router(procedures.router)
router.include_router(meetings.router)
router.include_router(procedure_versions.router)
router.include_router(company.router)
router.include_router(needs.router)
router.include_router(partners.router)
router.include_router(sourcing_days.router)
router.include_router(offers.router)
router.include_router(pipeline.router)
router.include_router(plans.router)
router.include_router(statistics.router)
router.include_router(reports.router)
router.include_router(assessments.router)
router.include_router(evaluations.router)
router.include_router(channels.router)
router.include_router(communications.router)
router.include_router(performance.router)
router.include_router(reference_models.router)
router.include_router(benchmark.router)
