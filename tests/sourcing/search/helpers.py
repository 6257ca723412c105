"""Builders of the sourcing search and pipeline tests: students with real profiles, made
through the profile services (so the search index hook runs as in the product)."""

from __future__ import annotations

from integrations.db import tenant_session
from tenants.portal.profiles import services as prof
from tenants.portal.profiles.models import Establishment, StudyField
from tests.conftest import Person, World, create_person


def make_field(w: World, name: str, *, sector: str = "", tracks: list[str] | None = None) -> int:
    with tenant_session(w.tenant_id) as s:
        f = StudyField(tenant_id=w.tenant_id, name=name, sector=sector, tracks=tracks or [])
        s.add(f)
        s.commit()
        return f.id


def make_establishment(w: World, name: str) -> int:
    with tenant_session(w.tenant_id) as s:
        e = Establishment(tenant_id=w.tenant_id, name=name)
        s.add(e)
        s.commit()
        return e.id


def make_student(w: World, key: str, name: str, *, consent: bool | None = True, **profile) -> Person:
    """A student of the world's centre with a profile (full_name = name) and, unless
    consent is None, a consent record (granted or not)."""
    p = create_person(f"{key}@{w.slug}.test", tenant_id=w.tenant_id, roles=["student"], name=name)
    prof.do_update_my_profile(p.actor, w.tenant_id, {"full_name": name, **profile})
    if consent is not None:
        prof.do_set_consent(p.actor, w.tenant_id, granted=consent)
    return p
