"""Every table of the product, imported once so Alembic and the tests see them all."""

from integrations.mail import DevMail  # noqa: F401
from integrations.outbox import OutboxMessage  # noqa: F401
from tenants.auth.models import (  # noqa: F401
    ApiToken,
    AuthSession,
    OidcIdentity,
    OidcLogin,
    OidcProvider,
    PasswordResetToken,
    SignInTicket,
)
from tenants.calendar.models import (  # noqa: F401
    Absence,
    AcademicYear,
    Availability,
    CalendarFeed,
    Event,
    EventSeries,
    EventStaff,
    Holiday,
    Room,
    Semester,
)
from tenants.core.models import Account, AuditEvent, Membership, Tenant  # noqa: F401
from tenants.portal.certificates.models import Certificate  # noqa: F401
from tenants.portal.profiles.models import (  # noqa: F401
    ConsentRecord,
    DeletionRequest,
    Establishment,
    StudentProfile,
    StudyField,
)
from tenants.portal.registrations.models import ImageWaiver, Registration  # noqa: F401
from tenants.portal.sessions.models import SessionBooking, StudentSuspension  # noqa: F401
from tenants.portal.settings.models import PortalSettings  # noqa: F401
from tenants.portal.surveys.models import (  # noqa: F401
    Questionnaire,
    SurveyAnswer,
    SurveyResponse,
    SurveyTemplate,
)
from tenants.portal.visits.models import KioskToken, Visit  # noqa: F401
from tenants.sourcing.needs.models import CompanyAccessRequest, JobNeed  # noqa: F401
from tenants.sourcing.offers.models import Offer, OfferInterest, OfferSource  # noqa: F401
from tenants.sourcing.partners.models import Company, Interaction, Person  # noqa: F401
from tenants.sourcing.pipeline.models import (  # noqa: F401
    ProfileShare,
    ProfileShareItem,
    ProfileViewLog,
    ShortlistEntry,
)
from tenants.sourcing.recruitment_days.models import RecruitmentDay  # noqa: F401
from tenants.sourcing.search.models import StudentSearchDoc  # noqa: F401
from workflows.assessment.models import (  # noqa: F401
    Assessment,
    AssessmentAction,
    AssessmentEvidence,
    AssessmentRating,
    BenchmarkStat,
    CentreScore,
    EvaluationInterview,
    EvaluatorAssignment,
    PerformanceReview,
    Recommendation,
    RefCriterion,
    RefDomain,
    ReferenceModel,
    RefIndicator,
)
from workflows.communications.channels import SocialChannel  # noqa: F401
from workflows.communications.models import (  # noqa: F401
    CommItem,
    CommPlan,
    CommPreference,
    LinkClick,
    MailDelivery,
    Mailing,
    MailSettings,
    MediaAsset,
    PostDelivery,
    TrackedLink,
)
from workflows.meetings.models import MeetingItem, MeetingRecord  # noqa: F401
from workflows.planning.models import (  # noqa: F401
    ActionPlan,
    ActionPlanVersion,
    GapItem,
    MidYearReview,
    PlanComment,
)
from workflows.procedures.models import (  # noqa: F401
    ProcedureIncident,
    ProcedureInstance,
    ProcedureTask,
    ProcedureVersion,
)
from workflows.reporting.models import (  # noqa: F401
    ActivityDaily,
    ActivityRecord,
    ActivityStudentMonth,
    Report,
    ReportingSettings,
    ReportSection,
)

# modules that register hooks of a lower floor on import: the procedure engine's calendar
# trigger (event_created), statistics and benchmark listeners, the communication plan's
# section of the weekly planning (M32)
import workflows.procedures.services  # noqa: E402,F401  isort: skip
import workflows.reporting.statistics  # noqa: E402,F401  isort: skip
import workflows.assessment.benchmark  # noqa: E402,F401  isort: skip
import workflows.communications.plans  # noqa: E402,F401  isort: skip
