"""The communication pages, handlers run in-process as signed-in people of a centre: the
counselor drafts an item from the list, the late flag shows, the manager checks it and the
weekly meeting validates it from the item's page; a plan is built and proposed; a file is
uploaded, tagged and deleted."""

from __future__ import annotations

import asyncio

from tests.communications.flow_util import event, png, weekly_meeting
from tests.ui.test_handler_isolation import app_handlers, call, session_cookie
from workflows.communications import items, media


def _cookie(person) -> str:  # noqa: ANN001
    return session_cookie(person.account_id, person.tenant_id)


def _run(state, key: str, *args):  # noqa: ANN001
    result = app_handlers()[key][1].fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def test_draft_check_and_validate_from_the_pages(world_a):
    w = world_a
    eid = event(w, days=20, title="Forum des métiers")  # less than three months ahead: late
    state, _ = call("CommItemsState.on_load", _cookie(w.counselor), "/staff/communications", ())
    assert state.error == "" and state.allowed and state.can_manage and state.rows == []
    assert [o.label.split(" — ")[0] for o in state.events] == ["Forum des métiers"]
    _run(state, "CommItemsState.create", {"title": "", "event_id": str(eid)})
    assert state.error == "error.comm_title_required"
    _run(state, "CommItemsState.create", {"title": "Forum : inscrivez-vous", "event_id": str(eid),
                                          "text_fr": "Venez nombreux.", "subject_fr": "Forum", "ch_email": "on", "audience": "host",
                                          "publish_at": "2031-01-05T10:00"})
    assert state.error == ""
    state, _ = call("CommItemsState.on_load", _cookie(w.manager), "/staff/communications", ())
    assert [(r.title, r.late, r.state) for r in state.rows] == [("Forum : inscrivez-vous", True, "draft")]
    iid = state.rows[0].id
    path = f"/staff/communications/items/{iid}"

    page, _ = call("CommItemState.on_load", _cookie(w.counselor), path, ())
    assert page.found and page.selected == ["email"] and page.audience == "host" and not page.can_approve
    _run(page, "CommItemState.submit_item")
    assert page.error == "" and page.state == "submitted"
    _run(page, "CommItemState.check_item")
    assert page.error == "error.forbidden" and items.get_item(w.manager.actor, w.tenant_id, iid).state == "submitted"

    mid = weekly_meeting(w)
    page, _ = call("CommItemState.on_load", _cookie(w.manager), path, ())
    _run(page, "CommItemState.check_item")
    assert page.state == "checked" and [o.value for o in page.meetings] == [str(mid)]
    _run(page, "CommItemState.validate_in_meeting", {"meeting_id": str(mid)})
    assert page.error == "" and page.state == "validated" and page.validated_in == str(mid)
    # the meeting's record lists it
    rec, _ = call("MeetingState.on_load", _cookie(w.manager), f"/staff/meetings/{mid}", ())
    assert [(r.section, r.id) for r in rec.comms] == [("validated", iid)]


def test_plan_page_builds_and_proposes(world_a):
    w = world_a
    state, _ = call("CommPlansState.on_load", _cookie(w.counselor), "/staff/communications/plans", ())
    _run(state, "CommPlansState.create", {"period_kind": "week", "start": "2031-03-04", "end": "2031-03-10"})
    assert state.error == "error.comm_plan_bad_period"
    _run(state, "CommPlansState.create", {"period_kind": "week", "start": "2031-03-03", "end": "2031-03-09"})
    assert state.error == ""
    state, _ = call("CommPlansState.on_load", _cookie(w.counselor), "/staff/communications/plans", ())
    assert len(state.rows) == 1 and state.rows[0].state == "draft"
    page, _ = call("CommPlanState.on_load", _cookie(w.counselor), f"/staff/communications/plans/{state.rows[0].id}", ())
    assert page.found and page.entries == []
    _run(page, "CommPlanState.propose")
    assert page.error == "error.comm_plan_empty"
    _run(page, "CommPlanState.save_note", {"note": "Semaine calme"})
    assert page.error == "" and page.note == "Semaine calme"


def test_media_page_upload_tag_and_delete(world_a):
    w = world_a
    m = media.do_upload_media(w.counselor.actor, w.tenant_id, filename="affiche.png", data=png())
    state, _ = call("CommMediaState.on_load", _cookie(w.counselor), "/staff/communications/media", ())
    assert [(r.filename, r.is_image, r.dims) for r in state.rows] == [("affiche.png", True, "40×30")]
    _run(state, "CommMediaState.save", {"media_id": str(m.id), "title": "Affiche forum", "tags": "forum"})
    assert state.error == "" and state.rows[0].tags == "forum" and [t.value for t in state.tags] == ["forum"]
    _run(state, "CommMediaState.upload", [])
    assert state.error == "error.media_bad_file"
    _run(state, "CommMediaState.delete", m.id)
    assert state.error == "" and state.rows == []
    viewer, _ = call("CommMediaState.on_load", _cookie(w.people["business_developer"]), "/staff/communications/media", ())
    assert viewer.allowed and not viewer.can_manage
