"""The portal's rules that each centre sets for itself."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args


class PortalSettings(TenantOwned, table=True):
    __tablename__ = "portal_settings"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id"))

    id: int | None = Field(default=None, primary_key=True)
    # individual sessions (P07)
    auto_confirm_sessions: bool = False
    session_minutes: int = 45
    cancellation_cutoff_hours: int = 24
    no_show_limit: int = 3
    no_show_suspension_days: int = 30
    # registrations (P08): hours a promoted student has to confirm a freed seat
    waitlist_hold_hours: int = 24
    # CV upload
    cv_max_bytes: int = 5 * 1024 * 1024
