"""The weekly cut-off of the statistics and where reports go (P24.2, INC-11), set per centre.

"Entries before Thursday for the Friday meeting": both weekdays are the centre's choice (0 is
Monday). The cut-off falls at 00:00, in the centre's time zone, of its weekday in the week
after the activity's week; the meeting cannot come before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel import Session, select

from integrations.db import tenant_session, transaction
from integrations.errors import Invalid
from integrations.validation import parse
from tenants.auth.services import clean_email
from tenants.core.actor import Actor, require
from tenants.core.roles import Perm
from tenants.core.services import audit
from workflows.reporting.models import ReportingSettings

DEFAULT_CUTOFF_WEEKDAY = 3  # Thursday
DEFAULT_MEETING_WEEKDAY = 4  # Friday
MAX_RECIPIENTS = 20


@dataclass(frozen=True)
class ReportingSettingsView:
    cutoff_weekday: int
    meeting_weekday: int
    host_recipients: tuple[str, ...]


class ReportingSettingsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cutoff_weekday: int = Field(DEFAULT_CUTOFF_WEEKDAY)
    meeting_weekday: int = Field(DEFAULT_MEETING_WEEKDAY)
    host_recipients: list[str] = Field(default_factory=list)

    @field_validator("cutoff_weekday", "meeting_weekday", mode="before")
    @classmethod
    def _weekday(cls, v: object) -> int:
        if isinstance(v, bool) or not isinstance(v, int | str):
            raise ValueError("invalid_weekday:a weekday is a number from 0 (Monday) to 6 (Sunday)")
        try:
            n = int(v)
        except ValueError:
            raise ValueError("invalid_weekday:a weekday is a number from 0 (Monday) to 6 (Sunday)") from None
        if not 0 <= n <= 6:
            raise ValueError("invalid_weekday:a weekday is a number from 0 (Monday) to 6 (Sunday)")
        return n

    @field_validator("host_recipients", mode="before")
    @classmethod
    def _recipients(cls, v: object) -> list[str]:
        if isinstance(v, str):
            v = [x for x in v.replace(";", ",").replace("\n", ",").split(",")]
        if not isinstance(v, list | tuple):
            raise ValueError("invalid_email:give e-mail addresses")
        out: list[str] = []
        for item in v:
            if not isinstance(item, str):
                raise ValueError("invalid_email:give e-mail addresses")
            if not item.strip():
                continue
            try:
                email = clean_email(item)
            except Invalid:
                raise ValueError(f"invalid_email:not an e-mail address: {item.strip()[:80]}") from None
            if email not in out:
                out.append(email)
        if len(out) > MAX_RECIPIENTS:
            raise ValueError(f"too_many_recipients:at most {MAX_RECIPIENTS} addresses")
        return out

    @model_validator(mode="after")
    def _order(self) -> ReportingSettingsInput:
        if self.cutoff_weekday > self.meeting_weekday:
            raise ValueError("cutoff_after_meeting:the cut-off comes before the meeting it prepares")
        return self


def settings_row(s: Session, tenant_id: int) -> ReportingSettings:
    """The centre's settings, or the defaults (not saved) when it never set them."""
    row = s.exec(select(ReportingSettings).where(ReportingSettings.tenant_id == tenant_id)).first()
    return row or ReportingSettings(tenant_id=tenant_id, cutoff_weekday=DEFAULT_CUTOFF_WEEKDAY,
                                    meeting_weekday=DEFAULT_MEETING_WEEKDAY, host_recipients=[])


def _view(row: ReportingSettings) -> ReportingSettingsView:
    return ReportingSettingsView(row.cutoff_weekday, row.meeting_weekday, tuple(row.host_recipients or ()))


def get_reporting_settings(actor: Actor, tenant_id: int) -> ReportingSettingsView:
    require(actor, Perm.STATS_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _view(settings_row(s, tenant_id))


def do_update_reporting_settings(actor: Actor, tenant_id: int,
                                 data: dict | ReportingSettingsInput) -> ReportingSettingsView:
    """The manager sets the cut-off, the meeting day and the host institution's addresses."""
    require(actor, Perm.TENANT_SETTINGS, tenant_id=tenant_id)
    inp = parse(ReportingSettingsInput, data)
    with tenant_session(tenant_id) as s, transaction(s):
        row = s.exec(select(ReportingSettings).where(ReportingSettings.tenant_id == tenant_id)
                     .with_for_update()).first()
        if row is None:
            row = ReportingSettings(tenant_id=tenant_id)
        before = _view(row) if row.id else None
        row.cutoff_weekday, row.meeting_weekday = inp.cutoff_weekday, inp.meeting_weekday
        row.host_recipients = list(inp.host_recipients)
        s.add(row)
        s.flush()
        audit(s, actor, "reporting_settings.updated", tenant_id=tenant_id, target_type="reporting_settings",
              target_id=row.id, cutoff_weekday=row.cutoff_weekday, meeting_weekday=row.meeting_weekday,
              recipients=len(row.host_recipients),
              before=None if before is None else [before.cutoff_weekday, before.meeting_weekday])
        return _view(row)
