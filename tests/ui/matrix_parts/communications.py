"""The isolation matrix of the communication pages (issue 7, P29, P30, BD04): items
(/staff/communications and an item's page), plans (/staff/communications/plans and a plan's
page), the publication calendar and the media library.

setup gives A items in each state an action needs, plans likewise (their entries name A's
secret workshop), an open weekly meeting and a file, all titled with strings only A may see."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from PIL import Image
from sqlmodel import func, select

from integrations.db import system_session
from tenants.calendar.services import do_create_event
from tests.ui.matrix_cases import Probe, View
from workflows.communications import items, media, plans
from workflows.communications.models import CommItem, CommPlan, MediaAsset
from workflows.meetings import services as meetings

ITEMS = "/staff/communications"
PLANS = ITEMS + "/plans"
MEDIA = ITEMS + "/media"


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buf, format="PNG")
    return buf.getvalue()


def setup(a, ids: dict, secrets: list) -> None:
    mgr, tid = a.manager.actor, a.tenant_id
    data = {"title": "Alpha secret item", "event_id": ids["event_id"], "text": {"fr": "Alpha secret text"},
            "subject": {"fr": "Alpha secret subject"}, "channels": ["email"], "audience": {"kind": "host"},
            "publish_at": datetime.now(UTC) + timedelta(days=10)}
    made = {state: items.do_create_item(mgr, tid, data).id for state in ("draft", "submitted", "checked")}
    items.do_submit_item(mgr, tid, made["submitted"])
    items.do_submit_item(mgr, tid, made["checked"])
    items.do_check_item(mgr, tid, made["checked"])
    ids.update({f"comm_{k}": v for k, v in made.items()})
    # the open weekly meeting the checked item is validated in
    ev = do_create_event(mgr, tid, {"type": "weekly_coordination_meeting", "title": "Alpha secret comm meeting",
                                    "starts_at": "2031-02-03T10:00:00+01:00", "ends_at": "2031-02-03T11:00:00+01:00"})
    ids["comm_meeting"] = meetings.do_open_meeting(mgr, tid, ev.id).id
    # plans: one per month and state
    for n, state in enumerate(("draft", "proposed", "validated", "sent")):
        start = date(2031, 3 + n, 1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        pid = plans.do_create_plan(mgr, tid, "month", start, end, title=f"Alpha secret plan {state}").id
        # A's workshop is not planned yet (a draft event): give each plan its entry, so it can be proposed
        with system_session("matrix: plan entries") as s:
            p = s.get(CommPlan, pid)
            p.entries = [{"event_id": ids["event_id"], "title": "Alpha secret workshop", "type": "workshop",
                          "date": start.isoformat(), "channels": ["email"], "message": "", "item_id": None}]
            s.add(p)
            s.commit()
        for step, name in ((plans.do_propose_plan, "proposed"), (plans.do_validate_plan, "validated"),
                           (plans.do_send_plan, "sent")):
            if state == "draft":
                break
            step(mgr, tid, pid)
            if name == state:
                break
        ids[f"plan_{state}"] = pid
    ids["media_id"] = media.do_upload_media(mgr, tid, filename="alpha-secret.png", data=_png(),
                                           title="Alpha secret poster", tags=["alpha-secret-tag"]).id
    secrets += ["Alpha secret item", "Alpha secret text", "Alpha secret subject", "Alpha secret plan",
                "Alpha secret poster", "alpha-secret-tag", "alpha-secret.png"]


def _item(key: str):
    return lambda a: f"{ITEMS}/items/{a[key]}"


def _plan(key: str):
    return lambda a: f"{PLANS}/{a[key]}"


def _item_snap(key: str):
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            i = s.get(CommItem, a[key])
            return None if i is None else (i.title, i.state, i.validated_in_meeting_id)
    return snap


def _items_count(a: dict) -> int:
    with system_session("matrix snapshot") as s:
        return s.exec(select(func.count()).select_from(CommItem).where(CommItem.tenant_id == a["tenant_id"])).one()


def _plan_snap(key: str):
    def snap(a: dict) -> tuple:
        with system_session("matrix snapshot") as s:
            p = s.get(CommPlan, a[key])
            return None if p is None else (p.state, p.note, repr(p.entries))
    return snap


def _media_snap(a: dict) -> tuple:
    with system_session("matrix snapshot") as s:
        m = s.get(MediaAsset, a["media_id"])
        return None if m is None else (m.title, tuple(m.tags))


ITEM_FORM = {"title": "Stolen item", "text_fr": "Stolen", "ch_email": "on", "audience": "host"}

ENTRIES: dict[str, Probe | View] = {
    "CommItemsState.on_load": View(ITEMS),
    "CommItemsState.filter": View(ITEMS, lambda a: ({"state": "draft", "q": "", "late": "on"},)),
    "CommItemsState.next_page": View(ITEMS),
    "CommItemsState.prev_page": View(ITEMS),
    "CommItemsState.create": Probe(ITEMS, lambda a: ({"title": "Stolen item", "event_id": str(a["event_id"])},),
                                   _items_count),
    "CommItemState.on_load": View(_item("comm_draft")),
    "CommItemState.save": Probe(_item("comm_draft"), lambda a: (ITEM_FORM,), _item_snap("comm_draft")),
    "CommItemState.submit_item": Probe(_item("comm_draft"), lambda a: (), _item_snap("comm_draft")),
    "CommItemState.check_item": Probe(_item("comm_submitted"), lambda a: (), _item_snap("comm_submitted")),
    "CommItemState.send_back": Probe(_item("comm_submitted"), lambda a: ({"comment": "Stolen"},),
                                     _item_snap("comm_submitted")),
    "CommItemState.validate_in_meeting": Probe(_item("comm_checked"),
                                               lambda a: ({"meeting_id": str(a["comm_meeting"])},),
                                               _item_snap("comm_checked")),
    "CommItemState.delete_item": Probe(_item("comm_draft"), lambda a: (), _item_snap("comm_draft")),
    "CommPlansState.on_load": View(PLANS),
    "CommPlansState.create": View(PLANS, lambda a: ({"period_kind": "month", "start": "2032-01-01",
                                                     "end": "2032-01-31"},)),
    "CommPlanState.on_load": View(_plan("plan_draft")),
    "CommPlanState.save_entry": Probe(_plan("plan_proposed"), lambda a: ({"event_id": str(a["event_id"]),
                                                                         "message": "Stolen", "channels": "email"},),
                                      _plan_snap("plan_proposed")),
    "CommPlanState.save_note": Probe(_plan("plan_draft"), lambda a: ({"note": "Stolen"},), _plan_snap("plan_draft")),
    "CommPlanState.refresh_plan": Probe(_plan("plan_draft"), lambda a: (), _plan_snap("plan_draft")),
    "CommPlanState.propose": Probe(_plan("plan_draft"), lambda a: (), _plan_snap("plan_draft")),
    "CommPlanState.return_plan": Probe(_plan("plan_proposed"), lambda a: ({"comment": "Stolen"},),
                                       _plan_snap("plan_proposed")),
    "CommPlanState.validate_plan": Probe(_plan("plan_proposed"), lambda a: (), _plan_snap("plan_proposed")),
    "CommPlanState.send_plan": Probe(_plan("plan_validated"), lambda a: (), _plan_snap("plan_validated")),
    "CommPlanState.fold_plan": Probe(_plan("plan_sent"), lambda a: (), _plan_snap("plan_sent")),
    "CommPlanState.delete_plan": Probe(_plan("plan_draft"), lambda a: (), _plan_snap("plan_draft")),
    "CommCalendarState.on_load": View(ITEMS + "/calendar"),
    "CommCalendarState.next_month": View(ITEMS + "/calendar"),
    "CommCalendarState.prev_month": View(ITEMS + "/calendar"),
    "CommMediaState.on_load": View(MEDIA),
    "CommMediaState.filter": View(MEDIA, lambda a: ({"tag": "forum", "kind": "image"},)),
    "CommMediaState.next_page": View(MEDIA),
    "CommMediaState.prev_page": View(MEDIA),
    "CommMediaState.upload": View(MEDIA, lambda a: ([],)),
    "CommMediaState.save": Probe(MEDIA, lambda a: ({"media_id": str(a["media_id"]), "title": "Stolen",
                                                    "tags": "stolen"},), _media_snap),
    "CommMediaState.delete": Probe(MEDIA, lambda a: (a["media_id"],), _media_snap),
}
