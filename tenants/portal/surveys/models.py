"""Satisfaction questionnaires (T04): a template per event type, the questionnaire opened
for one closed event (a snapshot of the template's questions), and students' answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from integrations.db import TenantOwned, tenant_table_args, ts_column, utcnow

RATING = "rating"  # 1 to 5
TEXT = "text"  # free comment
KINDS = (RATING, TEXT)
RATING_MIN, RATING_MAX = 1, 5


class SurveyTemplate(TenantOwned, table=True):
    """The questions asked after every event of one type, in order.

    questions: [{"key": "q1", "kind": "rating"|"text", "label": "...", "label_key": "...",
    "required": true}]. `label_key` names an i18n key (the default template), so a student
    reads it in their language; a label typed by staff is shown as typed.
    """

    __tablename__ = "survey_template"
    __table_args__ = tenant_table_args(UniqueConstraint("tenant_id", "event_type"))

    id: int | None = Field(default=None, primary_key=True)
    event_type: str = Field(max_length=40)
    questions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_by_membership_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class Questionnaire(TenantOwned, table=True):
    """The questionnaire of one closed event. Its questions are copied from the template when
    it opens, so a later edit of the template does not change what students already answered."""

    __tablename__ = "questionnaire"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "event_id"], ["event.tenant_id", "event.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "event_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int
    questions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opened_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    invitations_sent: int = 0


class SurveyResponse(TenantOwned, table=True):
    """One student's submission (T04 completion, which triggers the certificate, P08.10)."""

    __tablename__ = "survey_response"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "questionnaire_id"], ["questionnaire.tenant_id", "questionnaire.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "registration_id"], ["registration.tenant_id", "registration.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "student_membership_id"], ["membership.tenant_id", "membership.id"]),
        # answered once: the database refuses a second submission for one registration
        UniqueConstraint("tenant_id", "registration_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    questionnaire_id: int = Field(index=True)
    registration_id: int
    student_membership_id: int = Field(index=True)
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class SurveyAnswer(TenantOwned, table=True):
    """One answer: a rating or a text. One row per question so averages are plain SQL (T03)."""

    __tablename__ = "survey_answer"
    __table_args__ = tenant_table_args(
        ForeignKeyConstraint(["tenant_id", "response_id"], ["survey_response.tenant_id", "survey_response.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "questionnaire_id"], ["questionnaire.tenant_id", "questionnaire.id"],
                             ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "response_id", "question_key"),
        Index("ix_survey_answer_questionnaire_key", "tenant_id", "questionnaire_id", "question_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: int
    questionnaire_id: int
    question_key: str = Field(max_length=20)
    rating: int | None = None
    text: str = Field(default="", max_length=2000)
