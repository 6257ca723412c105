"""The procedures over REST (issue 6 §4): the definitions and their versions, the instances a
centre runs, and the tasks of the caller's inbox (list, complete, decide, skip). Every route
calls workflows.procedures.services, which checks the permission and the centre."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from workflows.procedures import services as proc
from workflows.procedures import views

router = APIRouter(tags=["procedures"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
Scope = Depends(actor_in_tenant)
Code = Path(pattern=r"^P\d{2}$", description="P01 … P31")
InstanceId = Path(ge=1, le=MAX_ID)
TaskId = Path(ge=1, le=MAX_ID)
MAX_PER_PAGE = 100


# ---------------------------------------------------------------- schemas

class ProcedureOut(BaseModel):
    code: str
    title_en: str
    title_fr: str
    family: str
    version: int = Field(description="the version new instances use in this centre")
    steps: int
    trigger: str
    running: int = Field(description="instances running in this centre")


class BranchOut(BaseModel):
    key: str
    label: str
    goto: int | None = Field(description="the step this outcome leads to; null: the next step")
    ends: bool = Field(description="this outcome ends the procedure")


class DocumentOut(BaseModel):
    ref: str = Field(description="the book's code (M30, T05, BD01…)")
    use: str = Field(description="input, output, update or reference")
    name: str


class StepOut(BaseModel):
    n: int
    title: str
    kind: str
    lane: str = Field(description="the role doing it (role:responsibility when narrowed)")
    column: int = Field(description="0-based position in reading order")
    after: list[int] = Field(description="the steps it waits for")
    branches: list[BranchOut]
    meeting: str | None
    due_text: str
    documents: list[DocumentOut]


class ProcedureDetailOut(BaseModel):
    code: str
    version: int
    title_en: str
    title_fr: str
    family: str
    purpose_en: str
    trigger: str
    trigger_text: str
    lanes: list[str] = Field(description="the swimlanes, in drawing order")
    steps: list[StepOut]
    versions: list[int] = Field(description="every version this centre can see")


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field("", max_length=100, description='added to the title, e.g. "2027-2028"')
    subject_type: str = Field("", max_length=40, description="the record it is about: event, academic_year…")
    subject_id: int | None = Field(None, ge=1, le=MAX_ID)


class InstanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    version: int
    title: str
    status: str
    trigger: str
    subject_type: str
    subject_id: int | None
    started_at: datetime
    completed_at: datetime | None
    steps_total: int
    steps_done: int
    open_tasks: int


class TaskOut(BaseModel):
    id: int
    instance_id: int
    instance_title: str
    code: str
    step_n: int
    title: str
    kind: str
    status: str
    role: str
    responsibility: str | None
    assignee_membership_id: int | None
    assignee_name: str = Field(description='"" when any holder of the role may do it')
    meeting: str | None
    due_at: datetime | None
    overdue: bool
    branches: list[dict[str, str]] = Field(description="the outcomes the holder may choose: {key, label}")
    subject_type: str
    subject_id: int | None
    completed_at: datetime | None
    completed_by_name: str
    branch: str | None
    note: str
    can_act: bool = Field(description="the caller may complete or decide it now")


class InstanceDetailOut(BaseModel):
    instance: InstanceOut
    tasks: list[TaskOut]


class InstancePage(BaseModel):
    items: list[InstanceOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


class InboxOut(BaseModel):
    items: list[TaskOut]
    page: int
    per_page: int
    total: int
    next_page: int | None
    overdue: int = Field(description="overdue tasks of the same scope")
    due_this_week: int


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=1000)


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=4000)


class DecideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    branch: str = Field(max_length=40, description="one of the task's branches")
    note: str = Field("", max_length=4000)


class SkipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=1000)


# ---------------------------------------------------------------- helpers

def _detail(d: views.ProcedureDetail) -> ProcedureDetailOut:
    return ProcedureDetailOut(
        code=d.code, version=d.version, title_en=d.title_en, title_fr=d.title_fr, family=d.family,
        purpose_en=d.purpose_en, trigger=d.trigger, trigger_text=d.trigger_text, lanes=list(d.lanes),
        versions=list(d.versions),
        steps=[StepOut(n=s.n, title=s.title, kind=s.kind, lane=s.lane, column=s.column, after=list(s.after),
                       branches=[BranchOut(key=k, label=label, goto=goto, ends=ends) for k, label, goto, ends in s.branches],
                       meeting=s.meeting, due_text=s.due_text,
                       documents=[DocumentOut(ref=r, use=u, name=n) for r, u, n in s.documents])
               for s in d.steps])


def _task(t: views.TaskView) -> TaskOut:
    return TaskOut(
        id=t.id, instance_id=t.instance_id, instance_title=t.instance_title, code=t.code, step_n=t.step_n,
        title=t.title, kind=t.kind, status=t.status, role=t.role, responsibility=t.responsibility,
        assignee_membership_id=t.assignee_membership_id, assignee_name=t.assignee_name, meeting=t.meeting,
        due_at=t.due_at, overdue=t.overdue, branches=[{"key": k, "label": label} for k, label in t.branches],
        subject_type=t.subject_type, subject_id=t.subject_id, completed_at=t.completed_at,
        completed_by_name=t.completed_by_name, branch=t.branch, note=t.note, can_act=t.can_act)


def _instance(i: views.InstanceView) -> InstanceOut:
    return InstanceOut.model_validate(i)


# ---------------------------------------------------------------- procedures

@router.get(T + "/procedures", response_model=list[ProcedureOut])
def list_procedures(scope: tuple[Actor, int] = Scope) -> list[ProcedureOut]:
    actor, tenant_id = scope
    return [ProcedureOut(code=p.code, title_en=p.title_en, title_fr=p.title_fr, family=p.family, version=p.version,
                         steps=p.steps, trigger=p.trigger, running=p.running)
            for p in proc.list_procedures(actor, tenant_id)]


@router.get(T + "/procedures/{code}", response_model=ProcedureDetailOut)
def get_procedure(code: str = Code, version: int | None = Query(None, ge=1, le=10000),
                  scope: tuple[Actor, int] = Scope) -> ProcedureDetailOut:
    actor, tenant_id = scope
    return _detail(proc.get_procedure(actor, tenant_id, code, version))


@router.post(T + "/procedures/{code}/instances", response_model=InstanceOut, status_code=201)
def start_instance(body: StartIn, code: str = Code, scope: tuple[Actor, int] = Scope) -> InstanceOut:
    actor, tenant_id = scope
    return _instance(proc.do_start_instance(actor, tenant_id, code, subject_type=body.subject_type,
                                            subject_id=body.subject_id, label=body.label))


# ---------------------------------------------------------------- instances

@router.get(T + "/procedure-instances", response_model=InstancePage)
def list_instances(status: str | None = Query(None, pattern="^(running|completed|cancelled)$"),
                   code: str | None = Query(None, pattern=r"^P\d{2}$"),
                   page: int = Query(1, ge=1, le=100000), per_page: int = Query(25, ge=1, le=MAX_PER_PAGE),
                   scope: tuple[Actor, int] = Scope) -> InstancePage:
    actor, tenant_id = scope
    items, total = proc.list_instances(actor, tenant_id, status=status, code=code, page=page, per_page=per_page)
    return InstancePage(items=[_instance(i) for i in items], page=page, per_page=per_page, total=total,
                        next_page=page + 1 if page * per_page < total else None)


@router.get(T + "/procedure-instances/{instance_id}", response_model=InstanceDetailOut)
def get_instance(instance_id: int = InstanceId, scope: tuple[Actor, int] = Scope) -> InstanceDetailOut:
    actor, tenant_id = scope
    d = proc.get_instance(actor, tenant_id, instance_id)
    return InstanceDetailOut(instance=_instance(d.instance), tasks=[_task(t) for t in d.tasks])


@router.post(T + "/procedure-instances/{instance_id}/cancel", response_model=InstanceOut)
def cancel_instance(body: CancelIn, instance_id: int = InstanceId, scope: tuple[Actor, int] = Scope) -> InstanceOut:
    actor, tenant_id = scope
    return _instance(proc.do_cancel_instance(actor, tenant_id, instance_id, reason=body.reason))


# ---------------------------------------------------------------- tasks

@router.get(T + "/tasks", response_model=InboxOut)
def list_tasks(scope_: str = Query("mine", alias="scope", pattern="^(mine|team)$"),
               when: str = Query("all", pattern="^(all|overdue|week)$"),
               page: int = Query(1, ge=1, le=100000), per_page: int = Query(25, ge=1, le=MAX_PER_PAGE),
               scope: tuple[Actor, int] = Scope) -> InboxOut:
    actor, tenant_id = scope
    got = proc.inbox(actor, tenant_id, scope=scope_, when=when, page=page, per_page=per_page)
    return InboxOut(items=[_task(t) for t in got.items], page=got.page, per_page=got.per_page, total=got.total,
                    next_page=got.page + 1 if got.page * got.per_page < got.total else None,
                    overdue=got.overdue, due_this_week=got.due_this_week)


@router.post(T + "/tasks/{task_id}/complete", response_model=TaskOut)
def complete_task(body: CompleteIn, task_id: int = TaskId, scope: tuple[Actor, int] = Scope) -> TaskOut:
    actor, tenant_id = scope
    return _task(proc.do_complete_task(actor, tenant_id, task_id, note=body.note))


@router.post(T + "/tasks/{task_id}/decide", response_model=TaskOut)
def decide_task(body: DecideIn, task_id: int = TaskId, scope: tuple[Actor, int] = Scope) -> TaskOut:
    actor, tenant_id = scope
    return _task(proc.do_decide(actor, tenant_id, task_id, body.branch, note=body.note))


@router.post(T + "/tasks/{task_id}/skip", response_model=TaskOut)
def skip_task(body: SkipIn, task_id: int = TaskId, scope: tuple[Actor, int] = Scope) -> TaskOut:
    actor, tenant_id = scope
    return _task(proc.do_skip_task(actor, tenant_id, task_id, reason=body.reason))
