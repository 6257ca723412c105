"""REST isolation cases of mailings (issue 7 §3): each transition gets a fresh mailing of its own
centre, with one student in its audience."""

from __future__ import annotations

from integrations.db import tenant_session
from tenants.core.roles import Perm
from tests.communications.mailing_util import add_students
from tests.conftest import World
from tests.isolation.test_rest_matrix import PREFIX, Case, Ctx
from workflows.communications import mailing as mail
from workflows.communications.models import CommItem


def _draft(ctx: Ctx, w: World) -> int:
    level = f"L{next(ctx.seq)}"
    add_students(w.tenant_id, 1, level=level, prefix=f"mx{level}")
    return mail.do_create_mailing(w.counselor.actor, w.tenant_id, title="Forum", subject={"fr": "Forum"},
                                  body={"fr": "Bonjour {{ first_name }}"},
                                  audience={"kind": "students", "levels": [level]})


def _fresh(ctx: Ctx, w: World, role: str) -> dict:
    return {"mailing_id": _draft(ctx, w)}


def _scheduled(ctx: Ctx, w: World, role: str) -> dict:
    mid = _draft(ctx, w)
    mail.do_schedule_mailing(w.counselor.actor, w.tenant_id, mid)
    return {"mailing_id": mid}


def _shared(ctx: Ctx, w: World, role: str) -> dict:
    key = ("mailing", w.slug)
    if key not in ctx.extra:
        ctx.extra[key] = _scheduled(ctx, w, role)
    return ctx.extra[key]


def _item(ctx: Ctx, w: World, role: str) -> dict:
    key = ("comm_item", w.slug)
    if key not in ctx.extra:
        with tenant_session(w.tenant_id) as s:
            item = CommItem(tenant_id=w.tenant_id, title="Forum", text={"fr": "Forum"}, channels=["email"])
            s.add(item)
            s.commit()
            ctx.extra[key] = {"item_id": item.id}
    return ctx.extra[key]


CASES: dict = {
    ("GET", PREFIX + "/mailings"): Case(Perm.COMM_VIEW),
    ("POST", PREFIX + "/mailings"): Case(Perm.COMM_MANAGE, ok=201, body=lambda ctx, w: {
        "title": "Atelier", "subject": {"fr": "Atelier"}, "body": {"fr": "Bonjour {{ first_name }}"},
        "audience": {"kind": "students"}}),
    ("POST", PREFIX + "/mailings/{mailing_id}/schedule"): Case(Perm.COMM_MANAGE, ids=_fresh,
                                                               not_found_code="mailing_not_found"),
    ("POST", PREFIX + "/mailings/{mailing_id}/cancel"): Case(Perm.COMM_MANAGE, ids=_scheduled,
                                                             not_found_code="mailing_not_found"),
    ("GET", PREFIX + "/mailings/{mailing_id}/deliveries"): Case(Perm.COMM_VIEW, ids=_shared,
                                                                not_found_code="mailing_not_found"),
    ("GET", PREFIX + "/mail-settings"): Case(Perm.COMM_VIEW),
    ("PUT", PREFIX + "/mail-settings"): Case(Perm.TENANT_SETTINGS, body=lambda ctx, w: {"weekly_cap": 2}),
    ("GET", PREFIX + "/communication-items/{item_id}/deliveries"): Case(Perm.COMM_VIEW, ids=_item,
                                                                       not_found_code="comm_item_not_found"),
}
