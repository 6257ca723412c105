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
from workflows.meetings.models import MeetingItem, MeetingRecord  # noqa: F401
from workflows.procedures.models import (  # noqa: F401
    ProcedureIncident,
    ProcedureInstance,
    ProcedureTask,
    ProcedureVersion,
)

# the procedure engine registers its calendar trigger (event_created) on import
import workflows.procedures.services  # noqa: E402,F401  isort: skip
