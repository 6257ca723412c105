"""Read and change a centre's portal settings (defaults until the manager changes them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from integrations.db import tenant_session, transaction
from integrations.validation import parse
from tenants.core.actor import Actor, require
from tenants.core.roles import Perm
from tenants.core.services import audit
from tenants.portal.settings.models import PortalSettings


class PortalSettingsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    auto_confirm_sessions: bool = False
    session_minutes: int = Field(default=45, ge=15, le=240)
    cancellation_cutoff_hours: int = Field(default=24, ge=0, le=24 * 14)
    no_show_limit: int = Field(default=3, ge=1, le=20)
    no_show_suspension_days: int = Field(default=30, ge=1, le=365)
    waitlist_hold_hours: int = Field(default=24, ge=1, le=24 * 7)
    cv_max_bytes: int = Field(default=5 * 1024 * 1024, ge=100 * 1024, le=20 * 1024 * 1024)


def settings_in(s: Session, tenant_id: int) -> PortalSettings:
    """The centre's settings inside an open tenant session; defaults if never saved."""
    row = s.exec(select(PortalSettings).where(PortalSettings.tenant_id == tenant_id)).first()
    return row or PortalSettings(tenant_id=tenant_id)


def get_portal_settings(tenant_id: int) -> PortalSettings:
    with tenant_session(tenant_id) as s:
        return settings_in(s, tenant_id)


def read_portal_settings(actor: Actor, tenant_id: int) -> PortalSettings:
    """The settings as the manager's settings page shows them (whoever may change them)."""
    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    return get_portal_settings(tenant_id)


def do_update_portal_settings(actor: Actor, tenant_id: int, data: dict | PortalSettingsInput) -> PortalSettings:
    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    inp = parse(PortalSettingsInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        row = s.exec(select(PortalSettings).where(PortalSettings.tenant_id == tenant_id)).first()
        if row is None:
            row = PortalSettings(tenant_id=tenant_id)
        for k, v in inp.model_dump().items():
            setattr(row, k, v)
        s.add(row)
        audit(s, actor, "portal.settings_changed", tenant_id=tenant_id, target_type="portal_settings",
              **inp.model_dump())
        return row
