"""The REST areas are included one level deep, the busiest first (cc_network/api/v1). That
order may only change how fast a route is found, never which route answers: no path of one
area may be matched by another area's route for the same method."""

from __future__ import annotations

import re

from fastapi import routing

from cc_network.api import api_app, auth_routes, oidc_routes
from cc_network.api.v1 import PREFIX, ROUTERS, portal

_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


def _routes(router) -> list[tuple[str, set[str]]]:  # noqa: ANN001
    return [(PREFIX + r.path, set(r.methods)) for r in routing.iter_route_contexts(router.routes)
            if getattr(r, "methods", None)]


def _example(template: str) -> str:
    """A concrete path the template matches ("1" fits every parameter, integer or text)."""
    return _PARAM.sub("1", template)


def _pattern(template: str) -> re.Pattern:
    parts = _PARAM.split(template)  # text, name, text, name, ...
    return re.compile("".join(re.escape(p) if i % 2 == 0 else "[^/]+" for i, p in enumerate(parts)))


def test_no_path_of_one_area_is_answered_by_another_area():
    areas = [_routes(router) for router in ROUTERS]
    clashes = [(path, other)
               for i, routes in enumerate(areas) for path, methods in routes
               for j, others in enumerate(areas) if i != j for other, other_methods in others
               if methods & other_methods and _pattern(other).fullmatch(_example(path))]
    assert clashes == []


def test_the_check_sees_a_clash():
    assert _pattern(PREFIX + "/tenants/{tenant}/{thing}").fullmatch(_example(PREFIX + "/tenants/{tenant}/portal"))
    assert not _pattern(PREFIX + "/tenants/{tenant}/team").fullmatch(_example(PREFIX + "/tenants/{tenant}/portal"))


def test_the_areas_are_included_once_one_level_deep_the_portal_first():
    included = [r.original_router for r in api_app.router.routes if hasattr(r, "original_router")]
    assert included == [auth_routes.router, oidc_routes.router, *ROUTERS]
    assert ROUTERS[0] is portal.router
    assert len(set(map(id, ROUTERS))) == len(ROUTERS) and all(not hasattr(r, "original_router")
                                                              for area in ROUTERS for r in area.routes)
    served = {(m, r.path) for r in routing.iter_route_contexts(api_app.routes) for m in (getattr(r, "methods", None) or ())}
    assert {(m, p) for area in ROUTERS for p, ms in _routes(area) for m in ms} <= served
