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

PREFIX = "/api/v1"
# The app includes these one level deep, the busiest first: FastAPI tries routes in order, at a
# cost for each route tried, and students registering for a popular workshop should not wait
# behind every other area's routes. No path of one area matches another area's route
# (tests/api/test_route_order.py), so the order decides speed, never which route answers.
ROUTERS: tuple[APIRouter, ...] = (
    portal.router,
    certificates.router,
    surveys.router,
    calendar.router,
    core.router,
    tenants.router,
    mailings.router,
    team.router,
    tokens.router,
    audit.router,
    procedures.router,
    meetings.router,
    procedure_versions.router,
    company.router,
    needs.router,
    partners.router,
    sourcing_days.router,
    offers.router,
    pipeline.router,
    plans.router,
    statistics.router,
    reports.router,
    assessments.router,
    evaluations.router,
    channels.router,
    communications.router,
    performance.router,
    reference_models.router,
    benchmark.router,
)
