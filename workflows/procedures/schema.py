"""What a procedure definition is (issue 6 §1): steps, who does them, what kind of step,
which steps must be done first, when each is due, the branches of a decision, and the
documents and records each step reads or produces.

Definitions are data (definitions/P01.yaml … P31.yaml, version 1, converted from the
procedure book); a centre's revision (P31) is the same structure stored in the database.
`Procedure.model_validate` is the single gate: a definition that does not validate is
never published or run.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

StepKind = Literal["task", "approval", "decision", "notification", "data_entry", "document", "event_day",
                   "review_in_weekly_meeting", "review_in_monthly_meeting", "review_in_semester_meeting"]
STEP_KINDS: tuple[str, ...] = StepKind.__args__  # type: ignore[attr-defined]

# Who does a step, in product terms: a membership role of the centre, optionally narrowed to a
# counselor's line of work; "system" for what the product does by itself.
RoleKey = Literal["manager", "career_counselor", "business_developer", "ambassador", "intern", "student",
                  "host_approver", "host_focal_point", "company_contact", "external_evaluator", "system"]
ResponsibilityKey = Literal["communication", "coordination", "ambassador_programme", "procedure_committee",
                            "job_fair_committee"]

# What a due date is counted from.
Anchor = Literal[
    "instance_start",        # when the instance starts (default)
    "previous_step",         # when the steps it waits for are done
    "academic_year_start", "academic_year_end", "semester_2_start",
    "month_start", "week_cutoff",  # the centre's weekly statistics cut-off (P24)
    "event_start",           # the record the instance is about (an event, a fair)
]
TriggerType = Literal["manual", "academic_year_start", "academic_year_end", "semester_start", "semester_2_start",
                      "month_start", "week", "event_created", "job_need_submitted", "incident", "request"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(_Strict):
    role: RoleKey
    responsibility: ResponsibilityKey | None = None
    # when the centre has nobody in `role` (no business developer: the manager, P21/P23)
    fallback: RoleKey | None = None


class Due(_Strict):
    anchor: Anchor = "previous_step"
    offset_days: int = Field(0, ge=-400, le=400)  # negative: before the anchor
    text_en: str = ""  # the book's cue ("at least 3 months before the event")


class Branch(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label_en: str
    label_fr: str = ""
    goto: int | None = None  # the step that follows this outcome; None with ends=False: the next step
    ends: bool = False  # this outcome ends the procedure


class DocumentRef(_Strict):
    ref: str  # the book's code (M30, T05, BD01…) or doc:<slug>
    use: Literal["input", "output", "update", "reference"]
    name_en: str
    # the product record it is (see catalog.RECORDS): an event, a certificate, a plan…
    record: str


class Step(_Strict):
    n: int = Field(ge=1, le=200)
    title_en: str = Field(min_length=3)
    title_fr: str = ""
    kind: StepKind
    actors: list[Actor] = Field(min_length=1)
    # "all": each actor's holders get a task and all must finish; "any": one task, any holder
    mode: Literal["all", "any"] = "any"
    # the steps this one waits for; None: the previous step (the book's reading order)
    after: list[int] | None = None
    join: Literal["all", "any"] = "all"
    meeting: str | None = None  # weekly_coordination_meeting, monthly_management_meeting…
    due: Due | None = None
    condition: str = ""  # a guard in words; a person confirms it or skips the step
    branches: list[Branch] = Field(default_factory=list)
    documents: list[DocumentRef] = Field(default_factory=list)
    notify: list[RoleKey] = Field(default_factory=list)
    optional: bool = False

    @model_validator(mode="after")
    def _decisions_have_branches(self) -> Step:
        if self.branches and self.kind not in ("decision", "approval", "review_in_weekly_meeting",
                                               "review_in_monthly_meeting", "review_in_semester_meeting"):
            raise ValueError(f"step {self.n}: only decisions, approvals and reviews have branches")
        keys = [b.key for b in self.branches]
        if len(keys) != len(set(keys)):
            raise ValueError(f"step {self.n}: two branches share a key")
        return self


class Trigger(_Strict):
    type: TriggerType = "manual"
    recurrence: Literal["annual", "semester", "monthly", "weekly", "per_event", "on_demand", "continuous",
                        "per_period", "unspecified"] = "on_demand"
    event_types: list[str] = Field(default_factory=list)  # event_created: the calendar types that start it
    text_en: str = ""


class Procedure(_Strict):
    code: str = Field(pattern=r"^P\d{2}$")
    version: int = Field(ge=1)
    title_en: str
    title_fr: str
    family: Literal["planning", "ambassadors", "activities", "host-institution", "private-sector", "reporting",
                    "communication", "procedures"]
    purpose_en: str = ""
    trigger: Trigger = Trigger()
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _graph(self) -> Procedure:
        numbers = [s.n for s in self.steps]
        if len(numbers) != len(set(numbers)):
            raise ValueError("two steps share a number")
        known = set(numbers)
        for s in self.steps:
            for dep in s.after or ():
                if dep not in known or dep == s.n:
                    raise ValueError(f"step {s.n} waits for step {dep}, which is not another step of this procedure")
            for b in s.branches:
                if b.goto is not None and b.goto not in known:
                    raise ValueError(f"step {s.n}: branch {b.key} goes to step {b.goto}, which does not exist")
        return self

    def step(self, n: int) -> Step:
        for s in self.steps:
            if s.n == n:
                return s
        raise KeyError(n)
