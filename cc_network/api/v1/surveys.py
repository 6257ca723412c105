"""Satisfaction questionnaires (T04) and participation certificates (T05) over REST (issue 4
§5, §6, §8): the student answers the questionnaire of a workshop she attended and gets her
certificate; staff define the questions per event type and read the results. The public
verification of a certificate is in certificates.py. Every route calls a service."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from cc_network.api.deps import actor_in_tenant
from cc_network.api.errors import request_lang
from cc_network.api.v1.portal import PDF, _pdf
from cc_network.api.v1.schemas import ERROR_RESPONSES, MAX_ID
from tenants.core.actor import Actor
from tenants.portal.certificates import services as certs
from tenants.portal.registrations.services import waiver_text
from tenants.portal.surveys import services as surveys
from tenants.portal.surveys.services import TemplateInput

router = APIRouter(tags=["questionnaires and certificates"], responses=ERROR_RESPONSES)
T = "/tenants/{tenant}"
P = T + "/portal"
Scope = Depends(actor_in_tenant)
EventId = Path(ge=1, le=MAX_ID)


# ---------------------------------------------------------------- schemas

class QuestionOut(BaseModel):
    key: str
    kind: str = Field(description="rating (1 to 5) or text")
    label: str = Field(description="in the caller's language (Accept-Language)")
    required: bool
    labels: dict[str, str] = Field(default_factory=dict, description="the label in every language")


class MyQuestionnaireOut(BaseModel):
    questionnaire_id: int
    event_id: int
    event_title: str
    event_starts_at: datetime
    questions: list[QuestionOut]
    submitted_at: datetime | None = Field(description="null until the student has answered")


class QuestionnaireOut(BaseModel):
    id: int
    event_id: int
    event_title: str
    questions: list[QuestionOut]
    opened_at: datetime
    invitations_sent: int


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, int | str] = Field(description="question key → a rating 1 to 5, or a text")


class CertificateOut(BaseModel):
    id: int
    registration_id: int
    event_id: int
    student_membership_id: int
    code: str
    verify_url: str
    student_name: str
    event_title: str
    event_date: date
    lang: str
    issued_at: datetime
    valid: bool
    revoked_at: datetime | None
    revoke_reason: str


class SubmissionOut(BaseModel):
    response_id: int
    submitted_at: datetime
    certificate: CertificateOut | None = Field(description="issued with the answers for a certified activity")


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class TemplateOut(BaseModel):
    event_type: str
    questions: list[QuestionOut]
    stored: bool = Field(description="false: the default questions, not saved for this centre yet")


class QuestionResultOut(BaseModel):
    key: str
    kind: str
    label: str
    answers: int
    average: float | None
    distribution: dict[int, int]
    texts: list[str]


class EventResultsOut(BaseModel):
    event_id: int
    event_title: str
    questionnaire_id: int | None
    attended: int
    responses: int
    questions: list[QuestionResultOut]


class CounselorEventLineOut(BaseModel):
    event_id: int
    event_title: str
    starts_at: datetime
    responses: int
    average: float | None


class CounselorResultsOut(BaseModel):
    membership_id: int
    events: list[CounselorEventLineOut]


class WaiverOut(BaseModel):
    version: str = Field(description="send it back with the acceptance when registering")
    text: str


# ---------------------------------------------------------------- the student

@router.get(P + "/questionnaires", response_model=list[MyQuestionnaireOut])
def my_pending_questionnaires(request: Request, scope: tuple[Actor, int] = Scope) -> list[MyQuestionnaireOut]:
    """The questionnaires of attended, closed activities the student has not answered yet."""
    actor, tenant_id = scope
    return [MyQuestionnaireOut.model_validate(asdict(q))
            for q in surveys.my_pending_questionnaires(actor, tenant_id, lang=request_lang(request))]


@router.get(P + "/questionnaires/{event_id}", response_model=MyQuestionnaireOut)
def my_questionnaire(request: Request, event_id: int = EventId, scope: tuple[Actor, int] = Scope) -> MyQuestionnaireOut:
    actor, tenant_id = scope
    q = surveys.get_my_questionnaire(actor, tenant_id, event_id, lang=request_lang(request))
    return MyQuestionnaireOut.model_validate(asdict(q))


@router.post(P + "/questionnaires/{event_id}/answers", response_model=SubmissionOut, status_code=201)
def submit_answers(body: AnswersIn, event_id: int = EventId, scope: tuple[Actor, int] = Scope) -> SubmissionOut:
    """Answer once; the participation certificate comes with the answer (P08.10)."""
    actor, tenant_id = scope
    return SubmissionOut.model_validate(asdict(surveys.do_submit_answers(actor, tenant_id, event_id, body.answers)))


@router.get(P + "/certificates", response_model=list[CertificateOut])
def my_certificates(scope: tuple[Actor, int] = Scope) -> list[CertificateOut]:
    actor, tenant_id = scope
    return [CertificateOut.model_validate(asdict(c)) for c in certs.my_certificates(actor, tenant_id)]


@router.get(P + "/certificates/{certificate_id}", response_model=CertificateOut)
def get_certificate(certificate_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> CertificateOut:
    """The student's own, or any of the centre's for staff."""
    actor, tenant_id = scope
    return CertificateOut.model_validate(asdict(certs.get_certificate(actor, tenant_id, certificate_id)))


@router.get(P + "/certificates/{certificate_id}/pdf", response_class=Response,
            responses={200: {"content": {PDF: {}}}})
def certificate_pdf(certificate_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> Response:
    actor, tenant_id = scope
    body = certs.certificate_pdf(actor, tenant_id, certificate_id)
    return _pdf(f"certificate-{certificate_id}.pdf", body)


@router.get(P + "/waiver", response_model=WaiverOut)
def image_rights_waiver(request: Request, scope: tuple[Actor, int] = Scope) -> WaiverOut:
    """The image-rights release (M36) to show before registering to an event that publishes photos."""
    version, text = waiver_text(request_lang(request))
    return WaiverOut(version=version, text=text)


# ---------------------------------------------------------------- staff

@router.get(P + "/questionnaire-templates/{event_type}", response_model=TemplateOut)
def get_template(request: Request, event_type: str = Path(min_length=1, max_length=60),
                 scope: tuple[Actor, int] = Scope) -> TemplateOut:
    actor, tenant_id = scope
    tpl = surveys.get_template(actor, tenant_id, event_type, lang=request_lang(request))
    if tpl is None:  # a type with no questionnaire by default: an empty one to start from
        return TemplateOut(event_type=event_type, questions=[], stored=False)
    return TemplateOut.model_validate(asdict(tpl))


@router.put(P + "/questionnaire-templates/{event_type}", response_model=TemplateOut)
def set_template(body: TemplateInput, request: Request, event_type: str = Path(min_length=1, max_length=60),
                 scope: tuple[Actor, int] = Scope) -> TemplateOut:
    """Replace the questions of this event type; questionnaires already opened keep theirs."""
    actor, tenant_id = scope
    return TemplateOut.model_validate(asdict(surveys.do_set_template(actor, tenant_id, event_type, body,
                                                                     lang=request_lang(request))))


@router.post(T + "/events/{event_id}/questionnaire", response_model=QuestionnaireOut | None)
def open_questionnaire(request: Request, event_id: int = EventId,
                       scope: tuple[Actor, int] = Scope) -> QuestionnaireOut | None:
    """Open (or return) the questionnaire of a closed event and invite those who attended;
    null when its event type has no questionnaire."""
    actor, tenant_id = scope
    q = surveys.do_open_questionnaire(actor, tenant_id, event_id, lang=request_lang(request))
    return None if q is None else QuestionnaireOut.model_validate(asdict(q))


@router.get(T + "/events/{event_id}/questionnaire/results", response_model=EventResultsOut)
def event_results(request: Request, event_id: int = EventId, scope: tuple[Actor, int] = Scope) -> EventResultsOut:
    actor, tenant_id = scope
    return EventResultsOut.model_validate(asdict(surveys.event_results(actor, tenant_id, event_id,
                                                                       lang=request_lang(request))))


@router.get(T + "/events/{event_id}/certificates", response_model=list[CertificateOut])
def event_certificates(event_id: int = EventId, scope: tuple[Actor, int] = Scope) -> list[CertificateOut]:
    actor, tenant_id = scope
    return [CertificateOut.model_validate(asdict(c)) for c in certs.list_certificates(actor, tenant_id, event_id)]


@router.post(P + "/certificates/{certificate_id}/revoke", response_model=CertificateOut)
def revoke_certificate(body: RevokeIn, certificate_id: int = Path(ge=1, le=MAX_ID),
                       scope: tuple[Actor, int] = Scope) -> CertificateOut:
    """Withdraw a certificate delivered by mistake: its verification page then says it is not valid."""
    actor, tenant_id = scope
    return CertificateOut.model_validate(asdict(certs.do_revoke_certificate(actor, tenant_id, certificate_id,
                                                                            body.reason)))


@router.get(P + "/counselors/{membership_id}/satisfaction", response_model=CounselorResultsOut)
def counselor_results(membership_id: int = Path(ge=1, le=MAX_ID), scope: tuple[Actor, int] = Scope) -> CounselorResultsOut:
    """Satisfaction on the activities a counselor organised."""
    actor, tenant_id = scope
    return CounselorResultsOut.model_validate(asdict(surveys.counselor_results(actor, tenant_id, membership_id)))
