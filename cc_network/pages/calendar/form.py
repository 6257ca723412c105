"""/staff/calendar/new and /staff/calendar/events/[event_id]/edit: the event entry form (T02),
with the conflict warning and its explicit, reasoned override."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from cc_network.pages.calendar.common import (
    DETAIL_FIELDS,
    TYPES,
    Option,
    input_field,
    lines,
    local_input,
    local_text,
    opt_int,
    parse_date,
    parse_local,
    select_field,
    team_options,
    text_area,
)
from cc_network.pages.forms import form_str, id_or_zero
from cc_network.ui.components import checkbox, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Conflict, Invalid, ServiceError
from integrations.i18n import LANGS, catalog
from tenants.calendar.queries import centre_zone
from tenants.calendar.services import (
    do_create_event,
    do_update_event,
    event_input_of,
    event_staff_ids,
    get_event,
    list_rooms,
)
from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.actor import Actor

PARTNER_KINDS = ("company", "speaker", "sponsor", "association")
_EDIT_PATH = re.compile(r"^/staff/calendar/events/(\d{1,18})/edit/?$")


@dataclasses.dataclass
class ConflictRow:
    id: int = 0
    title: str = ""
    when: str = ""


def _partner_kind(word: str) -> str:
    """A partner's kind typed as its code or its name in any language of the UI."""
    w = word.strip().lower()
    for kind in PARTNER_KINDS:
        names = {kind} | {catalog(lang).get(f"ui.calendar.partner_kind.{kind}", "").lower() for lang in LANGS}
        if w in names:
            return kind
    raise Invalid(f"unknown partner kind {word!r}", code="invalid_line")


def _csv(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()][:50]


def build_payload(form: Any, zone: ZoneInfo, emails: dict[str, int]) -> dict[str, Any]:
    """The service's EventInput from the form's strings; the service checks the rest."""
    if not isinstance(form, dict):
        raise Invalid("bad form", code="invalid")
    typ = form_str(form, "type", max_len=40)
    if typ not in ACTIVITY_TYPES:
        raise Invalid("unknown type", code="unknown_type")

    def member(name: str) -> int | None:
        return opt_int(form_str(form, name, max_len=20), low=1, high=2**62)

    partners = []
    for parts in lines(form_str(form, "partners", max_len=20000)):
        if len(parts) < 2:
            raise Invalid("partner line", code="invalid_line")
        partners.append({"kind": _partner_kind(parts[0]), "name": parts[1],
                         "contribution": parts[2] if len(parts) > 2 else ""})
    budget = []
    for parts in lines(form_str(form, "budget_lines", max_len=20000)):
        try:
            amount = float(parts[1].replace(",", ".").replace(" ", "")) if len(parts) > 1 else None
        except ValueError:
            amount = None
        if amount is None:
            raise Invalid("budget line", code="invalid_line")
        budget.append({"label": parts[0], "amount": amount, "currency": (parts[2] if len(parts) > 2 else "MAD")
                       .upper() or "MAD"})
    logistics = []
    for parts in lines(form_str(form, "logistics", max_len=20000), max_lines=200):
        owner = parts[1].lower() if len(parts) > 1 and parts[1] else ""
        if owner and owner not in emails:
            raise Invalid("unknown owner", code="unknown_member")
        due = parse_date(parts[2], required=False) if len(parts) > 2 else None
        done = len(parts) > 3 and parts[3].lower() in ("x", "ok", "1", "oui", "yes", "done", "✓")
        logistics.append({"task": parts[0], "owner_membership_id": emails.get(owner) if owner else None,
                          "due_on": due, "done": done})
    attachments = []
    for parts in lines(form_str(form, "attachments", max_len=20000), max_lines=50):
        if len(parts) < 2:
            raise Invalid("attachment line", code="invalid_line")
        attachments.append({"name": parts[0], "url": parts[1]})
    fields = ACTIVITY_TYPES[typ].fields
    details = {f: v for f in fields if (v := form_str(form, f"detail_{f}", max_len=2000).strip())}
    return {
        "type": typ,
        "title": form_str(form, "title", max_len=200),
        "theme": form_str(form, "theme", max_len=200),
        "description": form_str(form, "description", max_len=10000),
        "starts_at": parse_local(form_str(form, "starts_at", max_len=20), zone),
        "ends_at": parse_local(form_str(form, "ends_at", max_len=20), zone),
        "room_id": member("room_id"),
        "address": form_str(form, "address", max_len=300),
        "online_url": form_str(form, "online_url", max_len=500).strip(),
        "organiser_membership_id": member("organiser"),
        "coordination_membership_id": member("coordination"),
        "communication_membership_id": member("communication"),
        "audience": {"fields": _csv(form_str(form, "audience_fields", max_len=2000)),
                     "levels": _csv(form_str(form, "audience_levels", max_len=2000)),
                     "establishments": _csv(form_str(form, "audience_establishments", max_len=2000))},
        "capacity": opt_int(form_str(form, "capacity", max_len=10), low=1, high=100000),
        "registration_opens_at": parse_local(form_str(form, "registration_opens_at", max_len=20), zone,
                                             required=False),
        "registration_closes_at": parse_local(form_str(form, "registration_closes_at", max_len=20), zone,
                                              required=False),
        "partners": partners,
        "budget_lines": budget,
        "logistics": logistics,
        "attachments": attachments,
        "publishes_photos": form.get("publishes_photos") not in (None, "", False),
        "details": details,
    }


def form_values(data: dict[str, Any], zone: ZoneInfo, owners: dict[int, str]) -> dict[str, str]:
    """An existing event's values as the form's strings (the inverse of build_payload)."""
    kinds = {k: k for k in PARTNER_KINDS}

    def s(v: object) -> str:
        return "" if v is None else str(v)

    aud = data.get("audience") or {}
    out = {
        "type": data["type"], "title": data["title"], "theme": data["theme"], "description": data["description"],
        "starts_at": local_input(data["starts_at"], zone), "ends_at": local_input(data["ends_at"], zone),
        "room_id": s(data["room_id"]), "address": data["address"], "online_url": data["online_url"],
        "organiser": s(data["organiser_membership_id"]), "coordination": s(data["coordination_membership_id"]),
        "communication": s(data["communication_membership_id"]),
        "audience_fields": ", ".join(aud.get("fields", [])), "audience_levels": ", ".join(aud.get("levels", [])),
        "audience_establishments": ", ".join(aud.get("establishments", [])),
        "capacity": s(data["capacity"]),
        "registration_opens_at": local_input(data["registration_opens_at"], zone),
        "registration_closes_at": local_input(data["registration_closes_at"], zone),
        "partners": "\n".join(f"{kinds.get(p['kind'], p['kind'])} | {p['name']} | {p.get('contribution', '')}"
                              .rstrip(" |") for p in data["partners"]),
        "budget_lines": "\n".join(f"{b['label']} | {b['amount']:g} | {b.get('currency', 'MAD')}"
                                  for b in data["budget_lines"]),
        "logistics": "\n".join(
            " | ".join([x["task"], owners.get(x.get("owner_membership_id") or 0, ""), x.get("due_on") or "",
                        "x" if x.get("done") else ""]).rstrip(" |") for x in data["logistics"]),
        "attachments": "\n".join(f"{a['name']} | {a['url']}" for a in data["attachments"]),
        "publishes_photos": "on" if data["publishes_photos"] else "",
    }
    for f in DETAIL_FIELDS:
        out[f"detail_{f}"] = (data.get("details") or {}).get(f, "")
    return out


EMPTY_FORM = {"type": "workshop", "publishes_photos": ""}


class EventFormState(AppState):
    editing: bool = False
    values: dict[str, str] = {}
    form_key: int = 0
    form_type: str = "workshop"
    members: list[Option] = []
    rooms: list[Option] = []
    zone: str = ""
    conflicts: list[ConflictRow] = []
    # backend only: the form awaiting an override, e-mails of the team
    _pending: dict = {}
    _emails: dict = {}

    @rx.var
    def detail_fields(self) -> list[str]:
        t = ACTIVITY_TYPES.get(self.form_type)
        return list(t.fields) if t else []

    def _event_from_path(self) -> int:
        m = _EDIT_PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.conflicts, self._pending = [], {}
        event_id = self._event_from_path()
        self.editing = event_id > 0
        tid = actor.tenant_id or 0
        try:
            zone = centre_zone(actor, tid)
            self.zone = zone.key
            self.members, self._emails = team_options(actor, tid)
            self.rooms = [Option(str(r.id), r.name) for r in list_rooms(actor, tid)]
            if self.editing:
                e = get_event(actor, tid, event_id)
                owners = {mid: email for email, mid in self._emails.items()}
                self.values = form_values(event_input_of(e, event_staff_ids(tid, e.id)), zone, owners)
            else:
                self.values = dict(EMPTY_FORM)
        except ServiceError as exc:
            self.values = dict(EMPTY_FORM)
            self._fail(exc)
        self.form_type = self.values.get("type", "workshop")
        self.form_key += 1
        return None

    @rx.event
    def choose_type(self, value: str):
        if isinstance(value, str) and value in ACTIVITY_TYPES:
            self.form_type = value

    def _save(self, actor: Actor, form: dict, *, override: bool, reason: str = ""):
        tid = actor.tenant_id or 0
        zone = centre_zone(actor, tid)
        payload = build_payload(form, zone, self._emails)
        # the event of the page's path, looked up in the caller's own centre only
        event_id = self._event_from_path()
        if event_id:
            e = do_update_event(actor, tid, event_id, payload, override_conflicts=override,
                                override_reason=reason)
        else:
            e = do_create_event(actor, tid, payload, override_conflicts=override, override_reason=reason)
        self._pending, self.conflicts, self.error = {}, [], ""
        return rx.redirect(f"/staff/calendar/events/{e.id}")

    def _show_conflicts(self, actor: Actor, exc: Conflict) -> None:
        tid = actor.tenant_id or 0
        zone = centre_zone(actor, tid)
        rows = []
        for cid in (exc.params.get("conflicts") or [])[:20]:
            try:
                c = get_event(actor, tid, int(cid))
            except ServiceError:
                continue
            rows.append(ConflictRow(c.id, c.title, f"{local_text(c.starts_at, zone)} — "
                                                   f"{local_text(c.ends_at, zone, '%H:%M')}"))
        self.conflicts = rows

    @rx.event
    def save(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            return self._save(actor, form, override=False)
        except Conflict as exc:
            if exc.code != "schedule_conflict":
                self._fail(exc)
                return None
            # keep what was typed; the override resubmits it with a reason
            self._pending = {k: v for k, v in form.items() if isinstance(k, str) and isinstance(v, str | bool)}
            self._show_conflicts(actor, exc)
            self._fail(exc)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def override(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        if not self._pending:
            self.conflicts = []
            return None
        try:
            reason = form_str(form, "override_reason", max_len=500).strip()
            if len(reason) < 3:
                raise Invalid("reason", code="override_reason_required")
            return self._save(actor, self._pending, override=True, reason=reason)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def drop_override(self):
        self._pending, self.conflicts = {}, []


# ---------------------------------------------------------------- components

def _v(name: str) -> rx.Var:
    return EventFormState.values[name].to(str)


def _section(title_key: str, *children: rx.Component) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.heading(tr(title_key), size="3", as_="h2")),
        rx.vstack(*children, spacing="3", width="100%"),
        style={"border": f"1px solid {rx.color('gray', 5)}", "borderRadius": "8px", "padding": "1em",
               "width": "100%"},
    )


def _row(*children: rx.Component) -> rx.Component:
    return rx.flex(*children, spacing="3", width="100%", direction={"initial": "column", "sm": "row"})


def _people(name: str, key: str) -> rx.Component:
    return select_field(tr(key), name, dynamic=EventFormState.members, default=_v(name),
                        blank=tr("ui.calendar.nobody"))


def _details() -> rx.Component:
    return rx.fragment(*[
        rx.cond(EventFormState.detail_fields.contains(f),
                input_field(tr(f"ui.calendar.detail.{f}"), f"detail_{f}", default=_v(f"detail_{f}")))
        for f in DETAIL_FIELDS
    ])


def _conflict_box() -> rx.Component:
    return rx.cond(
        EventFormState.conflicts.length() > 0,
        rx.callout(rx.vstack(
            rx.text(tr("ui.calendar.conflict_intro"), weight="medium"),
            rx.el.ul(rx.foreach(EventFormState.conflicts, lambda c: rx.el.li(
                rx.link(c.title, href="/staff/calendar/events/" + c.id.to_string(), is_external=True),
                " — ", c.when))),
            rx.form(
                rx.vstack(
                    input_field(tr("ui.calendar.override_reason"), "override_reason", required=True),
                    rx.hstack(
                        rx.button(tr("ui.calendar.override_confirm"), type="submit", color_scheme="amber"),
                        rx.button(tr("ui.calendar.override_back"), type="button", variant="soft",
                                  color_scheme="gray", on_click=EventFormState.drop_override),
                        spacing="3",
                    ),
                    spacing="2", width="100%",
                ),
                on_submit=EventFormState.override, reset_on_submit=False, width="100%",
            ),
            spacing="2", width="100%",
        ), color_scheme="amber", width="100%", role="region", aria_label=tr("ui.calendar.conflict_title")),
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _section(
                "ui.calendar.section_what",
                _row(select_field(tr("ui.calendar.field_type"), "type",
                                  [(t, I18nState.tx["ui.calendar.type." + t]) for t in TYPES],
                                  default=_v("type"), on_change=EventFormState.choose_type),
                     input_field(tr("ui.calendar.field_title"), "title", default=_v("title"), required=True)),
                input_field(tr("ui.calendar.field_theme"), "theme", default=_v("theme")),
                text_area(tr("ui.calendar.field_description"), "description", default=_v("description")),
                _details(),
            ),
            _section(
                "ui.calendar.section_when",
                rx.text(tr("ui.calendar.zone_hint"), " ", EventFormState.zone, size="1", color_scheme="gray"),
                _row(input_field(tr("ui.calendar.field_starts_at"), "starts_at", type="datetime-local",
                                 default=_v("starts_at"), required=True),
                     input_field(tr("ui.calendar.field_ends_at"), "ends_at", type="datetime-local",
                                 default=_v("ends_at"), required=True)),
                _row(select_field(tr("ui.calendar.field_room"), "room_id", dynamic=EventFormState.rooms,
                                  default=_v("room_id"), blank=tr("ui.calendar.no_room")),
                     input_field(tr("ui.calendar.field_address"), "address", default=_v("address")),
                     input_field(tr("ui.calendar.field_online_url"), "online_url", type="url",
                                 default=_v("online_url"))),
            ),
            _section(
                "ui.calendar.section_who",
                _row(_people("organiser", "ui.calendar.field_organiser"),
                     _people("coordination", "ui.calendar.field_coordination"),
                     _people("communication", "ui.calendar.field_communication")),
                _row(input_field(tr("ui.calendar.field_audience_fields"), "audience_fields",
                                 default=_v("audience_fields")),
                     input_field(tr("ui.calendar.field_audience_levels"), "audience_levels",
                                 default=_v("audience_levels")),
                     input_field(tr("ui.calendar.field_audience_establishments"), "audience_establishments",
                                 default=_v("audience_establishments"))),
                rx.text(tr("ui.calendar.comma_hint"), size="1", color_scheme="gray"),
                _row(input_field(tr("ui.calendar.field_capacity"), "capacity", type="number",
                                 default=_v("capacity"), min="1"),
                     input_field(tr("ui.calendar.field_registration_opens_at"), "registration_opens_at",
                                 type="datetime-local", default=_v("registration_opens_at")),
                     input_field(tr("ui.calendar.field_registration_closes_at"), "registration_closes_at",
                                 type="datetime-local", default=_v("registration_closes_at"))),
            ),
            _section(
                "ui.calendar.section_means",
                text_area(tr("ui.calendar.field_partners"), "partners", default=_v("partners"),
                          hint=tr("ui.calendar.partners_hint")),
                text_area(tr("ui.calendar.field_budget_lines"), "budget_lines", default=_v("budget_lines"),
                          hint=tr("ui.calendar.budget_hint")),
                text_area(tr("ui.calendar.field_logistics"), "logistics", default=_v("logistics"),
                          hint=tr("ui.calendar.logistics_hint")),
                text_area(tr("ui.calendar.field_attachments"), "attachments", default=_v("attachments"),
                          hint=tr("ui.calendar.attachments_hint")),
                checkbox(tr("ui.calendar.field_publishes_photos"), "publishes_photos",
                         checked=_v("publishes_photos") == "on"),
                rx.text(tr("ui.calendar.photos_hint"), size="1", color_scheme="gray"),
            ),
            rx.hstack(
                rx.link(rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray"),
                        href="/staff/calendar"),
                rx.button(tr("ui.calendar.save_event"), type="submit"),
                justify="end", width="100%",
            ),
            spacing="4", width="100%",
        ),
        on_submit=EventFormState.save, reset_on_submit=False, width="100%",
        key=EventFormState.form_key.to_string(),
    )


def form_page() -> rx.Component:
    return area_page(
        "staff", "ui.calendar.form_title",
        rx.link(tr("ui.calendar.back"), href="/staff/calendar"),
        messages(),
        _form(),
        # outside the event's form: forms do not nest
        _conflict_box(),
    )


def register(app: rx.App) -> None:
    app.add_page(form_page, route="/staff/calendar/new", on_load=EventFormState.on_load, title="CC Network")
    app.add_page(form_page, route="/staff/calendar/events/[event_id]/edit", on_load=EventFormState.on_load,
                 title="CC Network")
