"""Statistics (T03, P24): one ActivityRecord per counted activity, and the queries on them.

Feeding. The sources announce what happened through tenants.portal.activity (a visit sheet or
kiosk check-in, a check-in on an attendance sheet, a session held, an event held or closed);
the hook registered at the end of this module writes the record in the source's own
transaction. `record_activity` inserts or ignores on (tenant, kind, source_id), on SQLite and
PostgreSQL alike, so a trigger fired twice counts once. The student's establishment, field,
level and gender are copied at that moment: a later profile change or deletion does not
rewrite past figures (the row stays when the student is deleted).

The weekly cut-off (P24.2, INC-11: "entries before Thursday for the Friday meeting"). Our
reading: the figures of week W (Monday to Sunday, in the centre's time zone) are presented at
the meeting of week W+1, so they are due before the cut-off day of week W+1 at 00:00 local
time (Thursday by default). A record reaching the statistics at or after that instant is
`late`: it is counted all the same, and listed so the meeting knows its figures moved.

Roll-ups. ActivityDaily (per local day, kind and activity type, with the late ones) and
ActivityStudentMonth (each student met in a local month) change with every record, in the
same transaction: the year-long dashboards read them (`metric_actuals_rolled`, and the
series in dashboards.py), and give exactly what the records give for any range of whole
local days; a report's figures (`figures_for_period`) and `metric_actuals` read the records.

Periods. `start`/`end` given as dates are the centre's local days, both included (as a
report's period_start/period_end); given as aware datetimes they are the half-open range
[start, end).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import (
    Date,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    tuple_,
    union,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from integrations.csvx import render_csv
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Invalid
from integrations.i18n import t
from integrations.pdf import Column, Document, Table, render_pdf
from integrations.validation import parse
from integrations.xlsx import RTL_LANGS, Sheet, render_xlsx
from tenants.calendar.models import Event
from tenants.calendar.services import tenant_zone
from tenants.calendar.types import activity_type
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership
from tenants.core.roles import Perm
from tenants.portal import activity
from tenants.portal.profiles.models import Establishment, StudentProfile, StudyField
from tenants.portal.registrations.models import ATTENDED, Registration
from tenants.portal.sessions.models import DONE, SessionBooking
from tenants.portal.surveys.models import SurveyAnswer, SurveyResponse
from tenants.portal.visits.models import Visit
from tenants.sourcing.needs.models import JobNeed
from tenants.sourcing.partners.models import Interaction
from workflows.planning.models import Metric
from workflows.reporting.models import (
    ActivityDaily,
    ActivityKind,
    ActivityRecord,
    ActivityStudentMonth,
)
from workflows.reporting.settings import settings_row

AR = ActivityRecord
AD = ActivityDaily
ASM = ActivityStudentMonth
KINDS = tuple(k.value for k in ActivityKind)
# the activity types counted as workshops (P08 and the debate workshops of P09)
WORKSHOP_TYPES = frozenset({"workshop", "debate_workshop"})
# the kinds that meet one student (students served counts their distinct students)
STUDENT_KINDS = (ActivityKind.VISIT.value, ActivityKind.EVENT_VISIT.value, ActivityKind.WORKSHOP_ATTENDANCE.value,
                 ActivityKind.EVENT_ATTENDANCE.value, ActivityKind.INDIVIDUAL_SESSION.value)
ATTENDANCE_KINDS = (ActivityKind.WORKSHOP_ATTENDANCE.value, ActivityKind.EVENT_ATTENDANCE.value)
VISIT_KINDS = (ActivityKind.VISIT.value, ActivityKind.EVENT_VISIT.value)
GROUPS = ("period", "kind", "counselor", "establishment", "field", "level", "gender")
UNITS = ("week", "month")
MAX_RANGE_DAYS = 400
MAX_GROUPS = 3


# ---------------------------------------------------------------- periods and the cut-off

def cutoff_of(at: datetime, zone: ZoneInfo, cutoff_weekday: int) -> datetime:
    """The instant after which an activity at `at` is late: 00:00 local on the cut-off
    weekday of the week after the activity's week (see the module's note)."""
    day = at.astimezone(zone).date()
    monday = day - timedelta(days=day.weekday())
    return datetime.combine(monday + timedelta(days=7 + cutoff_weekday), time(0), tzinfo=zone)


def is_late(at: datetime, recorded_at: datetime, zone: ZoneInfo, cutoff_weekday: int) -> bool:
    return recorded_at >= cutoff_of(at, zone, cutoff_weekday)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def bounds(zone: ZoneInfo, start: date | datetime, end: date | datetime) -> tuple[datetime, datetime]:
    """[from, to) as aware datetimes (dates: local days, both included)."""
    if isinstance(start, datetime) or isinstance(end, datetime):
        if not (isinstance(start, datetime) and isinstance(end, datetime)):
            raise Invalid("give two dates or two times", code="invalid_period")
        if start.tzinfo is None or end.tzinfo is None:
            raise Invalid("the range needs time zone offsets", code="naive_datetime")
        lo, hi = start, end
    elif isinstance(start, date) and isinstance(end, date):
        lo, hi = _local_midnight(start, zone), _local_midnight(end + timedelta(days=1), zone)
    else:
        raise Invalid("give the period's first and last day", code="invalid_period")
    if hi <= lo:
        raise Invalid("the period ends before it starts", code="end_before_start")
    return lo, hi


def _bucket_starts(zone: ZoneInfo, lo: datetime, hi: datetime, unit: str) -> list[date]:
    first = lo.astimezone(zone).date()
    last = (hi - timedelta(microseconds=1)).astimezone(zone).date()
    if unit == "week":
        d = first - timedelta(days=first.weekday())
        out = []
        while d <= last:
            out.append(d)
            d += timedelta(days=7)
        return out
    d = first.replace(day=1)
    out = []
    while d <= last:
        out.append(d)
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def period_expr(s: Session, zone: ZoneInfo, lo: datetime, hi: datetime, unit: str, column=AR.at):  # noqa: ANN001, ANN201
    """A SQL expression giving each row the index of its week or month (local time, the
    boundaries computed here in the centre's zone, so exact across summer time), and a
    function turning that index into the bucket's first day. PostgreSQL finds the bucket by
    binary search (width_bucket over the boundaries: cheaper than converting every row to
    local time); SQLite, which has neither, by nested comparisons doing the same search."""
    if unit not in UNITS:
        raise Invalid("group by week or month", code="invalid_unit")
    starts = _bucket_starts(zone, lo, hi, unit)
    edges = [_local_midnight(d, zone) for d in starts[1:]]

    def label(v: object) -> str:
        return starts[min(max(int(v), 0), len(starts) - 1)].isoformat()

    if not edges:
        return literal(0), label
    if s.get_bind().dialect.name == "postgresql":
        arr = postgresql.array([literal(e, type_=postgresql.TIMESTAMP(timezone=True)) for e in edges])
        return func.width_bucket(column, arr), label
    return _bisect(column, edges, 0, len(edges)), label


def _bisect(column, edges: list[datetime], lo: int, hi: int):  # noqa: ANN001, ANN202
    """The index of `column`'s bucket among lo..hi as nested CASEs halving the range, so a
    row meets log2(buckets) comparisons, not one per bucket (bucket i starts at edges[i-1])."""
    if lo == hi:
        return literal(lo)
    mid = (lo + hi + 1) // 2
    return case((column < edges[mid - 1], _bisect(column, edges, lo, mid - 1)), else_=_bisect(column, edges, mid, hi))


# ---------------------------------------------------------------- feeding

# ---------------------------------------------------------------- the roll-ups
#
# ActivityDaily (per local day, kind and activity type) and ActivityStudentMonth (each student
# met in a local month) follow every insert and delete of ActivityRecord in the same
# transaction, so a year's dashboard reads a few thousand rolled-up rows instead of a million
# records. The increment is one INSERT … ON CONFLICT DO UPDATE (atomic: two check-ins at once
# both count); a decrement reaching 0 deletes the row. `rebuild_rollups` recomputes both from
# the records (after a backfill, or if the centre's time zone changed).

def _month_of(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _upsert_add(s: Session, table, keys: dict, index: list[str], incs: dict) -> None:  # noqa: ANN001
    ins = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = ins(table).values(**keys, **incs)
    s.execute(stmt.on_conflict_do_update(index_elements=index,
                                         set_={c: table.c[c] + stmt.excluded[c] for c in incs}))


def _roll(s: Session, tenant_id: int, zone: ZoneInfo, kind: str, event_type: str, at: datetime, late: bool,
          student: int | None, sign: int) -> None:
    """Add (sign +1) or take away (-1) one record in the roll-ups."""
    day = at.astimezone(zone).date()
    daily_keys = {"tenant_id": tenant_id, "day": day, "kind": kind, "event_type": event_type or ""}
    counts_student = student is not None and kind in STUDENT_KINDS
    student_keys = {"tenant_id": tenant_id, "month": _month_of(day), "student_membership_id": student}
    if sign > 0:
        _upsert_add(s, AD.__table__, daily_keys, ["tenant_id", "day", "kind", "event_type"],
                    {"n": 1, "late_n": 1 if late else 0})
        if counts_student:
            _upsert_add(s, ASM.__table__, student_keys, ["tenant_id", "month", "student_membership_id"], {"n": 1})
        return
    t = AD.__table__
    match = [t.c[k] == v for k, v in daily_keys.items()]
    s.execute(update(t).where(*match).values(n=t.c.n - 1, late_n=t.c.late_n - (1 if late else 0)))
    s.execute(delete(t).where(*match, t.c.n <= 0))
    if counts_student:
        t = ASM.__table__
        match = [t.c[k] == v for k, v in student_keys.items()]
        s.execute(update(t).where(*match).values(n=t.c.n - 1))
        s.execute(delete(t).where(*match, t.c.n <= 0))


def rebuild_rollups(s: Session, tenant_id: int) -> tuple[int, int]:
    """Recompute the tenant's roll-ups from its records, in the caller's transaction
    (idempotent). PostgreSQL: two INSERT … SELECT … GROUP BY in the centre's zone; SQLite,
    which knows no time zones, folds the records here. Returns (daily rows, student-months)."""
    zone = tenant_zone(s, tenant_id)
    s.execute(delete(AD).where(AD.tenant_id == tenant_id))
    s.execute(delete(ASM).where(ASM.tenant_id == tenant_id))
    mine = AR.tenant_id == tenant_id
    served = (mine, AR.kind.in_(STUDENT_KINDS), AR.student_membership_id.is_not(None))
    if s.get_bind().dialect.name == "postgresql":
        local = func.timezone(zone.key, AR.at)
        day, month = cast(local, Date), cast(func.date_trunc("month", local), Date)
        s.execute(insert(AD).from_select(
            ["tenant_id", "day", "kind", "event_type", "n", "late_n"],
            select(AR.tenant_id, day, AR.kind, AR.event_type, func.count(), func.count(case((AR.late, 1))))
            .where(mine).group_by(AR.tenant_id, day, AR.kind, AR.event_type)))
        s.execute(insert(ASM).from_select(
            ["tenant_id", "month", "student_membership_id", "n"],
            select(AR.tenant_id, month, AR.student_membership_id, func.count())
            .where(*served).group_by(AR.tenant_id, month, AR.student_membership_id)))
    else:
        daily: dict[tuple, list[int]] = {}
        months: dict[tuple, int] = {}
        q = select(AR.at, AR.kind, AR.event_type, AR.late, AR.student_membership_id).where(mine)
        for at, kind, event_type, late, student in s.execute(q.execution_options(yield_per=20_000)):
            day = at.astimezone(zone).date()
            c = daily.setdefault((day, kind, event_type or ""), [0, 0])
            c[0] += 1
            c[1] += 1 if late else 0
            if student is not None and kind in STUDENT_KINDS:
                key = (_month_of(day), student)
                months[key] = months.get(key, 0) + 1
        rows = [{"tenant_id": tenant_id, "day": d, "kind": k, "event_type": et, "n": n, "late_n": ln}
                for (d, k, et), (n, ln) in daily.items()]
        for i in range(0, len(rows), 10_000):
            s.execute(insert(AD), rows[i:i + 10_000])
        rows = [{"tenant_id": tenant_id, "month": m, "student_membership_id": st, "n": n}
                for (m, st), n in months.items()]
        for i in range(0, len(rows), 10_000):
            s.execute(insert(ASM), rows[i:i + 10_000])
    n_daily = s.exec(select(func.count()).select_from(AD).where(AD.tenant_id == tenant_id)).one()
    n_months = s.exec(select(func.count()).select_from(ASM).where(ASM.tenant_id == tenant_id)).one()
    return int(n_daily), int(n_months)


def _insert_ignore(s: Session, values: dict) -> bool:
    dialect = s.get_bind().dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = ins(AR.__table__).values(**values).on_conflict_do_nothing(
        index_elements=["tenant_id", "kind", "source_id"]).returning(AR.__table__.c.id)
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT run this way
    return s.execute(stmt).first() is not None


def _profile_dims(s: Session, student_membership_id: int | None) -> dict:
    if student_membership_id is None:
        return {}
    p = s.exec(select(StudentProfile).where(StudentProfile.membership_id == student_membership_id)).first()
    if p is None:
        return {}
    return {"establishment_id": p.establishment_id, "field_id": p.field_id, "level": p.level or "",
            "gender": p.gender or ""}


def record_activity(s: Session, tenant_id: int, kind: str, source_id: int, at: datetime, *,
                    event_id: int | None = None, event_type: str = "", counselor_membership_id: int | None = None,
                    student_membership_id: int | None = None, recorded_at: datetime | None = None) -> bool:
    """Count one activity, in the caller's transaction, and add it to the roll-ups. True when
    it was new; False when it was already counted (the same kind and source)."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    if at.tzinfo is None:
        raise ValueError("naive datetime refused")
    recorded_at = recorded_at or utcnow()
    cfg = settings_row(s, tenant_id)
    zone = tenant_zone(s, tenant_id)
    values = {"tenant_id": tenant_id, "kind": kind, "source_id": source_id, "at": at, "event_id": event_id,
              "event_type": (event_type or "")[:40], "counselor_membership_id": counselor_membership_id,
              "student_membership_id": student_membership_id, "establishment_id": None, "field_id": None,
              "level": "", "gender": "", "recorded_at": recorded_at,
              "late": is_late(at, recorded_at, zone, cfg.cutoff_weekday)}
    values.update(_profile_dims(s, student_membership_id))
    values["level"], values["gender"] = values["level"][:20], values["gender"][:10]
    if not _insert_ignore(s, values):
        return False
    _roll(s, tenant_id, zone, values["kind"], values["event_type"], at, values["late"],
          student_membership_id, +1)
    return True


def feed_visit(s: Session, tenant_id: int, v: Visit, *, recorded_at: datetime | None = None) -> bool:
    event_type = ""
    if v.event_id is not None:
        e = s.get(Event, v.event_id)
        event_type = e.type if e else ""
    kind = ActivityKind.EVENT_VISIT if v.event_id is not None else ActivityKind.VISIT
    return record_activity(s, tenant_id, kind.value, v.id, v.at, event_id=v.event_id, event_type=event_type,
                           counselor_membership_id=v.logged_by_membership_id,
                           student_membership_id=v.student_membership_id, recorded_at=recorded_at)


def feed_attendance(s: Session, tenant_id: int, r: Registration, *, recorded_at: datetime | None = None) -> bool:
    e = s.get(Event, r.event_id)
    if e is None or r.status != ATTENDED:
        return False
    kind = ActivityKind.WORKSHOP_ATTENDANCE if e.type in WORKSHOP_TYPES else ActivityKind.EVENT_ATTENDANCE
    return record_activity(s, tenant_id, kind.value, r.id, r.checked_in_at or e.starts_at, event_id=e.id,
                           event_type=e.type, counselor_membership_id=e.organiser_membership_id,
                           student_membership_id=r.student_membership_id, recorded_at=recorded_at)


def withdraw_attendance(s: Session, tenant_id: int, r: Registration) -> None:
    """A check-in undone (marked absent): the attendance is no longer counted (nor in the
    roll-ups, in the same transaction)."""
    where = (AR.tenant_id == tenant_id, AR.kind.in_(ATTENDANCE_KINDS), AR.source_id == r.id)
    gone = s.exec(select(AR.kind, AR.event_type, AR.at, AR.late, AR.student_membership_id).where(*where)).all()
    if not gone:
        return
    zone = tenant_zone(s, tenant_id)
    for kind, event_type, at, late, student in gone:
        _roll(s, tenant_id, zone, kind, event_type or "", at, late, student, -1)
    s.execute(delete(AR).where(*where))


def feed_session(s: Session, tenant_id: int, b: SessionBooking, *, recorded_at: datetime | None = None) -> bool:
    if b.status != DONE:
        return False
    return record_activity(s, tenant_id, ActivityKind.INDIVIDUAL_SESSION.value, b.id, b.starts_at,
                           event_id=b.event_id, event_type="individual_session",
                           counselor_membership_id=b.counselor_membership_id,
                           student_membership_id=b.student_membership_id, recorded_at=recorded_at)


def counts_as_activity(e: Event) -> bool:
    """Events held that the statistics count: activities, not the team's internal meetings,
    nor the calendar entries of individual sessions (counted as sessions)."""
    kind = activity_type(e.type)
    return kind is not None and not kind.meeting and e.type != "individual_session"


def feed_event_held(s: Session, tenant_id: int, e: Event, *, recorded_at: datetime | None = None) -> bool:
    if not counts_as_activity(e):
        return False
    return record_activity(s, tenant_id, ActivityKind.EVENT_HELD.value, e.id, e.starts_at, event_id=e.id,
                           event_type=e.type, counselor_membership_id=e.organiser_membership_id,
                           recorded_at=recorded_at)


def _on_activity(s: Session, tenant_id: int, trigger: str, row: object) -> None:
    if trigger == activity.VISIT_LOGGED:
        feed_visit(s, tenant_id, row)
    elif trigger == activity.CHECKED_IN:
        feed_attendance(s, tenant_id, row)
    elif trigger == activity.CHECK_IN_WITHDRAWN:
        withdraw_attendance(s, tenant_id, row)
    elif trigger == activity.SESSION_HELD:
        feed_session(s, tenant_id, row)
    elif trigger == activity.EVENT_HELD:
        feed_event_held(s, tenant_id, row)


def rebuild(tenant_id: int) -> int:
    """Backfill the statistics from the source tables (visits, attendance sheets, sessions
    held, events held). Idempotent: what is already counted stays as it is. Each record is
    dated by when its source was entered, so `late` says what it said at the time.
    The roll-ups are then recomputed from the records. Returns how many records were added."""
    added = 0
    with tenant_session(tenant_id) as s, transaction(s):
        for v in s.exec(select(Visit).order_by(Visit.id)).all():
            added += feed_visit(s, tenant_id, v, recorded_at=v.created_at)
        for r in s.exec(select(Registration).where(Registration.status == ATTENDED)
                        .order_by(Registration.id)).all():
            added += feed_attendance(s, tenant_id, r, recorded_at=r.checked_in_at)
        for b in s.exec(select(SessionBooking).where(SessionBooking.status == DONE)
                        .order_by(SessionBooking.id)).all():
            added += feed_session(s, tenant_id, b, recorded_at=b.marked_at or b.updated_at)
        for e in s.exec(select(Event).where(Event.status.in_(("held", "closed"))).order_by(Event.id)).all():
            added += feed_event_held(s, tenant_id, e, recorded_at=e.updated_at)
        rebuild_rollups(s, tenant_id)
    return added


# ---------------------------------------------------------------- labels

def _names(s: Session, dim: str, ids: set) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    if dim == "counselor":
        return dict(s.exec(select(Membership.id, Account.full_name).join(Account, Account.id == Membership.account_id)
                           .where(Membership.id.in_(ids))).all())
    if dim == "establishment":
        return dict(s.exec(select(Establishment.id, Establishment.name).where(Establishment.id.in_(ids))).all())
    if dim == "field":
        return dict(s.exec(select(StudyField.id, StudyField.name).where(StudyField.id.in_(ids))).all())
    return {}


def _column(dim: str):  # noqa: ANN202
    return {"kind": AR.kind, "counselor": AR.counselor_membership_id, "establishment": AR.establishment_id,
            "field": AR.field_id, "level": AR.level, "gender": AR.gender}[dim]


# ---------------------------------------------------------------- what reports and plans read

def _range(lo: datetime, hi: datetime) -> tuple:
    return AR.at >= lo, AR.at < hi


DIMS = ("counselor", "establishment", "field", "level", "gender")


def _scan(s: Session, tenant_id: int, lo: datetime, hi: datetime) -> tuple[dict, dict[str, dict]]:
    """Counts of the range per (kind, event type) with the late ones, and per value of each
    dimension, in one pass: GROUPING SETS on PostgreSQL; SQLite, which has none, groups by
    every dimension together and the sums are made here."""
    rng = (AR.tenant_id == tenant_id, *_range(lo, hi))
    cols = [_column(d) for d in DIMS]
    per_dim: dict[str, dict] = {d: {} for d in DIMS}
    if s.get_bind().dialect.name != "postgresql":
        # one pass grouped by every dimension at once, folded here (one statement per
        # dimension would read the range six times)
        kinds: dict[tuple[str, str], tuple[int, int]] = {}
        for r in s.exec(select(AR.kind, AR.event_type, *cols, func.count(), func.count(case((AR.late, 1))))
                        .where(*rng).group_by(AR.kind, AR.event_type, *cols)).all():
            n, late = int(r[-2]), int(r[-1])
            key = (r[0], r[1] or "")
            before = kinds.get(key, (0, 0))
            kinds[key] = (before[0] + n, before[1] + late)
            for d, v in zip(DIMS, r[2:2 + len(DIMS)], strict=True):
                per_dim[d][v] = per_dim[d].get(v, 0) + n
        return kinds, per_dim
    sets = func.grouping_sets(tuple_(AR.kind, AR.event_type), *[tuple_(c) for c in cols])
    flags = [func.grouping(c) for c in cols]
    rows = s.exec(select(AR.kind, AR.event_type, *cols, *flags, func.count(), func.count(case((AR.late, 1))))
                  .where(*rng).group_by(sets)).all()
    kinds: dict[tuple[str, str], tuple[int, int]] = {}
    n_dims = len(DIMS)
    for r in rows:
        values, grouped = r[2:2 + n_dims], r[2 + n_dims:2 + 2 * n_dims]
        n, late = int(r[-2]), int(r[-1])
        for d, v, g in zip(DIMS, values, grouped, strict=True):
            if g == 0:
                per_dim[d][v] = n
                break
        else:
            kinds[(r[0], r[1] or "")] = (n, late)
    return kinds, per_dim


def _dim_list(s: Session, dim: str, counts: dict) -> list[dict]:
    names = _names(s, dim, set(counts))
    out = [{"key": k if k is not None else "", "label": names.get(k, "") if k is not None else "", "count": int(n)}
           for k, n in counts.items()]
    return sorted(out, key=lambda r: (-r["count"], str(r["key"])))


def _students(s: Session, tenant_id: int, lo: datetime, hi: datetime) -> int:
    """Distinct students met in the range (a GROUP BY under a count: hashed, not sorted)."""
    sub = (select(AR.student_membership_id)
           .where(AR.tenant_id == tenant_id, *_range(lo, hi), AR.kind.in_(STUDENT_KINDS),
                  AR.student_membership_id.is_not(None))
           .group_by(AR.student_membership_id).subquery())
    return int(s.exec(select(func.count()).select_from(sub)).one())


def _sourcing_metrics(s: Session, tenant_id: int, lo: datetime, hi: datetime) -> tuple[int, int]:
    """(distinct companies with an interaction or a need received, needs whose profiles were sent)."""
    companies_q = union(
        select(Interaction.company_id).where(Interaction.tenant_id == tenant_id, Interaction.at >= lo,
                                             Interaction.at < hi),
        select(JobNeed.company_id).where(JobNeed.tenant_id == tenant_id, JobNeed.received_at >= lo,
                                         JobNeed.received_at < hi),
    ).subquery()
    companies = select(func.count()).select_from(companies_q).scalar_subquery()
    answered = select(func.count(JobNeed.id)).where(JobNeed.tenant_id == tenant_id, JobNeed.sent_at >= lo,
                                                    JobNeed.sent_at < hi).scalar_subquery()
    c, n = s.exec(select(companies, answered)).one()
    return int(c), int(n)


def _metrics(kinds: dict[tuple[str, str], tuple[int, int]], students: int, companies: int,
             answered: int) -> dict[str, float]:
    def total(pred) -> float:  # noqa: ANN001
        return float(sum(n for (k, et), (n, _late) in kinds.items() if pred(k, et)))

    held = ActivityKind.EVENT_HELD.value
    return {
        Metric.WORKSHOPS.value: total(lambda k, et: k == held and et in WORKSHOP_TYPES),
        Metric.STUDENTS_SERVED.value: float(students),
        Metric.INDIVIDUAL_SESSIONS.value: total(lambda k, et: k == ActivityKind.INDIVIDUAL_SESSION.value),
        Metric.COMPANIES_ENGAGED.value: float(companies),
        Metric.JOB_NEEDS_ANSWERED.value: float(answered),
        Metric.EVENTS.value: total(lambda k, et: k == held and et not in WORKSHOP_TYPES),
        Metric.VISITS.value: total(lambda k, et: k in VISIT_KINDS),
    }


def metric_actuals(s: Session, tenant_id: int, start: date | datetime, end: date | datetime) -> dict[str, float]:
    """What was done in the period, for every planning Metric (plan vs actual, mid-year gaps).

    workshops: workshops held; students_served: distinct students met (visits, attendance,
    sessions); individual_sessions: sessions held; companies_engaged: distinct companies with
    an interaction or a job need received; job_needs_answered: needs whose profiles were sent;
    events: other activities held; visits: visit sheets (at the centre and at events)."""
    lo, hi = bounds(tenant_zone(s, tenant_id), start, end)
    rng = (AR.tenant_id == tenant_id, *_range(lo, hi))
    # per kind from the (tenant, at, kind) index alone; the event types only of events held
    kinds = {(k, ""): (int(n), 0) for k, n in s.exec(select(AR.kind, func.count()).where(*rng)
                                                     .group_by(AR.kind)).all() if k != ActivityKind.EVENT_HELD.value}
    kinds.update({(ActivityKind.EVENT_HELD.value, et or ""): (int(n), 0) for et, n in s.exec(
        select(AR.event_type, func.count()).where(*rng, AR.kind == ActivityKind.EVENT_HELD.value)
        .group_by(AR.event_type)).all()})
    return _metrics(kinds, _students(s, tenant_id, lo, hi), *_sourcing_metrics(s, tenant_id, lo, hi))


def day_span(zone: ZoneInfo, lo: datetime, hi: datetime) -> tuple[date, date] | None:
    """[first day, day after the last) when the range is made of whole local days (what the
    roll-ups can answer exactly), else None."""
    d0, d1 = lo.astimezone(zone).date(), hi.astimezone(zone).date()
    if _local_midnight(d0, zone) != lo or _local_midnight(d1, zone) != hi:
        return None
    return d0, d1


def students_rolled(s: Session, tenant_id: int, zone: ZoneInfo, d0: date, d1: date) -> int:
    """Distinct students met in the local days [d0, d1): the whole months from the student
    roll-up, the partial months at either end from the records, united before counting."""
    first_full, end_full = (d0 if d0.day == 1 else _next_month(d0)), _month_of(d1)
    if first_full >= end_full:
        return _students(s, tenant_id, _local_midnight(d0, zone), _local_midnight(d1, zone))
    parts = [select(ASM.student_membership_id.label("sid"))
             .where(ASM.tenant_id == tenant_id, ASM.month >= first_full, ASM.month < end_full)]
    for a, b in ((d0, first_full), (end_full, d1)):
        if a < b:
            parts.append(select(AR.student_membership_id.label("sid"))
                         .where(AR.tenant_id == tenant_id, *_range(_local_midnight(a, zone), _local_midnight(b, zone)),
                                AR.kind.in_(STUDENT_KINDS), AR.student_membership_id.is_not(None)))
    every = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    # a GROUP BY under the count: hashed, where COUNT(DISTINCT) would sort
    sub = select(every.c.sid).group_by(every.c.sid).subquery()
    return int(s.exec(select(func.count()).select_from(sub)).one())


def metric_actuals_rolled(s: Session, tenant_id: int, start: date | datetime, end: date | datetime) -> dict[str, float]:
    """`metric_actuals` read from the roll-ups (the dashboard's plan vs actual over a year):
    the same answer, from a few thousand rows. A range not made of whole local days is
    answered from the records."""
    zone = tenant_zone(s, tenant_id)
    lo, hi = bounds(zone, start, end)
    span = day_span(zone, lo, hi)
    if span is None:
        return metric_actuals(s, tenant_id, start, end)
    d0, d1 = span
    held = ActivityKind.EVENT_HELD.value
    kinds: dict[tuple[str, str], tuple[int, int]] = {}
    for k, et, n in s.exec(select(AD.kind, AD.event_type, func.sum(AD.n))
                           .where(AD.tenant_id == tenant_id, AD.day >= d0, AD.day < d1)
                           .group_by(AD.kind, AD.event_type)).all():
        key = (k, (et or "") if k == held else "")
        kinds[key] = (kinds.get(key, (0, 0))[0] + int(n), 0)
    return _metrics(kinds, students_rolled(s, tenant_id, zone, d0, d1), *_sourcing_metrics(s, tenant_id, lo, hi))


def satisfaction(s: Session, tenant_id: int, lo: datetime, hi: datetime) -> tuple[float | None, int, int]:
    """(average rating 1-5, ratings given, questionnaires answered) for answers in the range."""
    avg, ratings, responses = s.exec(
        select(func.avg(SurveyAnswer.rating), func.count(SurveyAnswer.rating),
               func.count(func.distinct(SurveyResponse.id)))
        .select_from(SurveyResponse)
        .join(SurveyAnswer, and_(SurveyAnswer.response_id == SurveyResponse.id,
                                 SurveyAnswer.tenant_id == SurveyResponse.tenant_id), isouter=True)
        .where(SurveyResponse.tenant_id == tenant_id, SurveyResponse.submitted_at >= lo,
               SurveyResponse.submitted_at < hi)).one()
    return (round(float(avg), 2) if avg is not None else None), int(ratings or 0), int(responses or 0)


def figures_for_period(s: Session, tenant_id: int, start: date | datetime, end: date | datetime) -> dict:
    """The T03 block of a report, JSON-ready (a report keeps it as its snapshot): totals per
    kind, per counselor, establishment, field, level and gender (names resolved), distinct
    students, satisfaction, late entries and the planning metrics."""
    lo, hi = bounds(tenant_zone(s, tenant_id), start, end)
    kinds, per_dim = _scan(s, tenant_id, lo, hi)
    by_kind = {k: 0 for k in KINDS}
    for (k, _et), (n, _late) in kinds.items():
        by_kind[k] = by_kind.get(k, 0) + n
    late = sum(x for _n, x in kinds.values())
    students = _students(s, tenant_id, lo, hi)
    avg, ratings, responses = satisfaction(s, tenant_id, lo, hi)
    return {
        "period": {"from": lo.isoformat(), "to": hi.isoformat()},
        "total": int(sum(by_kind.values())),
        "by_kind": by_kind,
        **{f"by_{d}": _dim_list(s, d, per_dim[d]) for d in DIMS},
        "students": students,
        "satisfaction": {"average": avg, "ratings": ratings, "responses": responses},
        "late": int(late),
        "metrics": _metrics(kinds, students, *_sourcing_metrics(s, tenant_id, lo, hi)),
    }


# ---------------------------------------------------------------- the statistics table (T03)

class StatsFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = ""
    counselor_membership_id: int | None = None
    establishment_id: int | None = None
    field_id: int | None = None
    level: str = ""
    gender: str = ""

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v and v not in KINDS:
            raise ValueError("invalid_filter:unknown activity kind")
        return v

    @field_validator("level", "gender")
    @classmethod
    def _short(cls, v: str) -> str:
        v = (v or "").strip()
        if len(v) > 20:
            raise ValueError("invalid_filter:too long")
        return v


@dataclass(frozen=True)
class StatsRow:
    keys: tuple[str, ...]  # one value per group, as text ("" when unknown)
    labels: tuple[str, ...]  # names for counselor/establishment/field, else the key itself
    count: int
    late: int


@dataclass(frozen=True)
class StatsTable:
    group_by: tuple[str, ...]
    unit: str
    start: datetime
    end: datetime
    rows: tuple[StatsRow, ...]
    total: int
    late: int


def _check_groups(group_by: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    groups = tuple(dict.fromkeys(g for g in (group_by or ()) if g))
    bad = [g for g in groups if g not in GROUPS]
    if bad or len(groups) > MAX_GROUPS:
        raise Invalid(f"group by at most {MAX_GROUPS} of {', '.join(GROUPS)}", code="invalid_group_by")
    return groups


def _filters(f: StatsFilter) -> list:
    out = []
    if f.kind:
        out.append(AR.kind == f.kind)
    if f.counselor_membership_id is not None:
        out.append(AR.counselor_membership_id == f.counselor_membership_id)
    if f.establishment_id is not None:
        out.append(AR.establishment_id == f.establishment_id)
    if f.field_id is not None:
        out.append(AR.field_id == f.field_id)
    if f.level:
        out.append(AR.level == f.level)
    if f.gender:
        out.append(AR.gender == f.gender)
    return out


def _checked_bounds(zone: ZoneInfo, start: date | datetime, end: date | datetime) -> tuple[datetime, datetime]:
    lo, hi = bounds(zone, start, end)
    if hi - lo > timedelta(days=MAX_RANGE_DAYS + 1):
        raise Invalid(f"at most {MAX_RANGE_DAYS} days at once", code="range_too_long")
    return lo, hi


def counts(actor: Actor, tenant_id: int, start: date | datetime, end: date | datetime, *,
           group_by: list[str] | tuple[str, ...] = ("kind",), filters: dict | StatsFilter | None = None,
           unit: str = "month") -> StatsTable:
    """The statistics table: activities counted in the period, grouped (at most three of
    period/kind/counselor/establishment/field/level/gender), filtered, with the late ones."""
    require(actor, Perm.STATS_VIEW, tenant_id=tenant_id)
    groups = _check_groups(group_by)
    f = parse(StatsFilter, filters or {})
    if unit not in UNITS:
        raise Invalid("group by week or month", code="invalid_unit")
    with tenant_session(tenant_id) as s:
        zone = tenant_zone(s, tenant_id)
        lo, hi = _checked_bounds(zone, start, end)
        cols, labelers = [], []
        for g in groups:
            if g == "period":
                expr, lab = period_expr(s, zone, lo, hi, unit)
                cols.append(expr.label("g_period"))
                labelers.append(lab)
            else:
                cols.append(_column(g).label(f"g_{g}"))
                labelers.append(None)
        where = (AR.tenant_id == tenant_id, *_range(lo, hi), *_filters(f))
        late_n = func.count(case((AR.late, 1)))
        q = select(*cols, func.count(), late_n).where(*where)
        if cols:
            q = q.group_by(*cols)
        raw = s.exec(q).all()
        names = {g: _names(s, g, {r[i] for r in raw}) for i, g in enumerate(groups)}
        rows = []
        for r in raw:
            keys, labels = [], []
            for i, g in enumerate(groups):
                v = r[i]
                key = labelers[i](v) if labelers[i] else ("" if v is None else str(v))
                keys.append(key)
                labels.append(names[g].get(v, "") if g in ("counselor", "establishment", "field") else key)
            rows.append(StatsRow(tuple(keys), tuple(labels), int(r[len(groups)]), int(r[len(groups) + 1])))
        rows.sort(key=lambda x: tuple(x.keys) if "period" in groups else (-x.count, x.keys))
        if "period" in groups:
            i = groups.index("period")
            rows.sort(key=lambda x: (x.keys[i], -x.count))
        return StatsTable(groups, unit, lo, hi, tuple(rows), sum(x.count for x in rows), sum(x.late for x in rows))


@dataclass(frozen=True)
class LateEntry:
    id: int
    kind: str
    at: datetime
    recorded_at: datetime
    counselor_name: str
    event_id: int | None
    source_id: int


def late_entries(actor: Actor, tenant_id: int, start: date | datetime, end: date | datetime, *,
                 limit: int = 100, offset: int = 0) -> tuple[list[LateEntry], int]:
    """Activities of the period entered after their week's cut-off, latest entered first, and
    how many there are."""
    require(actor, Perm.STATS_VIEW, tenant_id=tenant_id)
    limit = min(max(int(limit), 1), 1000)
    offset = max(int(offset), 0)
    with tenant_session(tenant_id) as s:
        lo, hi = _checked_bounds(tenant_zone(s, tenant_id), start, end)
        where = (AR.tenant_id == tenant_id, *_range(lo, hi), AR.late)
        total = s.exec(select(func.count()).where(*where)).one()
        rows = s.exec(select(AR).where(*where).order_by(AR.recorded_at.desc(), AR.id.desc())
                      .offset(offset).limit(limit)).all()
        names = _names(s, "counselor", {r.counselor_membership_id for r in rows})
        return [LateEntry(r.id, r.kind, r.at, r.recorded_at, names.get(r.counselor_membership_id, ""), r.event_id,
                          r.source_id) for r in rows], int(total)


def staff_choices(actor: Actor, tenant_id: int) -> dict[str, list[tuple[int, str]]]:
    """The filters' options: counselors seen in the statistics, establishments, fields."""
    require(actor, Perm.STATS_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        ids = set(s.exec(select(AR.counselor_membership_id).where(AR.tenant_id == tenant_id,
                                                                   AR.counselor_membership_id.is_not(None))
                         .distinct()).all())
        counselors = sorted(_names(s, "counselor", ids).items(), key=lambda x: x[1])
        est = s.exec(select(Establishment.id, Establishment.name).order_by(Establishment.name)).all()
        fields = s.exec(select(StudyField.id, StudyField.name).order_by(StudyField.name)).all()
        return {"counselors": counselors, "establishments": [tuple(r) for r in est],
                "fields": [tuple(r) for r in fields]}


# ---------------------------------------------------------------- exports (CSV, XLSX, PDF)

EXPORT_FORMATS = ("csv", "xlsx", "pdf")


def value_label(group: str, key: str, label: str, lang: str) -> str:
    """How a cell of a group column reads: names as they are, kinds and genders translated,
    an unknown value as "not said"."""
    if group in ("counselor", "establishment", "field"):
        return label or t("ui.stats.unknown", lang)
    if group == "kind":
        return t(f"ui.stats.kind.{key}", lang) if key in KINDS else key
    if group == "gender":
        return t(f"ui.stats.gender.{key}", lang) if key in ("female", "male") else t("ui.stats.unknown", lang)
    return key or t("ui.stats.unknown", lang)


def _pdf(lang: str, title: str, subtitle: list[str], headers: list[str], rows: list[list]) -> bytes:
    """The table as a PDF page (Arabic laid out right to left by integrations.pdf)."""
    def cell(v: object) -> str:
        return v.strftime("%d/%m/%Y %H:%M") if isinstance(v, datetime) else str(v)

    doc = Document(title=title, lang=lang, subtitle=subtitle, footer="{page} / {pages}",
                   blocks=[Table([Column(h) for h in headers], [[cell(v) for v in r] for r in rows],
                                 empty_text=t("ui.stats.empty", lang))])
    return render_pdf(doc)


def _render(fmt: str, lang: str, title: str, subtitle: list[str], headers: list[str], rows: list[list]) -> bytes:
    if fmt not in EXPORT_FORMATS:
        raise Invalid("export as csv, xlsx or pdf", code="invalid_format")
    if fmt == "csv":
        return render_csv(headers, rows)
    if fmt == "pdf":
        return _pdf(lang, title, subtitle, headers, rows)
    return render_xlsx([Sheet(name=title, headers=headers, rows=rows, title=title, subtitle=subtitle,
                              rtl=lang in RTL_LANGS, widths=[24] * (len(headers) - 2) + [12, 12],
                              empty_text=t("ui.stats.empty", lang))])


def _period_line(table_start: datetime, table_end: datetime, zone: ZoneInfo, lang: str) -> str:
    last = (table_end - timedelta(microseconds=1)).astimezone(zone).date()
    return t("ui.stats.export_period", lang, start=table_start.astimezone(zone).date().strftime("%d/%m/%Y"),
             end=last.strftime("%d/%m/%Y"))


def export_table(actor: Actor, tenant_id: int, start: date | datetime, end: date | datetime, *, fmt: str = "csv",
                 lang: str = "fr", group_by: list[str] | tuple[str, ...] = ("kind",),
                 filters: dict | StatsFilter | None = None, unit: str = "month") -> bytes:
    """The statistics table as the screen shows it, with headers in the reader's language."""
    if fmt not in EXPORT_FORMATS:
        raise Invalid("export as csv, xlsx or pdf", code="invalid_format")
    table = counts(actor, tenant_id, start, end, group_by=group_by, filters=filters, unit=unit)
    with tenant_session(tenant_id) as s:
        zone = tenant_zone(s, tenant_id)
    headers = [t(f"ui.stats.group.{g}", lang) for g in table.group_by] + [t("ui.stats.count", lang),
                                                                         t("ui.stats.late", lang)]
    rows = [[value_label(g, r.keys[i], r.labels[i], lang) for i, g in enumerate(table.group_by)] + [r.count, r.late]
            for r in table.rows]
    rows.append([t("ui.stats.total", lang)] + [""] * (len(table.group_by) - 1) + [table.total, table.late]
                if table.group_by else [table.total, table.late])
    title = t("ui.stats.title", lang)
    return _render(fmt, lang, title, [_period_line(table.start, table.end, zone, lang)], headers, rows)


def export_late(actor: Actor, tenant_id: int, start: date | datetime, end: date | datetime, *, fmt: str = "csv",
                lang: str = "fr") -> bytes:
    if fmt not in EXPORT_FORMATS:
        raise Invalid("export as csv, xlsx or pdf", code="invalid_format")
    entries, _total = late_entries(actor, tenant_id, start, end, limit=1000)
    with tenant_session(tenant_id) as s:
        zone = tenant_zone(s, tenant_id)
        lo, hi = bounds(zone, start, end)
    headers = [t("ui.stats.group.kind", lang), t("ui.stats.col.at", lang), t("ui.stats.col.recorded_at", lang),
               t("ui.stats.group.counselor", lang)]
    local = (lambda d: d.astimezone(zone).replace(tzinfo=None)) if fmt == "xlsx" else (
        lambda d: d.astimezone(zone).strftime("%d/%m/%Y %H:%M"))
    rows = [[value_label("kind", e.kind, "", lang), local(e.at), local(e.recorded_at),
             e.counselor_name or t("ui.stats.unknown", lang)] for e in entries]
    title = t("ui.stats.late_title", lang)
    if fmt == "csv":
        return render_csv(headers, rows)
    if fmt == "pdf":
        return _pdf(lang, title, [_period_line(lo, hi, zone, lang)], headers, rows)
    return render_xlsx([Sheet(name=title, headers=headers, rows=rows, title=title,
                              subtitle=[_period_line(lo, hi, zone, lang)], rtl=lang in RTL_LANGS,
                              widths=[24, 18, 18, 28], empty_text=t("ui.stats.empty", lang))])


if _on_activity not in activity.ACTIVITY_HOOKS:
    activity.ACTIVITY_HOOKS.append(_on_activity)
