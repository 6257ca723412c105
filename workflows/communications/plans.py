"""The communication plan (P29): for a week, a month or several months, what the centre will
communicate about the activities planned in its calendar.

    draft --propose--> proposed --validate--> validated --send--> sent --fold--> folded
      ^                   |
      +-----return--------+   (an edit of a proposed plan also brings it back to draft)

The communication counselor (any holder of COMM_MANAGE, as for items) builds it from the
calendar and writes each entry's message and channels; the manager (COMM_APPROVE) validates
it, sends it to the host institution's approvers and focal points (e-mail through the outbox)
and folds it into the weekly action plan. The weekly plan (M32) is drawn by the calendar
floor, which cannot read this one: this module registers a section with it
(`register_plan_section`), so the planning of a week or a month, on screen, in PDF and in
XLSX, lists the entries of every validated plan (sent or folded too) in its period; the weekly
coordination meeting's record lists those of the coming week (`entries_for_week`). Two plans
of one centre never cover the same day.
"""

from __future__ import annotations

import calendar as cal
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from integrations import outbox
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import clean_text
from tenants.calendar.models import Event
from tenants.calendar.planning import PlanSection, day_label, register_plan_section
from tenants.calendar.services import HOST_VALIDATED, PROPOSED, PUBLISHED, tenant_zone
from tenants.calendar.services import VALIDATED as EVENT_VALIDATED
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from workflows.communications.channels import ChannelStatus, SocialChannel
from workflows.communications.items import COMMUNICATED_TYPES, EMAIL, clean_channels
from workflows.communications.models import CommItem, CommPlan, PlanState

KINDS = ("week", "month", "months")
MAX_MONTHS = 12
MESSAGE_MAX, NOTE_MAX, TITLE_MAX, COMMENT_MAX = 2000, 4000, 200, 2000
PLANNED_STATUSES = (PROPOSED, EVENT_VALIDATED, HOST_VALIDATED, PUBLISHED)
DRAFT, PROPOSED_, VALIDATED, SENT, FOLDED = (PlanState.DRAFT.value, PlanState.PROPOSED.value,
                                             PlanState.VALIDATED.value, PlanState.SENT.value, PlanState.FOLDED.value)
STATES = tuple(s.value for s in PlanState)
APPROVED = (VALIDATED, SENT, FOLDED)
HOST_ROLES = (Role.HOST_APPROVER.value, Role.HOST_FOCAL_POINT.value)


@dataclass(frozen=True)
class PlanView:
    id: int
    title: str
    period_kind: str
    period_start: date
    period_end: date
    state: str
    entries: list[dict]
    note: str
    validated_at: datetime | None
    sent_at: datetime | None
    folded_at: datetime | None
    created_at: datetime
    updated_at: datetime


def _view(p: CommPlan) -> PlanView:
    return PlanView(p.id, p.title, p.period_kind, p.period_start, p.period_end, p.state,
                    [dict(e) for e in p.entries or []], p.note, p.validated_at, p.sent_at, p.folded_at,
                    p.created_at, p.updated_at)


def _int_id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise NotFound("no such plan", code="comm_plan_not_found")
    return value


def _load(s: Session, plan_id: Any, *, lock: bool = False) -> CommPlan:
    qy = select(CommPlan).where(CommPlan.id == _int_id(plan_id))
    if lock:
        qy = qy.with_for_update().execution_options(populate_existing=True)
    p = s.exec(qy).first()
    if p is None:
        raise NotFound("no such plan", code="comm_plan_not_found")
    return p


def _day(value: Any, name: str) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{name}: a day", code="comm_plan_bad_period") from None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Invalid(f"{name}: a day", code="comm_plan_bad_period")
    return value


def _month_end(d: date) -> date:
    return d.replace(day=cal.monthrange(d.year, d.month)[1])


def check_period(kind: Any, start: Any, end: Any) -> tuple[str, date, date]:
    """A week is Monday to Sunday; a month its first to its last day; several months, from the
    first day of one to the last day of another, at most a year."""
    if kind not in KINDS:
        raise Invalid("the period is a week, a month or several months", code="comm_plan_bad_period")
    start, end = _day(start, "start"), _day(end, "end")
    if end < start:
        raise Invalid("the period ends before it starts", code="comm_plan_bad_period")
    if kind == "week":
        if start.weekday() != 0 or end != start + timedelta(days=6):
            raise Invalid("a week runs from Monday to Sunday", code="comm_plan_bad_period")
    else:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if start.day != 1 or end != _month_end(end):
            raise Invalid("a month runs from its first to its last day", code="comm_plan_bad_period")
        if (kind == "month" and months != 1) or (kind == "months" and not 2 <= months <= MAX_MONTHS):
            raise Invalid("one month, or from 2 to 12 months", code="comm_plan_bad_period")
    return kind, start, end


def _events(s: Session, start: date, end: date, zone) -> list[Event]:  # noqa: ANN001
    since = datetime.combine(start, time(0), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    return list(s.exec(select(Event).where(Event.starts_at >= since, Event.starts_at < until,
                                           Event.type.in_(COMMUNICATED_TYPES), Event.status.in_(PLANNED_STATUSES))
                       .order_by(Event.starts_at, Event.id)).all())


def _suggested(e: Event, social: list[str]) -> list[str]:
    """Every connected social account; e-mail too when students register for the activity."""
    kind = ACTIVITY_TYPES.get(e.type)
    return [*social, EMAIL] if kind and kind.registration else list(social)


def _build(s: Session, start: date, end: date, zone, keep: dict[int, dict] | None = None) -> list[dict]:  # noqa: ANN001
    keep = keep or {}
    social = [str(i) for i in s.exec(select(SocialChannel.id).where(
        SocialChannel.status == ChannelStatus.CONNECTED.value).order_by(SocialChannel.id)).all()]
    events = _events(s, start, end, zone)
    items = {}
    if events:
        for iid, eid in s.exec(select(CommItem.id, CommItem.event_id).where(
                CommItem.event_id.in_([e.id for e in events])).order_by(CommItem.id)).all():
            items.setdefault(eid, iid)
    out = []
    for e in events:
        old = keep.get(e.id, {})
        out.append({"event_id": e.id, "title": e.title, "type": e.type,
                    "date": e.starts_at.astimezone(zone).date().isoformat(),
                    "channels": list(old.get("channels", _suggested(e, social))),
                    "message": old.get("message", ""), "item_id": items.get(e.id)})
    return out


def _text(value: Any, max_len: int, code: str, *, required: bool = False) -> str:
    return clean_text(value, max_len, code=code, required=required, multiline=True, keep="\n\r\t")


def _title(kind: str, start: date, end: date) -> str:
    if kind == "week":
        return f"Plan de communication — semaine du {start:%d/%m/%Y}"
    if kind == "month":
        return f"Plan de communication — {start:%m/%Y}"
    return f"Plan de communication — {start:%m/%Y} à {end:%m/%Y}"


# ---------------------------------------------------------------- reading

def list_plans(actor: Actor, tenant_id: int, *, state: Any = None) -> list[PlanView]:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    if state not in (None, "", *STATES):
        raise Invalid("unknown filter", code="invalid_filter")
    with tenant_session(tenant_id) as s:
        qy = select(CommPlan).order_by(CommPlan.period_start.desc(), CommPlan.id.desc())
        if state:
            qy = qy.where(CommPlan.state == state)
        return [_view(p) for p in s.exec(qy).all()]


def get_plan(actor: Actor, tenant_id: int, plan_id: Any) -> PlanView:
    require(actor, Perm.COMM_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _view(_load(s, plan_id))


def entries_between(s: Session, first: date, last: date) -> list[dict]:
    """The entries dated from `first` to `last` (inclusive) in the validated plans (sent or
    folded too), each with its plan's id, title and state, in date order."""
    plans = s.exec(select(CommPlan).where(CommPlan.state.in_(APPROVED), CommPlan.period_start <= last,
                                          CommPlan.period_end >= first).order_by(CommPlan.period_start)).all()
    out = []
    for p in plans:
        for e in p.entries or []:
            if first.isoformat() <= str(e.get("date", "")) <= last.isoformat():
                out.append({**e, "plan_id": p.id, "plan_title": p.title, "plan_state": p.state})
    return sorted(out, key=lambda e: (e.get("date", ""), e.get("event_id") or 0))


def entries_for_week(s: Session, monday: date) -> list[dict]:
    """What the weekly coordination meeting sees of the communication plan for the coming week."""
    return entries_between(s, monday, monday + timedelta(days=6))


@register_plan_section
def planning_section(actor: Actor, s: Session, tenant_id: int, first: date, last: date,
                     lang: str) -> PlanSection | None:
    """The communication plan folded into the M32 planning. Interns, ambassadors and the host
    institution see the calendar but not the centre's communication plans: left out for them."""
    if not actor.can(Perm.COMM_VIEW):
        return None
    entries = entries_between(s, first, last)
    if not entries:
        return None
    names = {str(i): n for i, n in s.exec(select(SocialChannel.id, SocialChannel.display_name)).all()}
    names[EMAIL] = t("planning.comm.email", lang)
    rows = []
    for e in entries:
        state = t(f"ui.comm.plan_state.{e['plan_state']}", lang)
        rows.append((day_label(date.fromisoformat(e["date"]), lang), str(e.get("title", "")),
                     str(e.get("message", "")), ", ".join(names.get(str(c), str(c)) for c in e.get("channels") or []),
                     f"{e['plan_title']} ({state})"))
    return PlanSection(
        key="communication", title=t("planning.comm.title", lang),
        columns=((t("planning.col.date", lang), 1.25), (t("planning.col.activity", lang), 2.6),
                 (t("planning.comm.col.message", lang), 3.6), (t("planning.comm.col.channels", lang), 1.8),
                 (t("planning.comm.col.plan", lang), 2.4)),
        rows=tuple(rows), widths=(14, 40, 60, 26, 40))


# ---------------------------------------------------------------- drafting

def do_create_plan(actor: Actor, tenant_id: int, period_kind: Any, start: Any, end: Any, *,
                   title: Any = None) -> PlanView:
    """Build the plan of a period from the activities planned in the calendar then (proposed,
    validated, host-validated or published), each with its suggested channels."""
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    kind, start, end = check_period(period_kind, start, end)
    label = _text(title, TITLE_MAX, "comm_plan_bad_title").replace("\n", " ") or _title(kind, start, end)
    with tenant_session(tenant_id) as s, transaction(s):
        # one creation at a time per centre, so two overlapping plans cannot both pass the check
        s.exec(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update()).first()
        other = s.exec(select(CommPlan).where(CommPlan.period_start <= end, CommPlan.period_end >= start)).first()
        if other is not None:
            raise Conflict("another plan covers part of this period", code="comm_plan_overlap", plan_id=other.id)
        zone = tenant_zone(s, tenant_id)
        p = CommPlan(tenant_id=tenant_id, title=label, period_kind=kind, period_start=start, period_end=end,
                     state=DRAFT, entries=_build(s, start, end, zone), created_by_membership_id=actor.membership_id)
        s.add(p)
        s.flush()
        audit(s, actor, "comm_plan.created", tenant_id=tenant_id, target_type="comm_plan", target_id=p.id,
              period_kind=kind, start=start.isoformat(), end=end.isoformat(), entries=len(p.entries))
        return _view(p)


def _editable(actor: Actor, s: Session, p: CommPlan, tenant_id: int) -> None:
    if p.state not in (DRAFT, PROPOSED_):
        raise Conflict("a validated plan is no longer edited", code="comm_plan_wrong_state", state=p.state)
    if p.state == PROPOSED_:  # the manager would validate something else than what they read
        p.state = DRAFT
        audit(s, actor, "comm_plan.reopened", tenant_id=tenant_id, target_type="comm_plan", target_id=p.id)


def do_update_plan(actor: Actor, tenant_id: int, plan_id: Any, *, entries: Any = None, note: Any = None,
                   title: Any = None) -> PlanView:
    """Edit the entries' messages and channels ([{event_id, message, channels}], only the
    entries given), the note and the title."""
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        p = _load(s, plan_id, lock=True)
        _editable(actor, s, p, tenant_id)
        if entries is not None:
            if not isinstance(entries, list) or len(entries) > 500:
                raise Invalid("entries: a list", code="comm_plan_bad_entry")
            current = {e["event_id"]: dict(e) for e in p.entries or []}
            for x in entries:
                if not isinstance(x, dict) or not set(x) <= {"event_id", "message", "channels"} \
                        or x.get("event_id") not in current:
                    raise Invalid("not an entry of this plan", code="comm_plan_bad_entry")
                e = current[x["event_id"]]
                if "message" in x:
                    e["message"] = _text(x["message"], MESSAGE_MAX, "comm_plan_bad_entry")
                if "channels" in x:
                    e["channels"] = clean_channels(s, x["channels"])
            p.entries = [current[e["event_id"]] for e in p.entries or []]
        if note is not None:
            p.note = _text(note, NOTE_MAX, "comm_plan_bad_note")
        if title is not None:
            p.title = _text(title, TITLE_MAX, "comm_plan_bad_title", required=True).replace("\n", " ")
        p.updated_at = utcnow()
        s.add(p)
        audit(s, actor, "comm_plan.updated", tenant_id=tenant_id, target_type="comm_plan", target_id=p.id)
        s.flush()
        return _view(p)


def do_refresh_plan(actor: Actor, tenant_id: int, plan_id: Any) -> PlanView:
    """Read the calendar again (activities added, moved or cancelled since), keeping the
    messages and channels written for the activities still there."""
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        p = _load(s, plan_id, lock=True)
        _editable(actor, s, p, tenant_id)
        keep = {e["event_id"]: e for e in p.entries or []}
        p.entries = _build(s, p.period_start, p.period_end, tenant_zone(s, tenant_id), keep)
        p.updated_at = utcnow()
        s.add(p)
        audit(s, actor, "comm_plan.refreshed", tenant_id=tenant_id, target_type="comm_plan", target_id=p.id,
              entries=len(p.entries))
        s.flush()
        return _view(p)


def do_delete_plan(actor: Actor, tenant_id: int, plan_id: Any) -> None:
    require(actor, Perm.COMM_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        p = _load(s, plan_id, lock=True)
        if p.state != DRAFT:
            raise Conflict("only a draft plan can be deleted", code="comm_plan_wrong_state", state=p.state)
        if s.exec(select(CommItem.id).where(CommItem.plan_id == p.id)).first() is not None:
            raise Conflict("items refer to this plan", code="comm_plan_in_use")
        audit(s, actor, "comm_plan.deleted", tenant_id=tenant_id, target_type="comm_plan", target_id=p.id)
        s.delete(p)


# ---------------------------------------------------------------- approval and sending

def _move(actor: Actor, tenant_id: int, plan_id: Any, perm: Perm, frm: str, to: str, action: str,
          change=None, **details: Any) -> PlanView:  # noqa: ANN001
    require(actor, perm, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        p = _load(s, plan_id, lock=True)
        if p.state != frm:
            raise Conflict(f"the plan is {p.state}", code="comm_plan_wrong_state", state=p.state)
        if change is not None:
            change(s, p)
        p.state, p.updated_at = to, utcnow()
        s.add(p)
        audit(s, actor, action, tenant_id=tenant_id, target_type="comm_plan", target_id=p.id, **details)
        s.flush()
        return _view(p)


def do_propose_plan(actor: Actor, tenant_id: int, plan_id: Any) -> PlanView:
    def change(s: Session, p: CommPlan) -> None:
        if not p.entries:
            raise Invalid("no activity in this plan", code="comm_plan_empty")
    return _move(actor, tenant_id, plan_id, Perm.COMM_MANAGE, DRAFT, PROPOSED_, "comm_plan.proposed", change)


def do_return_plan(actor: Actor, tenant_id: int, plan_id: Any, comment: Any) -> PlanView:
    text = _text(comment, COMMENT_MAX, "comm_comment_required", required=True)
    return _move(actor, tenant_id, plan_id, Perm.COMM_APPROVE, PROPOSED_, DRAFT, "comm_plan.returned",
                 comment=text)


def do_validate_plan(actor: Actor, tenant_id: int, plan_id: Any) -> PlanView:
    def change(s: Session, p: CommPlan) -> None:
        p.validated_by_account_id, p.validated_at = actor.account_id, utcnow()
    return _move(actor, tenant_id, plan_id, Perm.COMM_APPROVE, PROPOSED_, VALIDATED, "comm_plan.validated", change)


def _lines(p: CommPlan) -> str:
    rows = []
    for e in p.entries or []:
        day = date.fromisoformat(e["date"]).strftime("%d/%m/%Y") if e.get("date") else ""
        chans = ", ".join(e.get("channels") or []) or "—"
        rows.append(f"- {day} {e.get('title', '')} [{chans}]" + (f": {e['message']}" if e.get("message") else ""))
    return "\n".join(rows)


def do_send_plan(actor: Actor, tenant_id: int, plan_id: Any) -> PlanView:
    """Send the validated plan to the host institution's approvers and focal points (P29.3)."""
    base = get_settings().base_url

    def change(s: Session, p: CommPlan) -> None:
        tenant = s.get(Tenant, tenant_id)
        rows = s.exec(select(Membership.id, Membership.roles, Account).join(Account, Account.id == Membership.account_id)
                      .where(Membership.active.is_(True), Account.active.is_(True))).all()
        host = [(mid, acc) for mid, roles, acc in rows if set(roles or ()) & set(HOST_ROLES)]
        if not host:
            raise Conflict("the host institution has no approver or focal point to send it to",
                           code="comm_plan_no_host_recipient")
        for mid, acc in host:
            lang = acc.locale or tenant.locale or "fr"
            values = {"name": acc.full_name, "plan": p.title, "tenant": tenant.name, "entries": _lines(p),
                      "start": p.period_start.strftime("%d/%m/%Y"), "end": p.period_end.strftime("%d/%m/%Y"),
                      "note": p.note or "—", "link": f"{base}/host"}
            outbox.enqueue(s, EMAIL_KIND, {"to": acc.email, "subject": t("mail.comm_plan.subject", lang, **values),
                                           "text": t("mail.comm_plan.body", lang, **values)},
                           key=f"comm-plan-sent:{p.id}:{mid}", tenant_id=tenant_id)
        p.sent_at = utcnow()
    return _move(actor, tenant_id, plan_id, Perm.COMM_APPROVE, VALIDATED, SENT, "comm_plan.sent", change)


def do_fold_plan(actor: Actor, tenant_id: int, plan_id: Any) -> PlanView:
    """Fold the sent plan into the weekly action plan (P29.4): its entries are listed on each
    weekly coordination meeting's record for the coming week."""
    def change(s: Session, p: CommPlan) -> None:
        p.folded_at = utcnow()
    return _move(actor, tenant_id, plan_id, Perm.COMM_APPROVE, SENT, FOLDED, "comm_plan.folded", change)
