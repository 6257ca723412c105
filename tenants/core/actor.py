"""Who is acting, in which tenant, with which roles; and the one permission check."""

from __future__ import annotations

from dataclasses import dataclass, field

from integrations.errors import Forbidden, Unauthenticated
from tenants.core.roles import Perm, Role, permissions_of


@dataclass(frozen=True)
class Actor:
    account_id: int
    email: str
    full_name: str = ""
    tenant_id: int | None = None
    membership_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    network_role: str | None = None

    @property
    def permissions(self) -> frozenset[Perm]:
        roles = set(self.roles)
        if self.network_role:
            roles.add(self.network_role)
        return permissions_of(roles)

    def can(self, perm: Perm) -> bool:
        return perm in self.permissions

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles or self.network_role == role.value

    @property
    def is_network_admin(self) -> bool:
        return self.network_role == Role.NETWORK_ADMIN.value


def require(actor: Actor | None, perm: Perm, *, tenant_id: int | None = None) -> Actor:
    """Every service starts here. `tenant_id`: the tenant the action touches.

    An actor acting in another tenant than the one asked for is refused; network
    admins act in any tenant.
    """
    if actor is None:
        raise Unauthenticated("sign-in required")
    if tenant_id is not None and actor.tenant_id != tenant_id and not actor.is_network_admin:
        raise Forbidden("not a member of this centre", code="forbidden")
    if not actor.can(perm):
        raise Forbidden(f"missing permission {perm.value}", code="forbidden", permission=perm.value)
    return actor
