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
from tenants.core.models import Account, AuditEvent, Membership, Tenant  # noqa: F401
