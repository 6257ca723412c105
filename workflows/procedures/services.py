"""The procedure engine (issue 6 §2–§3): a centre runs the book's procedures (or its own
revisions, P31); each run is an instance whose steps become tasks in people's inboxes.

How an instance moves:
- starting it creates one task per (step, actor) for steps in mode "all", one per step in mode
  "any" (stored under the first actor's role; a holder of any of the step's roles may act). A
  role nobody holds in the centre goes to the actor's fallback role (no business developer:
  the manager, P21/P23). Every task waits; the steps nobody waits for open at once.
- a task done: its step is done when all its tasks are (mode all) or one is (mode any); then
  every waiting step whose `after` is satisfied (join all / any) opens, with a due date from
  its `due` (the instance's start, the previous step, the academic year or semester of the
  instance's year, the start of the event it is about).
- a decision's branch may jump (goto: the steps in between are skipped; a step already passed
  is done again) or end the procedure (the remaining tasks are skipped). When no task waits
  or is open, the instance is completed.
- "system" steps (what the product does by itself) are done as soon as they open.

Each change runs in one transaction that first locks the instance row, and a task is taken by
a conditional UPDATE (... WHERE status = 'open'): of two people completing one task at once,
one wins and the other is told task_already_done. Every change is audited.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import system_session, tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import clean_text
from tenants.calendar import services as calendar_services
from tenants.calendar.models import AcademicYear, Event, Semester
from tenants.calendar.services import tenant_zone
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import ROLE_PERMISSIONS, Perm, Role
from tenants.core.services import audit
from tenants.sourcing.needs import services as need_services
from tenants.sourcing.needs.models import JobNeed
from workflows.procedures import queries as q
from workflows.procedures.models import (
    CANCELLED,
    COMPLETED,
    DONE,
    OPEN,
    PUBLISHED,
    RETIRED,
    RUNNING,
    SKIPPED,
    WAITING,
    ProcedureInstance,
    ProcedureTask,
    ProcedureVersion,
)
from workflows.procedures.schema import Procedure, Step
from workflows.procedures.views import (
    InboxPage,
    InstanceDetail,
    InstanceView,
    LaneStep,
    ProcedureDetail,
    ProcedureSummary,
    TaskView,
)

CODE_RE = re.compile(r"^P\d{2}$")
SYSTEM = "system"
HOST_ROLES = frozenset({Role.HOST_APPROVER.value, Role.HOST_FOCAL_POINT.value})
RESOLVED = (DONE, SKIPPED)
# the records an instance can be about, and the table that holds them
SUBJECTS: dict[str, type] = {"academic_year": AcademicYear, "event": Event, "job_need": JobNeed}
LABEL_MAX, NOTE_MAX, REASON_MAX = 120, 4000, 1000
MAX_PER_PAGE = 100
REMIND_BEFORE = timedelta(hours=24)
REMIND_EVERY = timedelta(hours=24)
DUE_LOCAL_TIME = time(9, 0)  # a due day falls due at 9:00 in the centre's time zone

# the procedures' free texts (notes, reasons, descriptions): kept as written, only stripped
note_text = partial(clean_text, multiline=True, controls=False, invalid_code="invalid",
                    too_long_code="too_long")


# ---------------------------------------------------------------- definitions

def _catalog():  # noqa: ANN202  (imported late: the book's loader lives beside the definitions)
    from workflows.procedures import catalog

    return catalog


def _book(code: str) -> Procedure | None:
    try:
        return _catalog().load(code)
    except (KeyError, LookupError, FileNotFoundError, ValueError):
        return None


def _book_all() -> list[Procedure]:
    """The book's procedures that load (a definition that does not validate is never run; the
    definitions' own tests say which)."""
    return [p for p in map(_book, _catalog().CODES) if p is not None]


def _check_code(code: Any) -> str:
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise NotFound(f"no procedure {code!r}")
    return code


def _published_versions(s: Session, code: str | None = None) -> list[ProcedureVersion]:
    qy = select(ProcedureVersion).where(ProcedureVersion.status == PUBLISHED)
    if code is not None:
        qy = qy.where(ProcedureVersion.code == code)
    return list(s.exec(qy.order_by(ProcedureVersion.code, ProcedureVersion.version)).all())


# The event-created and job-need hooks read every current procedure inside each creation: a
# definition is validated once per distinct content (keyed by its canonical JSON, so a row id
# reused after a restore can never return another definition).
_VALIDATED: dict[str, Procedure] = {}
_VALIDATED_MAX = 2048


def _validated(row: ProcedureVersion) -> Procedure:
    key = json.dumps(row.definition, sort_keys=True, separators=(",", ":"))
    proc = _VALIDATED.get(key)
    if proc is None:
        proc = Procedure.model_validate(row.definition)
        if len(_VALIDATED) >= _VALIDATED_MAX:
            _VALIDATED.clear()
        _VALIDATED[key] = proc
    return proc


def _current(s: Session, code: str) -> Procedure:
    """The version new instances of `code` use in this centre: its latest published revision,
    else the book's."""
    rows = _published_versions(s, code)
    if rows:
        return _validated(rows[-1])
    proc = _book(code)
    if proc is None:
        raise NotFound(f"no procedure {code}")
    return proc


def _all_current(s: Session) -> list[Procedure]:
    """Every procedure this centre runs, at the version it runs."""
    mine: dict[str, ProcedureVersion] = {}
    for row in _published_versions(s):
        mine[row.code] = row  # ordered by version: the last one wins
    out = {p.code: p for p in _book_all()}
    for code, row in mine.items():
        out[code] = _validated(row)
    return [out[c] for c in sorted(out)]


def _deps(proc: Procedure, step: Step) -> list[int]:
    if step.after is not None:
        return list(step.after)
    i = proc.steps.index(step)
    return [proc.steps[i - 1].n] if i > 0 else []


def _lane(step: Step) -> str:
    a = step.actors[0]
    return f"{a.role}:{a.responsibility}" if a.responsibility else a.role


def _label(fr: str, en: str) -> str:
    return fr or en


# ---------------------------------------------------------------- procedures

def list_procedures(actor: Actor, tenant_id: int) -> list[ProcedureSummary]:
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        procs = _all_current(s)
        running = dict(s.exec(select(ProcedureInstance.code, func.count()).where(ProcedureInstance.status == RUNNING)
                              .group_by(ProcedureInstance.code)).all())
    return [ProcedureSummary(p.code, p.title_en, p.title_fr, p.family, p.version, len(p.steps), p.trigger.type,
                             int(running.get(p.code, 0))) for p in procs]


def get_procedure(actor: Actor, tenant_id: int, code: str, version: int | None = None) -> ProcedureDetail:
    """One procedure drawn as swimlanes: one lane per role (in order of first appearance), one
    column per step in reading order."""
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    code = _check_code(code)
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        raise NotFound(f"no version {version!r}")
    with tenant_session(tenant_id) as s:
        stored = list(s.exec(select(ProcedureVersion).where(ProcedureVersion.code == code)
                             .order_by(ProcedureVersion.version)).all())
        if not actor.can(Perm.PROCEDURE_MANAGE):
            stored = [v for v in stored if v.status in (PUBLISHED, RETIRED)]
        book = _book(code)
        versions = ([1] if book is not None else []) + [v.version for v in stored if v.version != 1]
        if version is None:
            proc = _current(s, code)
        elif version == 1 and book is not None:
            proc = book
        else:
            row = next((v for v in stored if v.version == version), None)
            if row is None:
                raise NotFound(f"no version {version} of {code}")
            proc = Procedure.model_validate(row.definition)
    lanes: list[str] = []
    steps = []
    for col, st in enumerate(proc.steps):
        lane = _lane(st)
        if lane not in lanes:
            lanes.append(lane)
        steps.append(LaneStep(
            n=st.n, title=_label(st.title_fr, st.title_en), kind=st.kind, lane=lane, column=col,
            after=_deps(proc, st),
            branches=[(b.key, _label(b.label_fr, b.label_en), b.goto, b.ends) for b in st.branches],
            meeting=st.meeting, due_text=st.due.text_en if st.due else "",
            documents=[(d.ref, d.use, d.name_en) for d in st.documents]))
    return ProcedureDetail(code=proc.code, version=proc.version, title_en=proc.title_en, title_fr=proc.title_fr,
                           family=proc.family, purpose_en=proc.purpose_en, trigger=proc.trigger.type,
                           trigger_text=proc.trigger.text_en, lanes=lanes, steps=steps, versions=versions)


def do_publish_version(actor: Actor, tenant_id: int, code: str, definition: Any, *,
                       change_note: str = "") -> ProcedureDetail:
    """The centre's own revision of a procedure (P31), run by every instance started after it;
    running instances keep the version they started with. The definition must validate."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    code = _check_code(code)
    change_note = note_text(change_note, 2000, what="change_note")
    if not isinstance(definition, dict):
        raise Invalid("a procedure definition is expected", code="invalid_definition")
    with tenant_session(tenant_id) as s, transaction(s):
        _current(s, code)  # the procedure exists here (the book's or the centre's)
        last = s.exec(select(func.max(ProcedureVersion.version)).where(ProcedureVersion.code == code)).one()
        version = max(int(last or 0), 1) + 1
        try:
            proc = Procedure.model_validate({**definition, "code": code, "version": version})
        except ValueError as exc:
            raise Invalid(str(exc)[:500], code="invalid_definition") from None
        now = utcnow()
        for old in _published_versions(s, code):
            old.status = RETIRED
            s.add(old)
        row = ProcedureVersion(tenant_id=tenant_id, code=code, version=version, status=PUBLISHED,
                               definition=proc.model_dump(mode="json"), change_note=change_note,
                               created_by_membership_id=actor.membership_id,
                               approved_by_membership_id=actor.membership_id, created_at=now, published_at=now)
        s.add(row)
        s.flush()
        audit(s, actor, "procedure.version_published", tenant_id=tenant_id, target_type="procedure_version",
              target_id=row.id, code=code, version=version, note=change_note[:200])
    return get_procedure(actor, tenant_id, code, version)


# ---------------------------------------------------------------- starting

def _resolve(actor_role: str, responsibility: str | None, fallback: str | None,
             members: list[q.Member]) -> tuple[str, str | None]:
    """The role (and line of work) a task goes to: the actor's when someone holds it; a
    counselor's line of work nobody has: any counselor; a role nobody holds: the fallback."""
    if actor_role == SYSTEM:
        return SYSTEM, None
    holders = [m for m in members if actor_role in m.roles]
    if responsibility and any(responsibility in m.responsibilities for m in holders):
        return actor_role, responsibility
    if holders:
        return actor_role, None
    if fallback:
        return fallback, None
    return actor_role, responsibility


def _subject(s: Session, subject_type: str, subject_id: Any) -> Any:
    if not subject_type and subject_id is None:
        return None
    model = SUBJECTS.get(subject_type) if isinstance(subject_type, str) else None
    if model is None or not isinstance(subject_id, int) or isinstance(subject_id, bool):
        raise Invalid(f"unknown subject {subject_type!r}", code="unknown_subject")
    row = s.exec(select(model).where(model.id == subject_id)).first()
    if row is None:
        raise NotFound(f"no {subject_type} {subject_id}")
    return row


def start_in(session: Session, tenant_id: int, code: str, *, trigger: str, subject_type: str = "",
             subject_id: int | None = None, label: str = "", actor: Actor | None = None,
             now: datetime | None = None) -> ProcedureInstance:
    """Start `code` inside the caller's transaction (a trigger of another module, or the
    services below). While an instance about the same record runs, it is returned instead."""
    s = session
    now = now or utcnow()
    code = _check_code(code)
    label = (label or "").strip()
    if len(label) > LABEL_MAX:
        raise Invalid("label too long", code="too_long", field="label", max=LABEL_MAX)
    subject = _subject(s, subject_type, subject_id)
    if subject is not None:
        running = s.exec(select(ProcedureInstance).where(
            ProcedureInstance.code == code, ProcedureInstance.subject_type == subject_type,
            ProcedureInstance.subject_id == subject_id, ProcedureInstance.status == RUNNING)).first()
        if running is not None:
            return running
        if not label:
            label = getattr(subject, "label", None) or getattr(subject, "title", "") or ""
    proc = _current(s, code)
    title = f"{proc.code} — {proc.title_fr or proc.title_en} {label}".strip()[:300]
    inst = ProcedureInstance(tenant_id=tenant_id, code=proc.code, version=proc.version, title=title,
                             definition=proc.model_dump(mode="json"), status=RUNNING, trigger=trigger,
                             subject_type=subject_type if subject is not None else "",
                             subject_id=subject_id if subject is not None else None,
                             started_by_membership_id=actor.membership_id if actor else None, started_at=now)
    s.add(inst)
    s.flush()
    needed = {a.role for st in proc.steps for a in st.actors} | {a.fallback for st in proc.steps for a in st.actors
                                                                if a.fallback}
    members = q.members_holding(s, needed)
    tasks: list[ProcedureTask] = []
    for st in proc.steps:
        seen: set[tuple[str, str | None]] = set()
        actors = st.actors if st.mode == "all" else st.actors[:1]
        for a in actors:
            role, resp = _resolve(a.role, a.responsibility, a.fallback, members)
            if (role, resp) in seen:
                continue
            seen.add((role, resp))
            tasks.append(ProcedureTask(tenant_id=tenant_id, instance_id=inst.id, step_n=st.n,
                                       title=_label(st.title_fr, st.title_en)[:500], kind=st.kind, status=WAITING,
                                       role=role, responsibility=resp, meeting=st.meeting))
    s.add_all(tasks)
    s.flush()
    audit(s, actor, "procedure.started", tenant_id=tenant_id, target_type="procedure_instance", target_id=inst.id,
          code=proc.code, version=proc.version, trigger=trigger, subject_type=inst.subject_type,
          subject_id=inst.subject_id)
    _advance(s, inst, proc, tasks, now=now, actor=actor)
    return inst


def do_start_instance(actor: Actor, tenant_id: int, code: str, *, subject_type: str = "",
                      subject_id: int | None = None, label: str = "", now: datetime | None = None) -> InstanceView:
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    if not isinstance(label, str) or not isinstance(subject_type, str):
        raise Invalid("bad input", code="invalid")
    with tenant_session(tenant_id) as s, transaction(s):
        inst = start_in(s, tenant_id, code, trigger="manual", subject_type=subject_type, subject_id=subject_id,
                        label=label, actor=actor, now=now)
        return _instance_views(s, [inst])[0]


def start_academic_year(actor: Actor | None, tenant_id: int, academic_year_id: int, *,
                        now: datetime | None = None) -> list[InstanceView]:
    """Start, once for the year, every procedure triggered by the start of the academic year.
    Returns the instances this call started (none when they all exist already)."""
    if actor is not None:
        require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    if not isinstance(academic_year_id, int) or isinstance(academic_year_id, bool):
        raise NotFound("no such academic year", code="academic_year_not_found")
    with tenant_session(tenant_id) as s, transaction(s):
        year = s.exec(select(AcademicYear).where(AcademicYear.id == academic_year_id)).first()
        if year is None:
            raise NotFound("no such academic year", code="academic_year_not_found")
        done = set(s.exec(select(ProcedureInstance.code).where(
            ProcedureInstance.subject_type == "academic_year", ProcedureInstance.subject_id == year.id,
            ProcedureInstance.status != CANCELLED)).all())
        started = []
        for proc in _all_current(s):
            if proc.trigger.type != "academic_year_start" or proc.code in done:
                continue
            started.append(start_in(s, tenant_id, proc.code, trigger="academic_year_start",
                                    subject_type="academic_year", subject_id=year.id, label=year.label,
                                    actor=actor, now=now))
        return _instance_views(s, started)


def start_for_event(session: Session, tenant_id: int, event: Event) -> list[ProcedureInstance]:
    """The event_created trigger: creating an event of a type starts the procedures that name
    that type (called inside the calendar's transaction)."""
    out = []
    for proc in _all_current(session):
        if proc.trigger.type == "event_created" and event.type in proc.trigger.event_types:
            out.append(start_in(session, tenant_id, proc.code, trigger="event_created", subject_type="event",
                                subject_id=event.id, label=event.title))
    return out


if start_for_event not in calendar_services.EVENT_CREATED_HOOKS:
    calendar_services.EVENT_CREATED_HOOKS.append(start_for_event)


def start_for_need(session: Session, need: JobNeed) -> list[ProcedureInstance]:
    """The job_need_submitted trigger: a company's need (or one staff entered) starts P22,
    its instance linked to the need (called inside the need's transaction)."""
    return [start_in(session, need.tenant_id, proc.code, trigger="job_need_submitted", subject_type="job_need",
                     subject_id=need.id, label=need.title)
            for proc in _all_current(session) if proc.trigger.type == "job_need_submitted"]


if start_for_need not in need_services.NEED_SUBMITTED_HOOKS:
    need_services.NEED_SUBMITTED_HOOKS.append(start_for_need)


# ---------------------------------------------------------------- moving an instance on

def _step_state(tasks: list[ProcedureTask], mode: str) -> str:
    statuses = [x.status for x in tasks]
    if not statuses or all(st == WAITING for st in statuses):
        return WAITING
    if mode == "any" and DONE in statuses:
        return DONE
    if all(st in RESOLVED for st in statuses):
        return DONE if DONE in statuses else SKIPPED
    if all(st in (*RESOLVED, CANCELLED) for st in statuses):
        return CANCELLED
    return OPEN


class _Anchors:
    """What due dates are counted from, looked up once per change."""

    def __init__(self, s: Session, inst: ProcedureInstance, now: datetime):
        self.s, self.inst, self.now = s, inst, now
        self._cache: dict[str, datetime | None] = {}

    def _local(self, day) -> datetime:  # noqa: ANN001
        return datetime.combine(day, DUE_LOCAL_TIME, tzinfo=tenant_zone(self.s, self.inst.tenant_id))

    def base(self, anchor: str) -> datetime:
        if anchor not in self._cache:
            self._cache[anchor] = self._lookup(anchor)
        return self._cache[anchor] or self.now

    def _lookup(self, anchor: str) -> datetime | None:
        inst, s = self.inst, self.s
        if anchor == "instance_start":
            return inst.started_at
        if anchor in ("academic_year_start", "academic_year_end", "semester_2_start") \
                and inst.subject_type == "academic_year" and inst.subject_id:
            year = s.exec(select(AcademicYear).where(AcademicYear.id == inst.subject_id)).first()
            if year is None:
                return None
            if anchor == "academic_year_start":
                return self._local(year.starts_on)
            if anchor == "academic_year_end":
                return self._local(year.ends_on)
            sem = s.exec(select(Semester).where(Semester.academic_year_id == year.id, Semester.number == 2)).first()
            return self._local(sem.starts_on) if sem else None
        if anchor == "event_start" and inst.subject_type == "event" and inst.subject_id:
            e = s.exec(select(Event).where(Event.id == inst.subject_id)).first()
            return e.starts_at if e else None
        return None  # previous_step, month_start, week_cutoff: counted from when the step opens


def _open(step: Step, tasks: list[ProcedureTask], anchors: _Anchors, now: datetime) -> None:
    due = anchors.base(step.due.anchor) + timedelta(days=step.due.offset_days) if step.due else None
    for x in tasks:
        if x.status != WAITING:
            continue
        x.status, x.opened_at, x.due_at = OPEN, now, due
        if x.role == SYSTEM:  # the product's own step: done as it opens
            x.status, x.completed_at = DONE, now


def _advance(s: Session, inst: ProcedureInstance, proc: Procedure, tasks: list[ProcedureTask], *,
             now: datetime, actor: Actor | None, force_open: int | None = None) -> None:
    """Open every step whose wait is over (and `force_open`, a branch's target), until nothing
    changes; complete the instance when no task is left to do."""
    by_step: dict[int, list[ProcedureTask]] = {}
    for x in tasks:
        by_step.setdefault(x.step_n, []).append(x)
    anchors = _Anchors(s, inst, now)
    if force_open is not None and force_open in by_step:
        _open(proc.step(force_open), by_step[force_open], anchors, now)
    changed = True
    while changed:
        changed = False
        states = {st.n: _step_state(by_step.get(st.n, []), st.mode) for st in proc.steps}
        for st in proc.steps:
            if states[st.n] != WAITING or st.n not in by_step:
                continue
            deps = _deps(proc, st)
            if st.join == "any" and deps:
                ready = any(states[d] == DONE for d in deps) or all(states[d] in RESOLVED for d in deps)
            else:
                ready = all(states[d] in RESOLVED for d in deps)
            if ready:
                _open(st, by_step[st.n], anchors, now)
                states[st.n] = _step_state(by_step[st.n], st.mode)
                changed = True
    s.flush()
    if all(x.status in RESOLVED for x in tasks):
        inst.status, inst.completed_at = COMPLETED, now
        s.add(inst)
        audit(s, actor, "procedure.completed", tenant_id=inst.tenant_id, target_type="procedure_instance",
              target_id=inst.id, code=inst.code)
    s.flush()


def _apply_branch(s: Session, inst: ProcedureInstance, proc: Procedure, step: Step, branch_key: str,
                  tasks: list[ProcedureTask], *, now: datetime, actor: Actor) -> int | None:
    """What a decision's outcome does to the rest of the instance; returns the step to open."""
    branch = next(b for b in step.branches if b.key == branch_key)
    order = [st.n for st in proc.steps]
    here = order.index(step.n)
    if branch.ends:
        for x in tasks:
            if x.status in (WAITING, OPEN):
                x.status, x.completed_at = SKIPPED, now
        return None
    if branch.goto is None:
        return None
    there = order.index(branch.goto)
    if there > here:  # a jump forward: the steps in between are not done
        between = set(order[here + 1:there])
        for x in tasks:
            if x.step_n in between and x.status in (WAITING, OPEN):
                x.status, x.completed_at = SKIPPED, now
    else:  # back to an earlier step (rework until accepted): those steps are done again
        again = set(order[there:here + 1])
        for x in tasks:
            if x.step_n in again:
                x.status, x.opened_at, x.due_at, x.completed_at = WAITING, None, None, None
                x.completed_by_membership_id, x.branch, x.reminded_at = None, None, None
    return branch.goto


# ---------------------------------------------------------------- acting on tasks

def _step_dict(definition: dict, n: int) -> dict:
    for st in definition.get("steps", ()):
        if st.get("n") == n:
            return st
    return {}


def _holds(task: ProcedureTask, step: dict, me: q.Member | None) -> bool:
    """Whether `me` may act on the task: named on it, or holding its role (any of the step's
    roles for a step in mode any)."""
    if me is None:
        return False
    if task.assignee_membership_id is not None:
        return task.assignee_membership_id == me.id
    if me.holds(task.role, task.responsibility):
        return True
    if step.get("mode", "any") == "any":
        return any(me.holds(a.get("role", ""), a.get("responsibility")) for a in step.get("actors", ()))
    return False


def _load_task(s: Session, task_id: Any) -> tuple[ProcedureTask, ProcedureInstance]:
    """The task and its instance (locked), or not_found: another centre's task included."""
    if not isinstance(task_id, int) or isinstance(task_id, bool):
        raise NotFound("no such task")
    task = q.get_task_in_tenant(s, task_id)
    if task is None:
        raise NotFound("no such task")
    inst = q.get_instance_in_tenant(s, task.instance_id, lock=True)
    if inst is None:
        raise NotFound("no such task")
    s.refresh(task)
    return task, inst


def _ensure_open(task: ProcedureTask) -> None:
    if task.status in (DONE, SKIPPED):
        raise Conflict("this task is already done", code="task_already_done")
    if task.status != OPEN:
        raise Conflict("this task is not open", code="task_not_open")


def _take(s: Session, task: ProcedureTask, values: dict) -> None:
    """The conditional UPDATE that makes two concurrent completions one."""
    res = s.execute(update(ProcedureTask).where(ProcedureTask.id == task.id, ProcedureTask.status == OPEN)
                    .values(**values).execution_options(synchronize_session=False))
    if res.rowcount != 1:
        raise Conflict("this task is already done", code="task_already_done")


def _finish(actor: Actor, tenant_id: int, task_id: Any, *, branch: str | None, note: Any, now: datetime | None,
            decide: bool) -> TaskView:
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    note = note_text(note, NOTE_MAX, what="note")
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        task, inst = _load_task(s, task_id)
        step = _step_dict(inst.definition, task.step_n)
        keys = [b.get("key") for b in step.get("branches", ())]
        me = q.member(s, actor.membership_id)
        if not _holds(task, step, me):
            raise Forbidden("this task is not yours", code="not_task_holder")
        _ensure_open(task)
        if decide and (not isinstance(branch, str) or branch not in keys):
            raise Invalid(f"no branch {branch!r} here", code="unknown_branch", branches=keys)
        if not decide and keys:
            raise Invalid("choose one of the outcomes", code="branch_required", branches=keys)
        _take(s, task, {"status": DONE, "completed_at": now, "completed_by_membership_id": me.id,
                        "branch": branch, "note": note})
        s.refresh(task)
        proc = Procedure.model_validate(inst.definition)
        tasks = q.tasks_of(s, inst.id)
        target = None
        st = proc.step(task.step_n)
        if branch is not None:
            chosen = next(b for b in st.branches if b.key == branch)
            mine = [x for x in tasks if x.step_n == st.n]
            if chosen.goto is not None or chosen.ends:
                # several deciders (mode all): an outcome that jumps or ends (a refusal) prevails
                # at once; the others' tasks of the step are no longer needed
                for x in mine:
                    if x.status in (WAITING, OPEN):
                        x.status, x.completed_at = SKIPPED, now
            if _step_state(mine, st.mode) == DONE:
                target = _apply_branch(s, inst, proc, st, branch, tasks, now=now, actor=actor)
        audit(s, actor, "procedure.task_decided" if decide else "procedure.task_completed", tenant_id=tenant_id,
              target_type="procedure_task", target_id=task.id, instance_id=inst.id, step=task.step_n,
              branch=branch, note=note[:200])
        _advance(s, inst, proc, tasks, now=now, actor=actor, force_open=target)
        return _task_views(s, me, [task], {inst.id: inst}, now)[0]


def do_complete_task(actor: Actor, tenant_id: int, task_id: int, *, note: str = "",
                     now: datetime | None = None) -> TaskView:
    """A plain task done; a decision needs its outcome (do_decide)."""
    return _finish(actor, tenant_id, task_id, branch=None, note=note, now=now, decide=False)


def do_decide(actor: Actor, tenant_id: int, task_id: int, branch: str, *, note: str = "",
              now: datetime | None = None) -> TaskView:
    """A decision, approval or review with outcomes: the holder picks one of its branches."""
    return _finish(actor, tenant_id, task_id, branch=branch, note=note, now=now, decide=True)


def decide_step_in_meeting(s: Session, actor: Actor, task_id: Any, *, meeting: str, branch: str | None = None,
                           note: str = "", now: datetime | None = None) -> tuple[ProcedureTask, str]:
    """A step reviewed in a team meeting (P03), decided by the meeting (workflows/meetings),
    inside the caller's transaction: every open task of the task's step in its instance is done
    with the same outcome, then the instance moves on as after do_decide / do_complete_task.
    The task must be on that meeting's agenda. Returns the task and the outcome ("done" for a
    plain task). The caller checks who may decide for the meeting."""
    note = note_text(note, NOTE_MAX, what="note")
    now = now or utcnow()
    task, inst = _load_task(s, task_id)
    if task.meeting != meeting:
        raise Invalid("this task is not on this meeting's agenda", code="not_on_agenda")
    if inst.status != RUNNING:
        raise Conflict("this procedure is not running", code="instance_not_running")
    _ensure_open(task)
    proc = Procedure.model_validate(inst.definition)
    st = proc.step(task.step_n)
    keys = [b.key for b in st.branches]
    if keys and branch in (None, ""):
        raise Invalid("choose one of the outcomes", code="branch_required", branches=keys)
    if (keys and branch not in keys) or (not keys and branch not in (None, "")):
        raise Invalid(f"no branch {branch!r} here", code="unknown_branch", branches=keys)
    branch = branch or None
    me = q.member(s, actor.membership_id)
    for x in q.tasks_of(s, inst.id):
        if x.step_n == st.n and x.status == OPEN:
            _take(s, x, {"status": DONE, "completed_at": now, "completed_by_membership_id": me.id if me else None,
                         "branch": branch, "note": note})
    tasks = q.tasks_of(s, inst.id)  # reloaded: the UPDATEs above bypass the session
    task = next(x for x in tasks if x.id == task.id)
    target = None
    if branch is not None and _step_state([x for x in tasks if x.step_n == st.n], st.mode) == DONE:
        target = _apply_branch(s, inst, proc, st, branch, tasks, now=now, actor=actor)
    audit(s, actor, "procedure.step_decided_in_meeting", tenant_id=inst.tenant_id, target_type="procedure_task",
          target_id=task.id, instance_id=inst.id, step=st.n, meeting=meeting, branch=branch, note=note[:200])
    _advance(s, inst, proc, tasks, now=now, actor=actor, force_open=target)
    return task, branch or DONE


def do_skip_task(actor: Actor, tenant_id: int, task_id: int, *, reason: str,
                 now: datetime | None = None) -> TaskView:
    """An optional step not needed, or a condition that did not hold: its holder says so; the
    manager may skip any open task (someone away, a step that no longer applies)."""
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    reason = note_text(reason, REASON_MAX, what="reason")
    if not reason:
        raise Invalid("say why the step is skipped", code="reason_required")
    now = now or utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        task, inst = _load_task(s, task_id)
        step = _step_dict(inst.definition, task.step_n)
        me = q.member(s, actor.membership_id)
        manager = actor.can(Perm.PROCEDURE_MANAGE)
        if not manager and not _holds(task, step, me):
            raise Forbidden("this task is not yours", code="not_task_holder")
        _ensure_open(task)
        if not manager and not (step.get("optional") or step.get("condition")):
            raise Invalid("this step cannot be skipped", code="not_skippable")
        _take(s, task, {"status": SKIPPED, "completed_at": now,
                        "completed_by_membership_id": me.id if me else None, "note": reason})
        s.refresh(task)
        proc = Procedure.model_validate(inst.definition)
        tasks = q.tasks_of(s, inst.id)
        audit(s, actor, "procedure.task_skipped", tenant_id=tenant_id, target_type="procedure_task",
              target_id=task.id, instance_id=inst.id, step=task.step_n, reason=reason[:200])
        _advance(s, inst, proc, tasks, now=now, actor=actor)
        return _task_views(s, me, [task], {inst.id: inst}, now)[0]


def do_reassign_task(actor: Actor, tenant_id: int, task_id: int, membership_id: int) -> TaskView:
    """The manager names the person who does a task; they must hold its role."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    if not isinstance(membership_id, int) or isinstance(membership_id, bool):
        raise NotFound("no such member", code="member_not_found")
    with tenant_session(tenant_id) as s, transaction(s):
        task, inst = _load_task(s, task_id)
        if task.status not in (WAITING, OPEN):
            raise Conflict("this task is already done", code="task_already_done")
        target = q.member(s, membership_id)
        if target is None:
            raise NotFound("no such member", code="member_not_found")
        step = _step_dict(inst.definition, task.step_n)
        probe = ProcedureTask(tenant_id=tenant_id, instance_id=inst.id, step_n=task.step_n, title="", kind="",
                              role=task.role, responsibility=None)
        if not _holds(probe, step, target):
            raise Invalid("this member does not hold the task's role", code="not_role_holder", role=task.role)
        before = task.assignee_membership_id
        task.assignee_membership_id = target.id
        task.reminded_at = None
        s.add(task)
        audit(s, actor, "procedure.task_reassigned", tenant_id=tenant_id, target_type="procedure_task",
              target_id=task.id, instance_id=inst.id, before=before, after=target.id)
        s.flush()
        return _task_views(s, q.member(s, actor.membership_id), [task], {inst.id: inst}, utcnow())[0]


def do_cancel_instance(actor: Actor, tenant_id: int, instance_id: int, *, reason: str) -> InstanceView:
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    reason = note_text(reason, REASON_MAX, what="reason")
    if not reason:
        raise Invalid("say why the procedure is cancelled", code="reason_required")
    if not isinstance(instance_id, int) or isinstance(instance_id, bool):
        raise NotFound("no such instance")
    now = utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        inst = q.get_instance_in_tenant(s, instance_id, lock=True)
        if inst is None:
            raise NotFound("no such instance")
        if inst.status != RUNNING:
            raise Conflict("this procedure is not running", code="instance_not_running")
        for x in q.tasks_of(s, inst.id):
            if x.status in (WAITING, OPEN):
                x.status, x.completed_at = CANCELLED, now
                s.add(x)
        inst.status, inst.completed_at = CANCELLED, now
        s.add(inst)
        audit(s, actor, "procedure.cancelled", tenant_id=tenant_id, target_type="procedure_instance",
              target_id=inst.id, code=inst.code, reason=reason[:200])
        s.flush()
        return _instance_views(s, [inst])[0]


# ---------------------------------------------------------------- reading

def _task_views(s: Session, me: q.Member | None, rows: list[ProcedureTask],
                instances: dict[int, ProcedureInstance], now: datetime) -> list[TaskView]:
    who = q.names(s, {x.assignee_membership_id for x in rows} | {x.completed_by_membership_id for x in rows})
    out = []
    for x in rows:
        inst = instances[x.instance_id]
        step = _step_dict(inst.definition, x.step_n)
        branches = [(b["key"], b.get("label_fr") or b.get("label_en", "")) for b in step.get("branches", ())]
        out.append(TaskView(
            id=x.id, instance_id=x.instance_id, instance_title=inst.title, code=inst.code, step_n=x.step_n,
            title=x.title, kind=x.kind, status=x.status, role=x.role, responsibility=x.responsibility,
            assignee_membership_id=x.assignee_membership_id, assignee_name=who.get(x.assignee_membership_id, ""),
            meeting=x.meeting, due_at=x.due_at,
            overdue=x.status == OPEN and x.due_at is not None and x.due_at < now,
            branches=branches, subject_type=inst.subject_type, subject_id=inst.subject_id,
            completed_at=x.completed_at, completed_by_name=who.get(x.completed_by_membership_id, ""),
            branch=x.branch, note=x.note, can_act=x.status == OPEN and _holds(x, step, me)))
    return out


def _instance_views(s: Session, rows: list[ProcedureInstance]) -> list[InstanceView]:
    if not rows:
        return []
    ids = [i.id for i in rows]
    T = ProcedureTask
    per_step = s.exec(select(T.instance_id, T.step_n, func.count(),
                             func.sum(case((T.status.in_(RESOLVED), 1), else_=0)),
                             func.sum(case((T.status == OPEN, 1), else_=0)))
                      .where(T.instance_id.in_(ids)).group_by(T.instance_id, T.step_n)).all()
    done: dict[int, int] = {}
    open_: dict[int, int] = {}
    for iid, _n, total, resolved, opened in per_step:
        if int(resolved or 0) == int(total):
            done[iid] = done.get(iid, 0) + 1
        open_[iid] = open_.get(iid, 0) + int(opened or 0)
    return [InstanceView(id=i.id, code=i.code, version=i.version, title=i.title, status=i.status, trigger=i.trigger,
                         subject_type=i.subject_type, subject_id=i.subject_id, started_at=i.started_at,
                         completed_at=i.completed_at, steps_total=len(i.definition.get("steps", ())),
                         steps_done=done.get(i.id, 0), open_tasks=open_.get(i.id, 0)) for i in rows]


def _page(page: Any, per_page: Any) -> tuple[int, int]:
    page = page if isinstance(page, int) and not isinstance(page, bool) and page >= 1 else 1
    per_page = per_page if isinstance(per_page, int) and not isinstance(per_page, bool) else 25
    return page, max(1, min(per_page, MAX_PER_PAGE))


def list_instances(actor: Actor, tenant_id: int, *, status: str | None = None, code: str | None = None,
                   page: int = 1, per_page: int = 25) -> tuple[list[InstanceView], int]:
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    if status not in (None, "", RUNNING, COMPLETED, CANCELLED):
        raise Invalid(f"unknown status {status!r}", code="invalid_filter")
    if code not in (None, "") and (not isinstance(code, str) or not CODE_RE.match(code)):
        raise Invalid(f"unknown procedure {code!r}", code="invalid_filter")
    page, per_page = _page(page, per_page)
    with tenant_session(tenant_id) as s:
        where = []
        if status:
            where.append(ProcedureInstance.status == status)
        if code:
            where.append(ProcedureInstance.code == code)
        total = s.exec(select(func.count()).select_from(ProcedureInstance).where(*where)).one()
        rows = list(s.exec(select(ProcedureInstance).where(*where)
                           .order_by(ProcedureInstance.started_at.desc(), ProcedureInstance.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all())
        return _instance_views(s, rows), int(total)


def get_instance(actor: Actor, tenant_id: int, instance_id: int) -> InstanceDetail:
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    if not isinstance(instance_id, int) or isinstance(instance_id, bool):
        raise NotFound("no such instance")
    with tenant_session(tenant_id) as s:
        inst = q.get_instance_in_tenant(s, instance_id)
        if inst is None:
            raise NotFound("no such instance")
        tasks = q.tasks_of(s, inst.id)
        me = q.member(s, actor.membership_id)
        return InstanceDetail(_instance_views(s, [inst])[0], _task_views(s, me, tasks, {inst.id: inst}, utcnow()))


def inbox(actor: Actor, tenant_id: int, *, scope: str = "mine", when: str = "all", page: int = 1,
          per_page: int = 25, now: datetime | None = None) -> InboxPage:
    """Open tasks: mine (named on it, or my role with nobody named) or my team's (the manager:
    the whole centre); all, overdue or due within the week; soonest due first."""
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    if scope not in q.SCOPES or when not in q.WHENS:
        raise Invalid("unknown inbox filter", code="invalid_filter")
    page, per_page = _page(page, per_page)
    now = now or utcnow()
    T = ProcedureTask
    with tenant_session(tenant_id) as s:
        me = q.member(s, actor.membership_id)
        host = frozenset(r for r in actor.roles if r in HOST_ROLES)
        where = q.inbox_scope(me, scope=scope, sees_all=actor.can(Perm.PROCEDURE_MANAGE), host_roles=host)
        week_end = now + q.WEEK
        total, overdue, week = s.exec(select(
            func.count(),
            func.sum(case(((T.due_at.is_not(None)) & (T.due_at < now), 1), else_=0)),
            func.sum(case(((T.due_at.is_not(None)) & (T.due_at >= now) & (T.due_at < week_end), 1), else_=0)),
        ).select_from(T).where(*where)).one()
        total = {"all": total, "overdue": overdue, "week": week}[when]
        rows = list(s.exec(select(T).where(*where, *q.when_clause(when, now))
                           .order_by(T.due_at.is_(None), T.due_at, T.id)
                           .offset((page - 1) * per_page).limit(per_page)).all())
        instances = {i.id: i for i in s.exec(select(ProcedureInstance).where(
            ProcedureInstance.id.in_({x.instance_id for x in rows}))).all()} if rows else {}
        items = _task_views(s, me, rows, instances, now)
    return InboxPage(items=items, total=int(total or 0), page=page, per_page=per_page, overdue=int(overdue or 0),
                     due_this_week=int(week or 0))


# ---------------------------------------------------------------- reminders

def _has_inbox(role: str) -> bool:
    """Roles that see a procedure inbox; the others (students, company contacts) are never
    reminded of a step staff carry out with them."""
    try:
        return Perm.PROCEDURE_VIEW in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


def _recipients(s: Session, task: ProcedureTask, members: list[q.Member]) -> list[int]:
    if task.assignee_membership_id is not None:
        return [task.assignee_membership_id]
    if not _has_inbox(task.role):
        return []
    return [m.id for m in members if m.holds(task.role, task.responsibility)]


def enqueue_task_reminders(now: datetime | None = None) -> int:
    """E-mail the holders of open tasks due within 24 hours or overdue, at most once a day per
    task (reminded_at). Runs network-wide from beat; returns the e-mails enqueued."""
    now = now or utcnow()
    sent = 0
    base = get_settings().base_url
    with system_session("procedure task reminders") as s, transaction(s):
        T = ProcedureTask
        rows = list(s.exec(select(T).where(T.status == OPEN, T.due_at.is_not(None), T.due_at <= now + REMIND_BEFORE,
                                           (T.reminded_at.is_(None)) | (T.reminded_at <= now - REMIND_EVERY))
                           .order_by(T.tenant_id, T.due_at, T.id)).all())
        by_tenant: dict[int, list[ProcedureTask]] = {}
        for x in rows:
            by_tenant.setdefault(x.tenant_id, []).append(x)
        for tenant_id, tasks in by_tenant.items():
            tenant = s.get(Tenant, tenant_id)
            zone = tenant_zone(s, tenant_id)
            titles = dict(s.exec(select(ProcedureInstance.id, ProcedureInstance.title).where(
                ProcedureInstance.tenant_id == tenant_id,
                ProcedureInstance.id.in_({x.instance_id for x in tasks}))).all())
            members = q.members_holding(s, {x.role for x in tasks if _has_inbox(x.role)}, tenant_id=tenant_id)
            ids = {mid for x in tasks for mid in _recipients(s, x, members)}
            people = {mid: acc for mid, acc in s.exec(
                select(Membership.id, Account).join(Account, Account.id == Membership.account_id)
                .where(Membership.tenant_id == tenant_id, Membership.id.in_(ids), Membership.active.is_(True),
                       Account.active.is_(True))).all()} if ids else {}
            for x in tasks:
                for mid in _recipients(s, x, members):
                    acc = people.get(mid)
                    if acc is None:
                        continue
                    lang = acc.locale or tenant.locale or "fr"
                    values = {"name": acc.full_name, "task": x.title, "procedure": titles.get(x.instance_id, ""),
                              "due": x.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), "tenant": tenant.name,
                              "link": f"{base}/{'host' if x.role in HOST_ROLES else 'staff'}/inbox"}
                    kind = "overdue" if x.due_at < now else "due"
                    outbox.enqueue(s, EMAIL_KIND, {
                        "to": acc.email, "subject": t(f"mail.procedure_task_{kind}.subject", lang, **values),
                        "text": t(f"mail.procedure_task_{kind}.body", lang, **values)},
                        key=f"procedure-task-reminder:{x.id}:{mid}:{now.date().isoformat()}", tenant_id=tenant_id)
                    sent += 1
                x.reminded_at = now
                s.add(x)
    return sent
