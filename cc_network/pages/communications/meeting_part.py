"""What a weekly coordination meeting's record shows of communications: the items checked by
the manager and awaiting the meeting's validation (P30.3), those validated there, and the
entries of the coming week in the validated communication plans (P29.4). Used by
cc_network/pages/meetings/record.py; validation itself is done from the item's page."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.ui.i18n import tr

ITEM_ROUTE = "/staff/communications/items/"


@dataclasses.dataclass
class CommRow:
    section: str = ""  # to_validate | validated | plan
    id: int = 0
    title: str = ""
    when: str = ""
    channels: str = ""
    message: str = ""


def comm_rows(comms: dict) -> list[CommRow]:
    rows = []
    for section in ("to_validate", "validated"):
        for x in comms.get(section) or []:
            rows.append(CommRow(section, int(x.get("id") or 0), str(x.get("title", "")),
                                str(x.get("publish_at") or "")[:16].replace("T", " "), ", ".join(x.get("channels") or [])))
    for e in comms.get("plan_entries") or []:
        rows.append(CommRow("plan", int(e.get("item_id") or 0), str(e.get("title", "")), str(e.get("date", "")),
                            ", ".join(e.get("channels") or []), str(e.get("message", ""))))
    return rows


def _list(rows, section: str, heading: str) -> rx.Component:  # noqa: ANN001
    return rx.vstack(
        rx.heading(tr(heading), size="4", as_="h3"),
        rx.el.ul(rx.foreach(rows, lambda r: rx.cond(r.section == section, rx.el.li(rx.hstack(
            rx.cond(r.id > 0, rx.link(r.title, href=ITEM_ROUTE + r.id.to_string()), rx.text(r.title)),
            rx.text(r.when, " ", r.channels, size="1", color_scheme="gray"),
            rx.cond(r.message != "", rx.text(r.message, size="1")),
            spacing="2", align="center", wrap="wrap")))), style={"paddingInlineStart": "1em"}),
        spacing="2", width="100%")


def comm_section(rows) -> rx.Component:  # noqa: ANN001
    return rx.cond(rows.length() > 0, rx.vstack(
        _list(rows, "to_validate", "ui.meetings.communications"),
        _list(rows, "validated", "ui.meetings.communications_validated"),
        _list(rows, "plan", "ui.meetings.comm_plan_entries"),
        spacing="3", width="100%"))
