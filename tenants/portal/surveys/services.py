"""Satisfaction questionnaires (T04, P08.9, BR-05/BR-06).

Staff define the questions per event type (ratings 1-5 and free text, in order, required or
not); workshops get a default template the first time one is needed. When an event is closed
the questionnaire opens (`do_open_questionnaire`, or `open_questionnaire_in` inside the
closing transaction): the template's questions are copied onto it and every student checked
in is invited by e-mail through the outbox. A student who attended answers once (a unique key
per registration backs the check); the participation certificate (T05) is issued in the same
transaction (P08.10). Staff read the results per event and per counselor (the organiser).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Forbidden, Invalid, NotFound
from integrations.i18n import LANGS, t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from integrations.validation import parse
from tenants.calendar.models import Event
from tenants.calendar.services import CLOSED as EVENT_CLOSED
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm
from tenants.core.services import audit
from tenants.portal.certificates import services as certificates
from tenants.portal.certificates.services import CertificateView
from tenants.portal.registrations.models import ATTENDED, Registration
from tenants.portal.registrations.services import REGISTRATION_TYPES
from tenants.portal.surveys.models import (
    RATING,
    RATING_MAX,
    RATING_MIN,
    TEXT,
    Questionnaire,
    SurveyAnswer,
    SurveyResponse,
    SurveyTemplate,
)

MAX_QUESTIONS = 30
MAX_TEXT = 2000
MAX_LABEL = 300
MAX_PER_PAGE = 100
# The default questionnaires; the labels are i18n keys (French wording in fr.json).
DEFAULT_QUESTIONS: tuple[tuple[str, str, bool], ...] = (
    (RATING, "survey.default.content", True),
    (RATING, "survey.default.facilitator", True),
    (RATING, "survey.default.usefulness", True),
    (RATING, "survey.default.organisation", True),
    (TEXT, "survey.default.comments", False),
)
# the evaluation form of a recruitment day (P19, on the day)
RECRUITMENT_DAY_QUESTIONS: tuple[tuple[str, str, bool], ...] = (
    (RATING, "survey.recruitment_day.companies", True),
    (RATING, "survey.recruitment_day.interviews", True),
    (RATING, "survey.recruitment_day.preparation", True),
    (RATING, "survey.default.organisation", True),
    (TEXT, "survey.default.comments", False),
)
DEFAULTS_BY_TYPE = {"workshop": DEFAULT_QUESTIONS, "recruitment_day": RECRUITMENT_DAY_QUESTIONS}
DEFAULT_TEMPLATE_TYPES = frozenset(DEFAULTS_BY_TYPE)


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class QuestionView:
    key: str
    kind: str
    label: str
    required: bool
    # the label in every language (what staff edit): typed, or the default's translations
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateView:
    event_type: str
    questions: list[QuestionView]
    stored: bool  # False: the default, not saved yet


@dataclass(frozen=True)
class QuestionnaireView:
    id: int
    event_id: int
    event_title: str
    questions: list[QuestionView]
    opened_at: datetime
    invitations_sent: int


@dataclass(frozen=True)
class MyQuestionnaire:
    questionnaire_id: int
    event_id: int
    event_title: str
    event_starts_at: datetime
    questions: list[QuestionView]
    submitted_at: datetime | None


@dataclass(frozen=True)
class Submission:
    response_id: int
    submitted_at: datetime
    certificate: CertificateView | None


@dataclass(frozen=True)
class QuestionResult:
    key: str
    kind: str
    label: str
    answers: int
    average: float | None  # ratings only
    distribution: dict[int, int]  # rating -> count, ratings only
    texts: list[str]  # free-text answers, oldest first


@dataclass(frozen=True)
class EventResults:
    event_id: int
    event_title: str
    questionnaire_id: int | None
    attended: int
    responses: int
    questions: list[QuestionResult]


@dataclass(frozen=True)
class CounselorEventLine:
    event_id: int
    event_title: str
    starts_at: datetime
    responses: int
    average: float | None  # of every rating of the event


@dataclass(frozen=True)
class CounselorResults:
    membership_id: int
    events: list[CounselorEventLine]
    responses: int
    average: float | None  # of every rating given on the counselor's events


def _label(q: dict, lang: str) -> str:
    if q.get("label_key"):
        return t(q["label_key"], lang)
    # a label typed by staff, in the reader's language when given, else the French one
    return (q.get("labels") or {}).get(lang) or q["label"]


def _question_views(questions: list[dict], lang: str) -> list[QuestionView]:
    return [QuestionView(q["key"], q["kind"], _label(q, lang), bool(q["required"]),
                         {x: _label(q, x) for x in LANGS}) for q in questions]


def _avg(v: Any) -> float | None:
    return None if v is None else round(float(v), 2)


# ---------------------------------------------------------------- templates (staff)

class QuestionInput(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")
    kind: Literal["rating", "text"]
    label: str  # French, required; shown to readers whose language has no label
    label_en: str = ""
    label_ar: str = ""
    required: bool = True

    @field_validator("label")
    @classmethod
    def _french_label(cls, v: str) -> str:
        if not 3 <= len(v) <= MAX_LABEL:
            raise ValueError(f"survey_question_label:a label of 3 to {MAX_LABEL} characters")
        return v

    @field_validator("label_en", "label_ar")
    @classmethod
    def _other_label(cls, v: str) -> str:
        if v and not 3 <= len(v) <= MAX_LABEL:
            raise ValueError(f"survey_question_label:a label of 3 to {MAX_LABEL} characters")
        return v


class TemplateInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[QuestionInput]

    @field_validator("questions")
    @classmethod
    def _count(cls, v: list[QuestionInput]) -> list[QuestionInput]:
        if not 1 <= len(v) <= MAX_QUESTIONS:
            raise ValueError(f"survey_question_count:from 1 to {MAX_QUESTIONS} questions")
        return v


def _default_questions(event_type: str = "workshop") -> list[dict]:
    return [{"key": f"q{i}", "kind": kind, "label": t(key, "fr"), "label_key": key, "required": required}
            for i, (kind, key, required) in enumerate(DEFAULTS_BY_TYPE[event_type], start=1)]


def _check_type(event_type: str) -> None:
    if event_type not in REGISTRATION_TYPES:
        raise Invalid(f"no questionnaire for events of type {event_type!r}", code="survey_unknown_event_type")


def _template_in(s: Session, tenant_id: int, event_type: str, *, seed: bool) -> SurveyTemplate | None:
    tpl = s.exec(select(SurveyTemplate).where(SurveyTemplate.event_type == event_type)).first()
    if tpl is not None or not seed or event_type not in DEFAULT_TEMPLATE_TYPES:
        return tpl
    # seeded on first use; a savepoint, so a concurrent seed costs a re-read, not the transaction
    try:
        with s.begin_nested():
            tpl = SurveyTemplate(tenant_id=tenant_id, event_type=event_type,
                                 questions=_default_questions(event_type))
            s.add(tpl)
    except IntegrityError:
        tpl = s.exec(select(SurveyTemplate).where(SurveyTemplate.event_type == event_type)).first()
    return tpl


def get_template(actor: Actor, tenant_id: int, event_type: str, *, lang: str = "fr") -> TemplateView | None:
    """The questions asked after events of this type (the default for workshops if none saved)."""
    require(actor, Perm.CALENDAR_VIEW, tenant_id=tenant_id)
    _check_type(event_type)
    with tenant_session(tenant_id) as s:
        tpl = _template_in(s, tenant_id, event_type, seed=False)
    if tpl is not None:
        return TemplateView(event_type, _question_views(tpl.questions, lang), True)
    if event_type in DEFAULT_TEMPLATE_TYPES:
        return TemplateView(event_type, _question_views(_default_questions(event_type), lang), False)
    return None


def can_define_questionnaires(actor: Actor) -> bool:
    """Who edits the questions (the centre's settings managers); others read them."""
    return actor.can(Perm.TENANT_SETTINGS) or actor.can(Perm.CALENDAR_SETTINGS)


def _require_settings(actor: Actor, tenant_id: int) -> None:
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    if not can_define_questionnaires(actor):
        raise Forbidden("only the centre's settings managers define questionnaires", code="forbidden")


def do_set_template(actor: Actor, tenant_id: int, event_type: str, data: dict | TemplateInput,
                    *, lang: str = "fr") -> TemplateView:
    """Replace the questions of a type. Questionnaires already opened keep their own copy."""
    _require_settings(actor, tenant_id)
    _check_type(event_type)
    inp = parse(TemplateInput, data)
    questions = [{"key": f"q{i}", "kind": q.kind, "label": q.label, "label_key": "", "required": q.required,
                  "labels": {x: v for x, v in (("fr", q.label), ("en", q.label_en), ("ar", q.label_ar)) if v}}
                 for i, q in enumerate(inp.questions, start=1)]
    with tenant_session(tenant_id) as s, transaction(s):
        tpl = _template_in(s, tenant_id, event_type, seed=True) or SurveyTemplate(
            tenant_id=tenant_id, event_type=event_type)
        tpl.questions, tpl.updated_at = questions, utcnow()
        tpl.updated_by_membership_id = actor.membership_id
        s.add(tpl)
        audit(s, actor, "survey_template.updated", tenant_id=tenant_id, target_type="survey_template",
              target_id=event_type, questions=len(questions))
        return TemplateView(event_type, _question_views(questions, lang), True)


# ---------------------------------------------------------------- opening (event closed)

def _attended(s: Session, event_id: int) -> list[Registration]:
    return list(s.exec(select(Registration).where(Registration.event_id == event_id,
                                                  Registration.status == ATTENDED)
                       .order_by(Registration.id)).all())


def open_questionnaire_in(s: Session, tenant_id: int, e: Event, actor: Actor | None = None) -> Questionnaire | None:
    """Inside the caller's transaction (e.g. the calendar's close): open the questionnaire of a
    closed event and invite its attendees. Idempotent. None when the type has no template."""
    if e.status != EVENT_CLOSED:
        raise Conflict("the questionnaire opens once the activity is closed", code="event_not_closed")
    existing = s.exec(select(Questionnaire).where(Questionnaire.event_id == e.id)).first()
    if existing is not None:
        return existing
    if e.type not in REGISTRATION_TYPES:
        return None
    tpl = _template_in(s, tenant_id, e.type, seed=True)
    if tpl is None or not tpl.questions:
        return None
    q = Questionnaire(tenant_id=tenant_id, event_id=e.id, questions=list(tpl.questions), opened_at=utcnow())
    s.add(q)
    s.flush()
    tenant = s.get(Tenant, tenant_id)
    link = f"{get_settings().base_url.rstrip('/')}/portal/{tenant.slug}/surveys/{e.id}"
    sent = 0
    for r in _attended(s, e.id):
        m = s.get(Membership, r.student_membership_id)
        account = s.get(Account, m.account_id) if m else None
        if account is None or not account.active:
            continue
        lang = account.locale or "fr"
        values = {"name": account.full_name, "event": e.title, "tenant": tenant.name, "link": link}
        outbox.enqueue(s, EMAIL_KIND, {
            "to": account.email,
            "subject": t("mail.survey_invitation.subject", lang, **values),
            "text": t("mail.survey_invitation.body", lang, **values),
        }, key=f"survey-invitation:{tenant_id}:{q.id}:{r.id}", tenant_id=tenant_id)
        sent += 1
    q.invitations_sent = sent
    s.add(q)
    audit(s, actor, "questionnaire.opened", tenant_id=tenant_id, target_type="questionnaire", target_id=q.id,
          event_id=e.id, invitations=sent)
    return q


def do_open_questionnaire(actor: Actor, tenant_id: int, event_id: int, *,
                          lang: str = "fr") -> QuestionnaireView | None:
    """Open the questionnaire of a closed event (called when the event is closed)."""
    require(actor, Perm.CALENDAR_EDIT, tenant_id=tenant_id)
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            # the event's lock serialises two openings of one event
            e = s.exec(select(Event).where(Event.id == event_id).with_for_update()).first()
            if e is None:
                raise NotFound("event not found")
            q = open_questionnaire_in(s, tenant_id, e, actor)
            if q is None:
                return None
            return QuestionnaireView(q.id, e.id, e.title, _question_views(q.questions, lang), q.opened_at,
                                     q.invitations_sent)
    except IntegrityError:
        # a concurrent opening won the unique key: answer with its questionnaire
        with tenant_session(tenant_id) as s:
            q = s.exec(select(Questionnaire).where(Questionnaire.event_id == event_id)).first()
            e = s.get(Event, event_id)
            if q is None or e is None:
                raise
            return QuestionnaireView(q.id, e.id, e.title, _question_views(q.questions, lang), q.opened_at,
                                     q.invitations_sent)


# ---------------------------------------------------------------- student: answer

def _student_context(s: Session, actor: Actor, event_id: int) -> tuple[Event, Questionnaire, Registration]:
    """The event, its questionnaire and the student's attended registration, or the refusal."""
    e = s.get(Event, event_id)
    if e is None:
        raise NotFound("event not found")
    if e.status != EVENT_CLOSED:
        raise Conflict("the questionnaire opens once the activity is closed", code="event_not_closed")
    q = s.exec(select(Questionnaire).where(Questionnaire.event_id == e.id)).first()
    if q is None:
        raise NotFound("this activity has no questionnaire", code="questionnaire_not_found")
    r = s.exec(select(Registration).where(Registration.event_id == e.id,
                                          Registration.student_membership_id == actor.membership_id,
                                          Registration.status == ATTENDED)).first()
    if r is None:
        raise Forbidden("only students who attended answer the questionnaire", code="survey_not_attended")
    return e, q, r


def _response_of(s: Session, registration_id: int) -> SurveyResponse | None:
    return s.exec(select(SurveyResponse).where(SurveyResponse.registration_id == registration_id)).first()


def get_my_questionnaire(actor: Actor, tenant_id: int, event_id: int, *, lang: str = "fr") -> MyQuestionnaire:
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        e, q, r = _student_context(s, actor, event_id)
        done = _response_of(s, r.id)
        return MyQuestionnaire(q.id, e.id, e.title, e.starts_at, _question_views(q.questions, lang),
                               done.submitted_at if done else None)


def my_pending_questionnaires(actor: Actor, tenant_id: int, *, lang: str = "fr") -> list[MyQuestionnaire]:
    """For the student's dashboard: questionnaires of activities attended, not answered yet."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        answered = select(SurveyResponse.registration_id)
        rows = s.exec(
            select(Questionnaire, Event)
            .join(Event, (Event.tenant_id == Questionnaire.tenant_id) & (Event.id == Questionnaire.event_id))
            .join(Registration, (Registration.tenant_id == Questionnaire.tenant_id)
                  & (Registration.event_id == Questionnaire.event_id))
            .where(Registration.student_membership_id == actor.membership_id, Registration.status == ATTENDED,
                   Registration.id.not_in(answered))
            .order_by(Event.starts_at.desc(), Event.id)).all()
        return [MyQuestionnaire(q.id, e.id, e.title, e.starts_at, _question_views(q.questions, lang), None)
                for q, e in rows]


def _validate(questions: list[dict], answers: Any) -> dict[str, int | str]:
    """Answers checked against the questionnaire: known keys, ratings 1-5, required ones given."""
    if not isinstance(answers, dict):
        raise Invalid("answers must map question keys to values", code="survey_invalid_answers")
    by_key = {q["key"]: q for q in questions}
    errors: list[dict[str, str]] = []
    unknown = sorted(str(k) for k in answers if k not in by_key)
    if unknown:
        raise Invalid(f"unknown question(s): {', '.join(unknown)}", code="survey_unknown_question",
                      fields=[{"field": k, "message": "unknown question"} for k in unknown])
    out: dict[str, int | str] = {}
    for key, q in by_key.items():
        value = answers.get(key)
        if q["kind"] == RATING:
            if value is None or value == "":
                if q["required"]:
                    errors.append({"field": key, "message": "answer required"})
                continue
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())  # a form posts strings
            if isinstance(value, bool) or not isinstance(value, int) or not RATING_MIN <= value <= RATING_MAX:
                raise Invalid(f"{key}: a rating from {RATING_MIN} to {RATING_MAX}", code="survey_invalid_rating",
                              fields=[{"field": key, "message": "rating from 1 to 5"}])
            out[key] = value
        else:
            text = value.strip() if isinstance(value, str) else ""
            if value is not None and not isinstance(value, str):
                raise Invalid(f"{key}: text expected", code="survey_invalid_answers",
                              fields=[{"field": key, "message": "text expected"}])
            if len(text) > MAX_TEXT:
                raise Invalid(f"{key}: at most {MAX_TEXT} characters", code="survey_text_too_long",
                              fields=[{"field": key, "message": f"at most {MAX_TEXT} characters"}])
            if not text:
                if q["required"]:
                    errors.append({"field": key, "message": "answer required"})
                continue
            out[key] = text
    if errors:
        raise Invalid("answer every required question", code="survey_answer_required", fields=errors)
    return out


def do_submit_answers(actor: Actor, tenant_id: int, event_id: int, answers: dict) -> Submission:
    """The student answers once (T04); the certificate (T05) is issued in the same transaction."""
    require(actor, Perm.PORTAL_SELF, tenant_id=tenant_id)
    try:
        with tenant_session(tenant_id) as s, transaction(s):
            e, q, r = _student_context(s, actor, event_id)
            if _response_of(s, r.id) is not None:
                raise Conflict("you have already answered this questionnaire", code="survey_already_answered")
            values = _validate(q.questions, answers)
            now = utcnow()
            resp = SurveyResponse(tenant_id=tenant_id, questionnaire_id=q.id, registration_id=r.id,
                                  student_membership_id=r.student_membership_id, submitted_at=now)
            s.add(resp)
            s.flush()
            for key, value in values.items():
                s.add(SurveyAnswer(tenant_id=tenant_id, response_id=resp.id, questionnaire_id=q.id,
                                   question_key=key, rating=value if isinstance(value, int) else None,
                                   text=value if isinstance(value, str) else ""))
            cert = certificates.issue_in(s, r, e, response_id=resp.id)
            s.flush()
            audit(s, actor, "survey.answered", tenant_id=tenant_id, target_type="survey_response",
                  target_id=resp.id, event_id=e.id, certificate_id=cert.id if cert else None)
            return Submission(resp.id, now, certificates.view_of(cert) if cert else None)
    except IntegrityError as exc:
        if "registration_id" not in str(exc.orig):
            raise
        # a concurrent submission of the same registration: the unique key decides
        raise Conflict("you have already answered this questionnaire", code="survey_already_answered") from exc


# ---------------------------------------------------------------- results (staff)

def _require_results(actor: Actor, tenant_id: int) -> None:
    require(actor, Perm.TENANT_VIEW, tenant_id=tenant_id)
    if not (actor.can(Perm.STUDENT_VIEW) or actor.can(Perm.CALENDAR_VIEW)):
        raise Forbidden("satisfaction results are for the centre's staff", code="forbidden")


def event_results(actor: Actor, tenant_id: int, event_id: int, *, lang: str = "fr") -> EventResults:
    """Per question: answer count, average and spread of ratings, the free-text comments."""
    _require_results(actor, tenant_id)
    with tenant_session(tenant_id) as s:
        e = s.get(Event, event_id)
        if e is None:
            raise NotFound("event not found")
        attended = s.exec(select(func.count()).select_from(Registration).where(
            Registration.event_id == e.id, Registration.status == ATTENDED)).one()
        q = s.exec(select(Questionnaire).where(Questionnaire.event_id == e.id)).first()
        if q is None:
            return EventResults(e.id, e.title, None, attended, 0, [])
        responses = s.exec(select(func.count()).select_from(SurveyResponse)
                           .where(SurveyResponse.questionnaire_id == q.id)).one()
        spread: dict[str, dict[int, int]] = {}
        for key, rating, n in s.exec(
                select(SurveyAnswer.question_key, SurveyAnswer.rating, func.count())
                .where(SurveyAnswer.questionnaire_id == q.id, SurveyAnswer.rating.is_not(None))
                .group_by(SurveyAnswer.question_key, SurveyAnswer.rating)).all():
            spread.setdefault(key, {})[rating] = n
        texts: dict[str, list[str]] = {}
        for key, text in s.exec(
                select(SurveyAnswer.question_key, SurveyAnswer.text)
                .where(SurveyAnswer.questionnaire_id == q.id, SurveyAnswer.rating.is_(None))
                .order_by(SurveyAnswer.id)).all():
            texts.setdefault(key, []).append(text)
    out = []
    for item in q.questions:
        key = item["key"]
        if item["kind"] == RATING:
            dist = {v: spread.get(key, {}).get(v, 0) for v in range(RATING_MIN, RATING_MAX + 1)}
            n = sum(dist.values())
            average = round(sum(v * c for v, c in dist.items()) / n, 2) if n else None
            out.append(QuestionResult(key, RATING, _label(item, lang), n, average, dist, []))
        else:
            got = texts.get(key, [])
            out.append(QuestionResult(key, TEXT, _label(item, lang), len(got), None, {}, got))
    return EventResults(e.id, e.title, q.id, attended, responses, out)


def counselor_results(actor: Actor, tenant_id: int, membership_id: int) -> CounselorResults:
    """Satisfaction on the activities a counselor organised: per event and overall."""
    _require_results(actor, tenant_id)
    with tenant_session(tenant_id) as s:
        if s.get(Membership, membership_id) is None:
            raise NotFound("member not found", code="member_not_found")
        events = s.exec(
            select(Event, Questionnaire.id)
            .join(Questionnaire, (Questionnaire.tenant_id == Event.tenant_id) & (Questionnaire.event_id == Event.id))
            .where(Event.organiser_membership_id == membership_id)
            .order_by(Event.starts_at.desc(), Event.id)).all()
        qids = [qid for _, qid in events]
        counts = dict(s.exec(select(SurveyResponse.questionnaire_id, func.count())
                             .where(SurveyResponse.questionnaire_id.in_(qids))
                             .group_by(SurveyResponse.questionnaire_id)).all()) if qids else {}
        avgs = dict(s.exec(select(SurveyAnswer.questionnaire_id, func.avg(SurveyAnswer.rating))
                           .where(SurveyAnswer.questionnaire_id.in_(qids), SurveyAnswer.rating.is_not(None))
                           .group_by(SurveyAnswer.questionnaire_id)).all()) if qids else {}
        overall = s.exec(select(func.avg(SurveyAnswer.rating)).where(
            SurveyAnswer.questionnaire_id.in_(qids), SurveyAnswer.rating.is_not(None))).one() if qids else None
    lines = [CounselorEventLine(e.id, e.title, e.starts_at, counts.get(qid, 0), _avg(avgs.get(qid)))
             for e, qid in events]
    return CounselorResults(membership_id, lines, sum(counts.values()), _avg(overall))


@dataclass(frozen=True)
class QuestionnaireLine:
    event_id: int
    event_title: str
    event_type: str
    starts_at: datetime
    attended: int
    responses: int


@dataclass(frozen=True)
class QuestionnairePage:
    items: list[QuestionnaireLine]
    total: int
    page: int
    pages: int


def list_questionnaires(actor: Actor, tenant_id: int, *, page: int = 1, per_page: int = 20) -> QuestionnairePage:
    """Staff: the closed events whose questionnaire opened, newest first, with their response counts."""
    _require_results(actor, tenant_id)
    per_page = min(max(int(per_page or 20), 1), MAX_PER_PAGE)
    with tenant_session(tenant_id) as s:
        base = select(Event, Questionnaire.id).join(
            Questionnaire, (Questionnaire.tenant_id == Event.tenant_id) & (Questionnaire.event_id == Event.id))
        total = s.exec(select(func.count()).select_from(Questionnaire)).one()
        pages = max((total + per_page - 1) // per_page, 1)
        page = min(max(int(page or 1), 1), pages)
        rows = s.exec(base.order_by(Event.starts_at.desc(), Event.id.desc())
                      .offset((page - 1) * per_page).limit(per_page)).all()
        qids = [qid for _, qid in rows]
        eids = [e.id for e, _ in rows]
        counts = dict(s.exec(select(SurveyResponse.questionnaire_id, func.count())
                             .where(SurveyResponse.questionnaire_id.in_(qids))
                             .group_by(SurveyResponse.questionnaire_id)).all()) if qids else {}
        present = dict(s.exec(select(Registration.event_id, func.count())
                              .where(Registration.event_id.in_(eids), Registration.status == ATTENDED)
                              .group_by(Registration.event_id)).all()) if eids else {}
        items = [QuestionnaireLine(e.id, e.title, e.type, e.starts_at, present.get(e.id, 0), counts.get(qid, 0))
                 for e, qid in rows]
    return QuestionnairePage(items, total, page, pages)
