"""The team's meetings (issue 6 §4, P03): the weekly coordination, monthly management and
semester meetings keep a record.

Opening a meeting's record gathers what the team has before it: the statistics of the period
(weekly: the 7 days before; monthly: the previous month; semester: the semester), and each
member's progress — the procedure tasks they completed in the period and those overdue. (The
weekly individual progress report document itself comes with issue 9; until then the engine's
tables stand for it.) The agenda is live: the open procedure tasks whose step is reviewed in
that kind of meeting, across every running instance. The team writes the minutes while the
meeting is open; a decision taken there completes the step (the engine's
decide_step_in_meeting). Closing e-mails the minutes to the team and, for the weekly meeting,
the next week's plan (M32, a PDF) to the team and the host institution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND, attachment
from integrations.settings import get_settings
from tenants.calendar.models import AcademicYear, Event, Semester
from tenants.calendar.planning import export_planning_pdf
from tenants.calendar.services import CANCELLED as EVENT_CANCELLED
from tenants.calendar.services import CLOSED as EVENT_CLOSED
from tenants.calendar.services import HELD as EVENT_HELD
from tenants.calendar.services import tenant_zone
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm, Role
from tenants.core.services import audit
from tenants.portal.registrations.models import ATTENDED, NO_SHOW, SEAT_STATUSES, Registration
from tenants.portal.sessions.models import DONE as SESSION_DONE
from tenants.portal.sessions.models import NO_SHOW as SESSION_NO_SHOW
from tenants.portal.sessions.models import SessionBooking
from tenants.portal.visits.models import Visit
from workflows.communications import items as comm_items
from workflows.communications import plans as comm_plans
from workflows.meetings.models import CLOSED, MEETING_KINDS, OPEN, MeetingItem, MeetingRecord
from workflows.procedures import queries as q
from workflows.procedures import services as engine
from workflows.procedures.models import (
    DONE,
    REVIEW,
    RUNNING,
    ProcedureInstance,
    ProcedureTask,
    ProcedureVersion,
)
from workflows.reporting.reports import reports_before_meeting

WHENS = ("upcoming", "past")
MINUTES_MAX = 50_000
MAX_PER_PAGE = 100
TEAM_ROLES = (Role.MANAGER.value, Role.CAREER_COUNSELOR.value, Role.BUSINESS_DEVELOPER.value,
              Role.AMBASSADOR.value, Role.INTERN.value)
HOST_ROLES = (Role.HOST_APPROVER.value, Role.HOST_FOCAL_POINT.value)
WEEKLY = "weekly_coordination_meeting"


@dataclass(frozen=True)
class MeetingSummary:
    event_id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    event_status: str
    meeting_id: int | None  # its record, once opened
    status: str  # "" (no record yet), open, closed


@dataclass(frozen=True)
class MeetingPage:
    items: list[MeetingSummary]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class AgendaItem:
    """One step to review: `task_id` stands for every open task of that step in the instance."""

    task_id: int
    step_n: int
    title: str
    kind: str
    roles: list[str]
    due_at: datetime | None
    overdue: bool
    branches: list[tuple[str, str]]  # (key, label); none: a plain task, marked done


@dataclass(frozen=True)
class AgendaGroup:
    instance_id: int
    instance_title: str
    code: str
    items: list[AgendaItem]


@dataclass(frozen=True)
class DecidedItem:
    task_id: int
    instance_title: str
    step_n: int
    title: str
    outcome: str
    note: str
    decided_at: datetime
    decided_by_name: str


@dataclass(frozen=True)
class MeetingDetail:
    id: int
    event_id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    status: str
    minutes: str
    snapshot: dict
    opened_at: datetime
    closed_at: datetime | None
    plan_sent_at: datetime | None
    agenda: list[AgendaGroup] = field(default_factory=list)
    decided: list[DecidedItem] = field(default_factory=list)
    # weekly: communication items to validate / validated here (P30.3), and the communication
    # plan's entries of the coming week (P29.4)
    communications: dict = field(default_factory=dict)


def _int_id(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise NotFound(f"no such {what}")
    return value


# ---------------------------------------------------------------- listing

def list_meetings(actor: Actor, tenant_id: int, *, kind: str | None = None, when: str = "upcoming", page: int = 1,
                  per_page: int = 25, now: datetime | None = None) -> MeetingPage:
    """The team's meetings in the calendar (not cancelled), upcoming soonest first or past
    latest first, with their record's status."""
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    if kind not in (None, "", *MEETING_KINDS) or when not in WHENS:
        raise Invalid("unknown meeting filter", code="invalid_filter")
    page = page if isinstance(page, int) and not isinstance(page, bool) and page >= 1 else 1
    per_page = per_page if isinstance(per_page, int) and not isinstance(per_page, bool) else 25
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    now = now or utcnow()
    where = [Event.type.in_([kind] if kind else MEETING_KINDS), Event.status != EVENT_CANCELLED,
             Event.ends_at >= now if when == "upcoming" else Event.ends_at < now]
    order = (Event.starts_at, Event.id) if when == "upcoming" else (Event.starts_at.desc(), Event.id.desc())
    with tenant_session(tenant_id) as s:
        total = s.exec(select(func.count()).select_from(Event).where(*where)).one()
        rows = s.exec(select(Event, MeetingRecord.id, MeetingRecord.status)
                      .outerjoin(MeetingRecord, and_(MeetingRecord.tenant_id == Event.tenant_id,
                                                     MeetingRecord.event_id == Event.id))
                      .where(*where).order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
        items = [MeetingSummary(e.id, e.title, e.type, e.starts_at, e.ends_at, e.status, mid, status or "")
                 for e, mid, status in rows]
    return MeetingPage(items, int(total or 0), page, per_page)


# ---------------------------------------------------------------- opening

def _period(s: Session, kind: str, e: Event, zone) -> tuple[datetime, datetime]:  # noqa: ANN001
    """What the meeting looks back on: the 7 days before it (weekly), the previous month
    (monthly), the semester it falls in (semester; the last 6 months when none is set), the
    academic year it closes (annual closing; the last 12 months when none is set)."""
    day = e.starts_at.astimezone(zone).date()
    if kind == "annual_closing_meeting":
        year = s.exec(select(AcademicYear).where(AcademicYear.starts_on <= day)
                      .order_by(AcademicYear.starts_on.desc())).first()
        if year is not None:
            return _local(year.starts_on, zone), min(e.starts_at, _local(year.ends_on + timedelta(days=1), zone))
        return e.starts_at - timedelta(days=365), e.starts_at
    if kind == "monthly_management_meeting":
        first = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        return _local(first, zone), _local(day.replace(day=1), zone)
    if kind == "semester_meeting":
        sem = s.exec(select(Semester).where(Semester.starts_on <= day).order_by(Semester.starts_on.desc())).first()
        if sem is not None:
            return _local(sem.starts_on, zone), min(e.starts_at, _local(sem.ends_on + timedelta(days=1), zone))
        return e.starts_at - timedelta(days=182), e.starts_at
    return e.starts_at - timedelta(days=7), e.starts_at


def _local(d: date, zone) -> datetime:  # noqa: ANN001
    return datetime.combine(d, time(0), tzinfo=zone)


def _team(s: Session, roles: tuple[str, ...]) -> list[tuple[q.Member, Account]]:
    members = q.members_holding(s, set(roles))
    if not members:
        return []
    accounts = {mid: acc for mid, acc in s.exec(
        select(Membership.id, Account).join(Account, Account.id == Membership.account_id)
        .where(Membership.id.in_([m.id for m in members]), Account.active.is_(True))).all()}
    return sorted(((m, accounts[m.id]) for m in members if m.id in accounts), key=lambda p: p[1].full_name)


def _drafts_in_review(s: Session) -> list[dict]:
    rows = s.exec(select(ProcedureVersion).where(ProcedureVersion.status == REVIEW)
                  .order_by(ProcedureVersion.code, ProcedureVersion.version)).all()
    return [{"code": v.code, "version": v.version, "title": (v.definition or {}).get("title_fr", ""),
             "change_note": v.change_note[:300]} for v in rows]


def _snapshot(s: Session, kind: str, e: Event, zone) -> dict:  # noqa: ANN001
    since, until = _period(s, kind, e, zone)
    rng_visit = (Visit.at >= since, Visit.at < until)
    by_channel = dict(s.exec(select(Visit.channel, func.count()).where(*rng_visit).group_by(Visit.channel)).all())
    students = s.exec(select(func.count(func.distinct(Visit.student_membership_id))).where(*rng_visit)).one()
    held = (Event.starts_at >= since, Event.starts_at < until, Event.status.in_((EVENT_HELD, EVENT_CLOSED)),
            Event.type.not_in(MEETING_KINDS))
    activities = dict(s.exec(select(Event.type, func.count()).where(*held).group_by(Event.type)).all())
    attendance = s.exec(select(func.coalesce(func.sum(Event.attendance_count), 0)).where(*held)).one()
    reg = dict(s.exec(select(Registration.status, func.count())
                      .join(Event, and_(Event.tenant_id == Registration.tenant_id, Event.id == Registration.event_id))
                      .where(*held, Registration.status.in_(SEAT_STATUSES)).group_by(Registration.status)).all())
    B = SessionBooking
    sessions = dict(s.exec(select(B.status, func.count()).where(B.starts_at >= since, B.starts_at < until,
                                                                  B.status.in_((SESSION_DONE, SESSION_NO_SHOW)))
                           .group_by(B.status)).all())
    # progress per member (the weekly individual report of issue 9 will add its own document)
    T = ProcedureTask
    done_rows = s.exec(select(T.completed_by_membership_id, T.title).where(
        T.status == DONE, T.completed_at >= since, T.completed_at < until,
        T.completed_by_membership_id.is_not(None)).order_by(T.completed_at)).all()
    overdue = list(s.exec(select(T).join(ProcedureInstance, and_(ProcedureInstance.tenant_id == T.tenant_id,
                                                                 ProcedureInstance.id == T.instance_id))
                          .where(T.status == "open", T.due_at.is_not(None), T.due_at < e.starts_at,
                                 ProcedureInstance.status == RUNNING)).all())
    members = []
    team = _team(s, TEAM_ROLES)
    for m, acc in team:
        titles = [title for mid, title in done_rows if mid == m.id]
        late = [x.title for x in overdue if x.assignee_membership_id == m.id
                or (x.assignee_membership_id is None and m.holds(x.role, x.responsibility))]
        members.append({"membership_id": m.id, "name": acc.full_name, "completed": len(titles),
                        "completed_titles": titles[:20], "overdue": len(late), "overdue_titles": late[:20]})
    return {
        "period": {"since": since.isoformat(), "until": until.isoformat()},
        "visits": {"total": sum(by_channel.values()), "students": int(students or 0), "by_channel": by_channel},
        "activities": activities, "activities_total": sum(activities.values()), "attendance": int(attendance or 0),
        "registrations": {"total": sum(reg.values()), "attended": reg.get(ATTENDED, 0), "no_show": reg.get(NO_SHOW, 0)},
        "sessions": {"done": sessions.get(SESSION_DONE, 0), "no_show": sessions.get(SESSION_NO_SHOW, 0)},
        "members": members,
        # P31: the drafts of new procedure versions submitted for the weekly meeting's review
        "procedure_drafts": _drafts_in_review(s) if kind == "weekly_coordination_meeting" else [],
        # the weekly individual reports due the day before (weekly) and the reports to validate
        "reports": reports_before_meeting(s, kind, e.starts_at.astimezone(zone).date(),
                                          [(m.id, acc.full_name) for m, acc in team], zone),
    }


def _meeting_event(s: Session, event_id: Any, *, lock: bool = False) -> Event:
    qy = select(Event).where(Event.id == _int_id(event_id, "meeting"))
    if lock:  # two people opening one meeting at once: one creates the record, the other reads it
        qy = qy.with_for_update()
    e = s.exec(qy).first()
    if e is None or e.type not in MEETING_KINDS:
        raise NotFound("no such meeting")
    return e


def do_open_meeting(actor: Actor, tenant_id: int, event_id: int) -> MeetingDetail:
    """The record of the meeting held as this calendar event: created once, with its snapshot."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        e = _meeting_event(s, event_id, lock=True)
        if e.status == EVENT_CANCELLED:
            raise Conflict("this meeting is cancelled", code="meeting_cancelled")
        rec = s.exec(select(MeetingRecord).where(MeetingRecord.event_id == e.id)).first()
        if rec is None:
            rec = MeetingRecord(tenant_id=tenant_id, event_id=e.id, kind=e.type, status=OPEN,
                                snapshot=_snapshot(s, e.type, e, tenant_zone(s, tenant_id)),
                                opened_by_membership_id=actor.membership_id)
            s.add(rec)
            s.flush()
            audit(s, actor, "meeting.opened", tenant_id=tenant_id, target_type="meeting_record", target_id=rec.id,
                  event_id=e.id, kind=e.type)
        return _detail(s, rec, e)


# ---------------------------------------------------------------- reading

def _agenda(s: Session, kind: str) -> list[AgendaGroup]:
    T = ProcedureTask
    rows = list(s.exec(select(T).join(ProcedureInstance, and_(ProcedureInstance.tenant_id == T.tenant_id,
                                                              ProcedureInstance.id == T.instance_id))
                       .where(T.status == "open", T.meeting == kind, ProcedureInstance.status == RUNNING)
                       .order_by(T.instance_id, T.step_n, T.id)).all())
    if not rows:
        return []
    instances = {i.id: i for i in s.exec(select(ProcedureInstance).where(
        ProcedureInstance.id.in_({x.instance_id for x in rows}))).all()}
    now = utcnow()
    steps: dict[tuple[int, int], list[ProcedureTask]] = {}
    for x in rows:
        steps.setdefault((x.instance_id, x.step_n), []).append(x)
    groups: dict[int, AgendaGroup] = {}
    for (iid, n), xs in steps.items():
        inst = instances[iid]
        st = next((d for d in inst.definition.get("steps", ()) if d.get("n") == n), {})
        branches = [(b["key"], b.get("label_fr") or b.get("label_en", "")) for b in st.get("branches", ())]
        due = min((x.due_at for x in xs if x.due_at), default=None)
        item = AgendaItem(xs[0].id, n, xs[0].title, xs[0].kind, sorted({x.role for x in xs}), due,
                          due is not None and due < now, branches)
        groups.setdefault(iid, AgendaGroup(iid, inst.title, inst.code, [])).items.append(item)
    return list(groups.values())


def _detail(s: Session, rec: MeetingRecord, e: Event) -> MeetingDetail:
    items = list(s.exec(select(MeetingItem).where(MeetingItem.meeting_id == rec.id)
                        .order_by(MeetingItem.decided_at, MeetingItem.id)).all())
    decided = []
    if items:
        tasks = {x.id: x for x in s.exec(select(ProcedureTask).where(
            ProcedureTask.id.in_([i.task_id for i in items]))).all()}
        titles = dict(s.exec(select(ProcedureInstance.id, ProcedureInstance.title).where(
            ProcedureInstance.id.in_({x.instance_id for x in tasks.values()}))).all())
        who = q.names(s, {i.decided_by_membership_id for i in items})
        for i in items:
            x = tasks.get(i.task_id)
            if x is None:
                continue
            decided.append(DecidedItem(i.task_id, titles.get(x.instance_id, ""), x.step_n, x.title, i.outcome,
                                       i.note, i.decided_at, who.get(i.decided_by_membership_id, "")))
    agenda = _agenda(s, rec.kind) if rec.status == OPEN else []
    comms: dict = {}
    if rec.kind == WEEKLY:
        comms = comm_items.meeting_items(s, rec.id, open_=rec.status == OPEN)
        comms["plan_entries"] = comm_plans.entries_for_week(s, _next_monday(e, tenant_zone(s, rec.tenant_id)))
    return MeetingDetail(rec.id, e.id, e.title, rec.kind, e.starts_at, e.ends_at, rec.status, rec.minutes,
                         dict(rec.snapshot or {}), rec.opened_at, rec.closed_at, rec.plan_sent_at, agenda, decided,
                         comms)


def _record(s: Session, meeting_id: Any, *, lock: bool = False) -> tuple[MeetingRecord, Event]:
    qy = select(MeetingRecord).where(MeetingRecord.id == _int_id(meeting_id, "meeting"))
    if lock:
        qy = qy.with_for_update().execution_options(populate_existing=True)
    rec = s.exec(qy).first()
    if rec is None:
        raise NotFound("no such meeting")
    e = s.exec(select(Event).where(Event.id == rec.event_id)).first()
    if e is None:
        raise NotFound("no such meeting")
    return rec, e


def get_meeting(actor: Actor, tenant_id: int, meeting_id: int) -> MeetingDetail:
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        rec, e = _record(s, meeting_id)
        return _detail(s, rec, e)


def meeting_of_event(actor: Actor, tenant_id: int, event_id: int) -> int | None:
    """The record of a meeting event, if opened (the calendar's event sheet links to it)."""
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        e = _meeting_event(s, event_id)
        return s.exec(select(MeetingRecord.id).where(MeetingRecord.event_id == e.id)).first()


# ---------------------------------------------------------------- during the meeting

def _ensure_open(rec: MeetingRecord) -> None:
    if rec.status != OPEN:
        raise Conflict("this meeting is closed", code="meeting_closed")


def do_save_minutes(actor: Actor, tenant_id: int, meeting_id: int, minutes: str) -> MeetingDetail:
    """Any member of the team writes the minutes while the meeting is open."""
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    if not isinstance(minutes, str):
        raise Invalid("minutes: text expected", code="invalid", field="minutes")
    minutes = minutes.strip()
    if len(minutes) > MINUTES_MAX:
        raise Invalid("minutes too long", code="too_long", field="minutes", max=MINUTES_MAX)
    with tenant_session(tenant_id) as s, transaction(s):
        rec, e = _record(s, meeting_id, lock=True)
        _ensure_open(rec)
        rec.minutes = minutes
        s.add(rec)
        audit(s, actor, "meeting.minutes_saved", tenant_id=tenant_id, target_type="meeting_record", target_id=rec.id,
              length=len(minutes))
        s.flush()
        return _detail(s, rec, e)


def do_decide_item(actor: Actor, tenant_id: int, meeting_id: int, task_id: int, *, branch: str | None = None,
                   note: str = "", now: datetime | None = None) -> MeetingDetail:
    """The meeting decides a step on its agenda: every open task of that step is done with the
    outcome chosen (a branch for a decision or review, else done), and the decision is kept."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    if branch is not None and not isinstance(branch, str):
        raise Invalid("branch: text expected", code="unknown_branch")
    with tenant_session(tenant_id) as s, transaction(s):
        rec, e = _record(s, meeting_id, lock=True)
        _ensure_open(rec)
        task, outcome = engine.decide_step_in_meeting(s, actor, task_id, meeting=rec.kind, branch=branch, note=note,
                                                      now=now)
        s.add(MeetingItem(tenant_id=tenant_id, meeting_id=rec.id, task_id=task.id, outcome=outcome,
                          note=task.note, decided_by_membership_id=actor.membership_id))
        audit(s, actor, "meeting.item_decided", tenant_id=tenant_id, target_type="meeting_record", target_id=rec.id,
              task_id=task.id, outcome=outcome)
        s.flush()
        return _detail(s, rec, e)


# ---------------------------------------------------------------- closing

def _next_monday(e: Event, zone) -> date:  # noqa: ANN001
    day = e.starts_at.astimezone(zone).date()
    return day + timedelta(days=7 - day.weekday())


def do_close_meeting(actor: Actor, tenant_id: int, meeting_id: int) -> MeetingDetail:
    """Close the record: the minutes go to the team; after the weekly meeting, the next week's
    plan (M32, PDF) goes to the team and the host institution's approvers and focal points."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:  # read first: the PDFs are drawn outside the write transaction
        rec, e = _record(s, meeting_id)
        _ensure_open(rec)
        zone = tenant_zone(s, tenant_id)
        tenant = s.get(Tenant, tenant_id)
        default_lang = tenant.locale or "fr"
        langs = {acc.locale or default_lang for _m, acc in _team(s, TEAM_ROLES + HOST_ROLES)}
    monday = _next_monday(e, zone)
    plans = {lang: export_planning_pdf(actor, tenant_id, "week", monday, lang) for lang in sorted(langs)} \
        if rec.kind == WEEKLY else {}
    now = utcnow()
    base = get_settings().base_url
    with tenant_session(tenant_id) as s, transaction(s):
        rec, e = _record(s, meeting_id, lock=True)
        _ensure_open(rec)
        rec.status, rec.closed_at, rec.closed_by_membership_id = CLOSED, now, actor.membership_id
        when = e.starts_at.astimezone(zone).strftime("%d/%m/%Y %H:%M")
        team = _team(s, TEAM_ROLES)
        host = [(m, acc) for m, acc in _team(s, HOST_ROLES) if m.id not in {x.id for x, _ in team}]
        for m, acc in team + host:
            lang = acc.locale or default_lang
            is_team = any(m.id == x.id for x, _ in team)
            values = {"name": acc.full_name, "meeting": e.title, "when": when, "tenant": tenant.name,
                      "minutes": rec.minutes or "—", "week": monday.strftime("%d/%m/%Y"),
                      "link": f"{base}/staff/meetings/{rec.id}"}
            kind = "meeting_minutes" if is_team else "meeting_plan"
            payload: dict = {"to": acc.email, "subject": t(f"mail.{kind}.subject", lang, **values),
                             "text": t(f"mail.{kind}.body", lang, **values)}
            if plans:
                payload["attachments"] = [attachment(f"planning-{monday.isoformat()}.pdf", "application/pdf",
                                                     plans.get(lang) or next(iter(plans.values())))]
            elif not is_team:
                continue
            outbox.enqueue(s, EMAIL_KIND, payload, key=f"meeting-closed:{rec.id}:{m.id}", tenant_id=tenant_id)
        if plans:
            rec.plan_sent_at = now
        s.add(rec)
        audit(s, actor, "meeting.closed", tenant_id=tenant_id, target_type="meeting_record", target_id=rec.id,
              kind=rec.kind, plan_sent=bool(plans))
        s.flush()
        return _detail(s, rec, e)
