"""REST isolation cases of communications (P29, P30, BD04): items and their approval, figures,
the publication calendar, communication plans and the media library.

Each transition gets a fresh item or plan in the state it needs (built in `ids`, before the
matrix takes its snapshot); plans take a month of their own far ahead, so they never overlap."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from PIL import Image

from integrations.db import system_session
from tenants.calendar.models import Event
from tenants.core.roles import Perm
from tests.conftest import World
from tests.isolation.test_rest_matrix import PREFIX, Case, Ctx
from workflows.communications import items, media, plans

IT = PREFIX + "/communication-items"
P = PREFIX + "/communication-plans"
M = PREFIX + "/media"


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


def _body(ctx: Ctx, w: World) -> dict:
    return {"title": "Atelier CV", "text": {"fr": "Inscrivez-vous."}, "subject": {"fr": "Atelier CV"},
            "channels": ["email"], "audience": {"kind": "students", "levels": ["L3"]},
            "publish_at": (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0).isoformat()}


def _item(ctx: Ctx, w: World, state: str) -> int:
    data = _body(ctx, w) | {"publish_at": datetime.now(UTC) + timedelta(days=20)}
    iid = items.do_create_item(w.manager.actor, w.tenant_id, data).id
    if state in ("submitted", "checked"):
        items.do_submit_item(w.manager.actor, w.tenant_id, iid)
    if state == "checked":
        items.do_check_item(w.manager.actor, w.tenant_id, iid)
    return iid


def _meeting(ctx: Ctx, w: World) -> int:
    """One open weekly meeting per centre, shared by the validate cases."""
    key = ("comm.meeting", w.slug)
    if key not in ctx.extra:
        from workflows.meetings import services as meetings

        starts = (datetime.now(UTC) + timedelta(days=3, hours=next(ctx.seq))).replace(microsecond=0)
        with system_session("matrix: comm meeting") as s:
            e = Event(tenant_id=w.tenant_id, uid=f"matrix-comm-meeting-{w.slug}", type="weekly_coordination_meeting",
                      title="Coordination", starts_at=starts, ends_at=starts + timedelta(hours=1),
                      timezone="Africa/Casablanca", status="published")
            s.add(e)
            s.commit()
            eid = e.id
        ctx.extra[key] = meetings.do_open_meeting(w.manager.actor, w.tenant_id, eid).id
    return ctx.extra[key]


def _item_ids(state: str, *, meeting: bool = False):
    def ids(ctx: Ctx, w: World, role: str) -> dict:
        if meeting:
            _meeting(ctx, w)
        return {"item_id": _item(ctx, w, state)}
    return ids


def _month(ctx: Ctx) -> tuple[date, date]:
    n = next(ctx.seq)
    start = date(2300 + n // 12, n % 12 + 1, 1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


def _plan(ctx: Ctx, w: World, state: str) -> int:
    start, end = _month(ctx)
    starts = datetime(start.year, start.month, 10, 9, tzinfo=UTC)
    with system_session("matrix: comm plan event") as s:
        s.add(Event(tenant_id=w.tenant_id, uid=f"matrix-comm-{w.slug}-{next(ctx.seq)}", type="workshop",
                    title="Atelier", starts_at=starts, ends_at=starts + timedelta(hours=2),
                    timezone="Africa/Casablanca", status="published"))
        s.commit()
    mgr = w.manager.actor
    pid = plans.do_create_plan(mgr, w.tenant_id, "month", start, end).id
    steps = [("proposed", plans.do_propose_plan), ("validated", plans.do_validate_plan), ("sent", plans.do_send_plan)]
    for name, step in steps:
        if state == "draft":
            break
        step(mgr, w.tenant_id, pid)
        if name == state:
            break
    return pid


def _plan_ids(state: str):
    def ids(ctx: Ctx, w: World, role: str) -> dict:
        return {"plan_id": _plan(ctx, w, state)}
    return ids


def _new_period(ctx: Ctx, w: World, role: str) -> dict:
    ctx.extra[("comm.period", w.slug)] = _month(ctx)
    return {}


def _plan_body(ctx: Ctx, w: World) -> dict:
    start, end = ctx.extra[("comm.period", w.slug)]
    return {"period_kind": "month", "start": start.isoformat(), "end": end.isoformat()}


def _media_ids(ctx: Ctx, w: World, role: str) -> dict:
    return {"media_id": media.do_upload_media(w.manager.actor, w.tenant_id, filename="affiche.png", data=_png()).id}


CASES = {
    ("GET", IT): Case(Perm.COMM_VIEW, params={"late": "false"}),
    ("POST", IT): Case(Perm.COMM_MANAGE, ok=201, body=_body),
    ("GET", IT + "/{item_id}"): Case(Perm.COMM_VIEW, ids=_item_ids("draft"), not_found_code="comm_item_not_found"),
    ("PATCH", IT + "/{item_id}"): Case(Perm.COMM_MANAGE, ids=_item_ids("checked"),
                                      body=lambda ctx, w: {"title": "Atelier CV (nouvelle date)"},
                                      not_found_code="comm_item_not_found"),
    ("DELETE", IT + "/{item_id}"): Case(Perm.COMM_MANAGE, ok=204, ids=_item_ids("draft"),
                                       not_found_code="comm_item_not_found"),
    ("POST", IT + "/{item_id}/submit"): Case(Perm.COMM_MANAGE, ids=_item_ids("draft"),
                                            not_found_code="comm_item_not_found"),
    ("POST", IT + "/{item_id}/check"): Case(Perm.COMM_APPROVE, ids=_item_ids("submitted"),
                                           not_found_code="comm_item_not_found"),
    ("POST", IT + "/{item_id}/send-back"): Case(Perm.COMM_APPROVE, ids=_item_ids("submitted"),
                                               body=lambda ctx, w: {"comment": "Ajoutez le lieu."},
                                               not_found_code="comm_item_not_found"),
    ("POST", IT + "/{item_id}/validate"): Case(Perm.COMM_APPROVE, ids=_item_ids("checked", meeting=True),
                                              body=lambda ctx, w: {"meeting_id": ctx.extra[("comm.meeting", w.slug)]},
                                              not_found_code="comm_item_not_found"),
    ("GET", IT + "/{item_id}/figures"): Case(Perm.COMM_VIEW, ids=_item_ids("draft"),
                                            not_found_code="comm_item_not_found"),
    ("GET", PREFIX + "/publications"): Case(Perm.COMM_VIEW, params={"start": "2031-03-01", "end": "2031-04-01"}),
    ("GET", P): Case(Perm.COMM_VIEW),
    ("POST", P): Case(Perm.COMM_MANAGE, ok=201, ids=_new_period, body=_plan_body),
    ("GET", P + "/{plan_id}"): Case(Perm.COMM_VIEW, ids=_plan_ids("draft"), not_found_code="comm_plan_not_found"),
    ("PATCH", P + "/{plan_id}"): Case(Perm.COMM_MANAGE, ids=_plan_ids("draft"), body=lambda ctx, w: {"note": "revu"},
                                      not_found_code="comm_plan_not_found"),
    ("DELETE", P + "/{plan_id}"): Case(Perm.COMM_MANAGE, ok=204, ids=_plan_ids("draft"),
                                       not_found_code="comm_plan_not_found"),
    ("POST", P + "/{plan_id}/refresh"): Case(Perm.COMM_MANAGE, ids=_plan_ids("draft"),
                                             not_found_code="comm_plan_not_found"),
    ("POST", P + "/{plan_id}/propose"): Case(Perm.COMM_MANAGE, ids=_plan_ids("draft"),
                                             not_found_code="comm_plan_not_found"),
    ("POST", P + "/{plan_id}/return"): Case(Perm.COMM_APPROVE, ids=_plan_ids("proposed"),
                                            body=lambda ctx, w: {"comment": "Ajoutez le forum."},
                                            not_found_code="comm_plan_not_found"),
    ("POST", P + "/{plan_id}/validate"): Case(Perm.COMM_APPROVE, ids=_plan_ids("proposed"),
                                              not_found_code="comm_plan_not_found"),
    ("POST", P + "/{plan_id}/send"): Case(Perm.COMM_APPROVE, ids=_plan_ids("validated"),
                                          not_found_code="comm_plan_not_found"),
    ("POST", P + "/{plan_id}/fold"): Case(Perm.COMM_APPROVE, ids=_plan_ids("sent"),
                                          not_found_code="comm_plan_not_found"),
    ("GET", M): Case(Perm.COMM_VIEW, params={"kind": "image"}),
    ("POST", M): Case(Perm.COMM_MANAGE, ok=201, files=lambda ctx, w: {"file": ("affiche.png", _png(), "image/png")}),
    ("GET", M + "/{media_id}"): Case(Perm.COMM_VIEW, ids=_media_ids, not_found_code="media_not_found"),
    ("GET", M + "/{media_id}/file"): Case(Perm.COMM_VIEW, ids=_media_ids, not_found_code="media_not_found"),
    ("DELETE", M + "/{media_id}"): Case(Perm.COMM_MANAGE, ok=204, ids=_media_ids, params={"confirm": "true"},
                                        not_found_code="media_not_found"),
}
