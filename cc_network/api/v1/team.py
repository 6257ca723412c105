"""A centre's members: list, invite, read, change roles, (de)activate."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from cc_network.api.deps import actor_in_tenant
from cc_network.api.v1.schemas import (
    ERROR_RESPONSES,
    MAX_ID,
    MemberInvite,
    MemberOut,
    MemberUpdate,
    Page,
)
from tenants.core.actor import Actor
from tenants.core.roles import Role
from tenants.team import services as team
from tenants.team.services import MAX_PAGE, MemberView

router = APIRouter(prefix="/tenants/{tenant}/members", tags=["team"], responses=ERROR_RESPONSES)

MemberId = Path(ge=1, le=MAX_ID)


def member_out(v: MemberView) -> MemberOut:
    return MemberOut(membership_id=v.membership_id, account_id=v.account_id, email=v.email,
                     full_name=v.full_name, roles=list(v.roles), responsibilities=list(v.responsibilities),
                     active=v.active, joined_at=v.joined_at, has_password=v.has_password)


@router.get("", response_model=Page[MemberOut])
def list_members(
    scope: tuple[Actor, int] = Depends(actor_in_tenant),
    page: int = Query(1, ge=1, le=MAX_ID),
    per_page: int = Query(50, ge=1, le=MAX_PAGE),
    q: str = Query("", max_length=200, description="part of a name or e-mail"),
    role: Role | None = Query(None),
) -> Page[MemberOut]:
    actor, tenant_id = scope
    res = team.list_members(actor, tenant_id, page=page, per_page=per_page, query=q,
                            role=role.value if role else "")
    more = res.page * res.per_page < res.total
    return Page[MemberOut](items=[member_out(v) for v in res.items], page=res.page, per_page=res.per_page,
                           total=res.total, next_page=res.page + 1 if more else None)


@router.post("", response_model=MemberOut, status_code=201)
def invite_member(body: MemberInvite, scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> MemberOut:
    actor, tenant_id = scope
    return member_out(team.do_invite_member(actor, tenant_id, email=body.email, full_name=body.full_name,
                                            roles=body.roles, responsibilities=body.responsibilities))


@router.get("/{membership_id}", response_model=MemberOut)
def get_member(membership_id: int = MemberId,
               scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> MemberOut:
    actor, tenant_id = scope
    return member_out(team.get_member(actor, tenant_id, membership_id))


@router.patch("/{membership_id}", response_model=MemberOut)
def update_member(body: MemberUpdate, membership_id: int = MemberId,
                  scope: tuple[Actor, int] = Depends(actor_in_tenant)) -> MemberOut:
    actor, tenant_id = scope
    return member_out(team.do_update_member(actor, tenant_id, membership_id, roles=body.roles,
                                            responsibilities=body.responsibilities, active=body.active))
