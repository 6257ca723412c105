"""Tables of the reference model (network level, versioned), of each centre's assessments
(self-assessment and external evaluation, P28), of the benchmark's figures, and of the team's
annual evaluation (M14, P27).

The model and the benchmark belong to the network (no tenant_id); an assessment and everything
it gathers belongs to the assessed centre, so the tenancy walls of DESIGN §4 hold for it. An
evaluator reaches a centre's assessment only through a system session opened by the service
that has checked the evaluator's assignment to that centre.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow

# ---------------------------------------------------------------- the reference model


class ModelStatus(StrEnum):
    DRAFT = "draft"  # network admins edit it
    PUBLISHED = "published"  # frozen; new assessments take the newest published version
    RETIRED = "retired"  # kept for the assessments made with it


class Tier(StrEnum):
    MUST = "must"  # the minimum every centre meets
    SHOULD = "should"  # best practice


class ReferenceModel(SQLModel, table=True):
    __tablename__ = "reference_model"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    title: str = Field(max_length=200)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default=ModelStatus.DRAFT.value, max_length=12, index=True)
    # the version it was copied from, when it was
    based_on_id: int | None = Field(default=None, foreign_key="reference_model.id")
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=ts_column())


class RefDomain(SQLModel, table=True):
    __tablename__ = "ref_domain"
    __table_args__ = (UniqueConstraint("model_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="reference_model.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=20)  # "PLA", "AMB", ...
    position: int = 0
    # the procedure book's family it covers, or a standards dimension ("mission", "ethics", ...)
    family: str = Field(default="", max_length=40)
    # {"fr": ..., "en": ..., "ar": ...}
    title: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RefCriterion(SQLModel, table=True):
    __tablename__ = "ref_criterion"
    __table_args__ = (UniqueConstraint("model_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="reference_model.id", index=True, ondelete="CASCADE")
    domain_id: int = Field(foreign_key="ref_domain.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=20)  # "PLA.1"
    position: int = 0
    title: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    tier: str = Field(default=Tier.SHOULD.value, max_length=8)
    # what a rater looks at: {"fr": ..., "en": ..., "ar": ...}
    evidence: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # a rating below "met" (or any rating, when "always") must say why
    justification: str = Field(default="below_met", max_length=12)  # none | below_met | always
    weight: float = 1.0
    procedures: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class RefIndicator(SQLModel, table=True):
    """A measure that informs a criterion. `live_key` names a figure the product computes from
    the centre's own data (workflows/assessment/indicators.py); empty for a manual one."""

    __tablename__ = "ref_indicator"
    __table_args__ = (UniqueConstraint("model_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="reference_model.id", index=True, ondelete="CASCADE")
    criterion_id: int = Field(foreign_key="ref_criterion.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=24)  # "PLA.1.a"
    position: int = 0
    title: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    live_key: str = Field(default="", max_length=60)
    unit: str = Field(default="", max_length=20)  # "count", "percent", "score5", "days"
    # the value from which the criterion counts as met (for a live indicator's suggestion)
    target: float | None = None
    higher_is_better: bool = True


# ---------------------------------------------------------------- a centre's assessments


class Mode(StrEnum):
    SELF = "self"  # P28, first variant
    EXTERNAL = "external"  # P28, second variant


class AssessmentStatus(StrEnum):
    FRAMING = "framing"  # the manager (or the evaluators) present the approach (P28.1)
    PLANNING = "planning"  # the questionnaire is reviewed and the work planned (P28.2)
    COLLECTING = "collecting"  # evidence is gathered (P28.3)
    RATING = "rating"  # external: evaluators interview and rate independently (P28.4)
    CONSENSUS = "consensus"  # external: evaluators agree on one rating per criterion
    COMPLETED = "completed"  # the questionnaire is complete and locked; the job computes it (P28.5)
    EVALUATED = "evaluated"  # scores, report and action plan are available
    CLOSED = "closed"  # external: recommendations sent to the centre


class RatingStatus(StrEnum):
    RATED = "rated"
    NOT_APPLICABLE = "not_applicable"
    INSUFFICIENT = "insufficient_evidence"


SCALE = (0, 1, 2, 3)  # 0 not met, 1 partly met, 2 met, 3 fully met


class Assessment(TenantOwned, table=True):
    __tablename__ = "assessment"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "framed_by_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "self_assessment_id"], ["assessment.tenant_id", "assessment.id"]),
        ForeignKeyConstraint(["tenant_id", "review_meeting_id"], ["meeting_record.tenant_id", "meeting_record.id"]),
        Index("ix_assessment_evaluated", "model_id", "status", "evaluated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # the model version it was started with: it keeps it even when a newer one is published
    model_id: int = Field(foreign_key="reference_model.id", index=True)
    mode: str = Field(default=Mode.SELF.value, max_length=10)
    status: str = Field(default=AssessmentStatus.FRAMING.value, max_length=12)
    title: str = Field(max_length=200)
    period_label: str = Field(default="", max_length=40)  # "2026-2027"
    framed_by_membership_id: int | None = None
    framing_note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # P28.2: the weekly meeting (self) or ad hoc meeting (external) that planned it
    review_meeting_id: int | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    # external: the self-assessment its ratings are compared with
    self_assessment_id: int | None = None
    completed_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    completed_at: datetime | None = Field(default=None, sa_column=ts_column())
    evaluated_at: datetime | None = Field(default=None, sa_column=ts_column())
    # the computed evaluation (P28.5): {"overall": .., "domains": {code: ..}, "criteria": {code: ..},
    # "must_unmet": [codes], "maturity": .., "counts": {...}}
    result: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    overall_score: float | None = None  # 0-100
    maturity: str = Field(default="", max_length=20)
    must_unmet: int = 0
    # the centre's peer group and size band when it was evaluated (for the benchmark)
    peer_kind: str = Field(default="", max_length=40)
    size_band: str = Field(default="", max_length=10)
    recommendations_sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class AssessmentRating(TenantOwned, table=True):
    """One rater's answer for one criterion. `rater` is "self" (the manager's questionnaire),
    "evaluator:<account id>" (an external evaluator, independently) or "consensus"."""

    __tablename__ = "assessment_rating"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "assessment_id"], ["assessment.tenant_id", "assessment.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "assessment_id", "criterion_id", "rater"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(index=True)
    criterion_id: int = Field(foreign_key="ref_criterion.id")
    rater: str = Field(max_length=40)
    status: str = Field(default=RatingStatus.RATED.value, max_length=24)
    value: int | None = None  # 0..3 when rated
    justification: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    rated_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class EvidenceKind(StrEnum):
    FILE = "file"
    LINK = "link"
    NOTE = "note"
    LIVE = "live"  # a figure computed from the product's data, frozen when captured


class AssessmentEvidence(TenantOwned, table=True):
    __tablename__ = "assessment_evidence"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "assessment_id"], ["assessment.tenant_id", "assessment.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(index=True)
    criterion_id: int | None = Field(default=None, foreign_key="ref_criterion.id")
    indicator_id: int | None = Field(default=None, foreign_key="ref_indicator.id")
    kind: str = Field(max_length=8)
    title: str = Field(default="", max_length=200)
    url: str = Field(default="", max_length=1000)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    storage_key: str = Field(default="", max_length=300)  # file evidence (integrations/storage.py)
    filename: str = Field(default="", max_length=200)
    content_type: str = Field(default="", max_length=100)
    size_bytes: int = 0
    live_key: str = Field(default="", max_length=60)
    live_value: float | None = None
    # how the live figure was computed: period, numerator, denominator...
    live_detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    added_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class ActionKind(StrEnum):
    STRENGTH = "strength"
    IMPROVEMENT = "improvement"


class AssessmentAction(TenantOwned, table=True):
    """The action plan that follows an evaluation: strengths to keep, improvements with an owner
    and a deadline; an improvement can be carried into the annual action plan (M30)."""

    __tablename__ = "assessment_action"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "assessment_id"], ["assessment.tenant_id", "assessment.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "owner_membership_id"], ["membership.tenant_id", "membership.id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(index=True)
    criterion_id: int | None = Field(default=None, foreign_key="ref_criterion.id")
    kind: str = Field(max_length=12)
    text: str = Field(sa_column=Column(Text, nullable=False))
    owner_membership_id: int | None = None
    deadline: date | None = None
    done: bool = False
    # the annual action plan activity key it was carried into ("" when not carried)
    plan_activity_key: str = Field(default="", max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class EvaluatorAssignment(TenantOwned, table=True):
    """A network admin assigns an external evaluator to a centre: the only centres whose
    assessment data the evaluator can open."""

    __tablename__ = "evaluator_assignment"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "evaluator_account_id"))

    id: int | None = Field(default=None, primary_key=True)
    evaluator_account_id: int = Field(foreign_key="account.id", index=True)
    assigned_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class EvaluationInterview(TenantOwned, table=True):
    """An external evaluator's interview with a team member (P28.4, external variant)."""

    __tablename__ = "evaluation_interview"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "assessment_id"], ["assessment.tenant_id", "assessment.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(index=True)
    evaluator_account_id: int = Field(foreign_key="account.id")
    membership_id: int  # the team member interviewed
    held_on: date
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    criteria: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class Recommendation(TenantOwned, table=True):
    """External evaluators' recommendations (doc:evaluation_recommendations), sent to the centre."""

    __tablename__ = "assessment_recommendation"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "assessment_id"], ["assessment.tenant_id", "assessment.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(index=True)
    criterion_id: int | None = Field(default=None, foreign_key="ref_criterion.id")
    priority: str = Field(default="medium", max_length=8)  # high | medium | low
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_by_account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


# ---------------------------------------------------------------- the benchmark (network level)


class BenchmarkStat(SQLModel, table=True):
    """One figure of the benchmark: over the latest evaluated assessment of each centre on a model
    version, for a peer group, the distribution of one score (overall, a domain or a criterion).
    Kept up to date incrementally when an assessment is evaluated (workflows/assessment/benchmark.py)."""

    __tablename__ = "benchmark_stat"
    __table_args__ = (UniqueConstraint("model_id", "peer_group", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="reference_model.id", index=True)
    # "all", "kind:university", "size:large", ...
    peer_group: str = Field(max_length=60)
    key: str = Field(max_length=30)  # "overall", a domain code, or a criterion code
    n: int = 0
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class CentreScore(SQLModel, table=True):
    """The benchmark's input: each centre's latest evaluated scores on a model version, one row per
    (centre, key), so a change of one assessment rewrites only that centre's rows. Network level:
    read only by the benchmark's services, which never return another centre's name to a centre."""

    __tablename__ = "centre_score"
    __table_args__ = (
        UniqueConstraint("model_id", "centre_id", "key"),
        Index("ix_centre_score_model_key", "model_id", "key", "peer_kind", "size_band", "score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="reference_model.id")
    centre_id: int = Field(foreign_key="tenant.id", index=True)
    assessment_id: int
    key: str = Field(max_length=30)
    score: float
    peer_kind: str = Field(default="", max_length=40)
    size_band: str = Field(default="", max_length=10)
    evaluated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


# ---------------------------------------------------------------- the team's annual evaluation (P27, M14)


class ReviewStatus(StrEnum):
    PROPOSED = "proposed"  # the manager proposed dates (P27.1)
    CONFIRMED = "confirmed"  # the member gave availability (P27.2)
    SCHEDULED = "scheduled"  # final date fixed in the coordination meeting (P27.3)
    FORM_SENT = "form_sent"  # M14 sent a few days before (P27.5)
    FILLED = "filled"  # filled in together during the interview (P27.6)
    FINALISED = "finalised"  # finalised by the manager and sent for comment (P27.7)
    COMMENTED = "commented"  # the member gave an opinion


class PerformanceReview(TenantOwned, table=True):
    """One team member's annual evaluation (M14). Visible to the manager and the member only."""

    __tablename__ = "performance_review"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "manager_membership_id"], ["membership.tenant_id", "membership.id"]),
        ForeignKeyConstraint(["tenant_id", "academic_year_id"], ["academic_year.tenant_id", "academic_year.id"]),
        UniqueConstraint("tenant_id", "academic_year_id", "membership_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    academic_year_id: int
    membership_id: int  # the member evaluated
    manager_membership_id: int
    status: str = Field(default=ReviewStatus.PROPOSED.value, max_length=12)
    # the manager's proposals and the member's availability: [{"at": iso, "available": bool|None}]
    proposed_slots: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    interview_at: datetime | None = Field(default=None, sa_column=ts_column())
    fixed_in_meeting_id: int | None = None
    form_sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    # M14: {"objectives": [{"title", "achievement" 0-4, "comment"}], "competencies": [{"key", "rating"}],
    #       "strengths", "improvements", "training_needs", "next_objectives": [..], "manager_comment",
    #       "overall" 1-4}
    form: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    filled_at: datetime | None = Field(default=None, sa_column=ts_column())
    finalised_at: datetime | None = Field(default=None, sa_column=ts_column())
    member_comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    commented_at: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
