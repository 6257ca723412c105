"""Builders of the statistics tests: profiles with dimensions, records written directly."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from integrations.db import system_session, tenant_session, transaction
from tenants.portal.profiles.models import Establishment, StudentProfile, StudyField
from workflows.reporting.models import ActivityRecord
from workflows.reporting.statistics import record_activity

CASA = ZoneInfo("Africa/Casablanca")


def dims(world, *, membership_id: int | None = None, establishment: str = "FST Tanger",
         field: str = "Informatique", level: str = "bac+3", gender: str = "female") -> tuple[int, int]:
    """Gives the student (default: the world's student) a profile; returns (establishment, field) ids."""
    mid = membership_id or world.student.membership_id
    with tenant_session(world.tenant_id) as s, transaction(s):
        est = s.exec(select(Establishment).where(Establishment.name == establishment)).first()
        if est is None:
            est = Establishment(tenant_id=world.tenant_id, name=establishment)
            s.add(est)
        fld = s.exec(select(StudyField).where(StudyField.name == field)).first()
        if fld is None:
            fld = StudyField(tenant_id=world.tenant_id, name=field)
            s.add(fld)
        s.flush()
        p = s.exec(select(StudentProfile).where(StudentProfile.membership_id == mid)).first()
        if p is None:
            p = StudentProfile(tenant_id=world.tenant_id, membership_id=mid, qr_code=f"qr-{world.tenant_id}-{mid}")
        p.establishment_id, p.field_id, p.level, p.gender = est.id, fld.id, level, gender
        s.add(p)
        s.flush()
        return est.id, fld.id


def put(world, kind: str, source_id: int, at: datetime, *, recorded_at: datetime | None = None,
        student: int | None = None, counselor: int | None = None, event_type: str = "") -> bool:
    with tenant_session(world.tenant_id) as s, transaction(s):
        return record_activity(s, world.tenant_id, kind, source_id, at, student_membership_id=student,
                               counselor_membership_id=counselor, event_type=event_type, recorded_at=recorded_at)


def records(tenant_id: int | None = None) -> list[ActivityRecord]:
    with system_session("test: read activity records") as s:
        q = select(ActivityRecord).order_by(ActivityRecord.id)
        if tenant_id is not None:
            q = q.where(ActivityRecord.tenant_id == tenant_id)
        return list(s.exec(q).all())
