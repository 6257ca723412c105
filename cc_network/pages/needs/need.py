"""/staff/needs/[need_id]: one job need's pipeline (P22).

- the need and its job sheet (fiche de poste), with the business developer's actions: take
  it, write the sheet (pre-filled), send it to the host institution, ask for publication,
  cancel, close;
- the shortlist: notes, ranks (up/down), select/exclude, each student's current consent,
  sending for preparation (a session with a counselor, or a workshop) and sending the
  profiles to the company (only consenting students go; the link is valid N days);
- the sendings with the log of every view by the company, and revocation;
- the suggested candidates (scored against the need, with the reasons) and the student
  search (words + filters), each with "add to the shortlist" and a note.
Every id a handler receives is looked up in the caller's own centre by the services."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import reflex as rx

from cc_network.pages.actions import act_and_reload
from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_text,
    parse_local,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_id, as_page, form_str, id_or_zero
from cc_network.pages.needs_forms.common import Fact, facts_list, need_facts, status_badge
from cc_network.pages.portal.common import section, zone_of
from cc_network.pages.staff_portal.students import fail
from cc_network.ui.components import checkbox, confirm_dialog, empty, messages, pager
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.db import utcnow
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.calendar.services import list_events
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from tenants.portal.profiles.models import Level
from tenants.portal.profiles.services import list_establishments, list_study_fields
from tenants.portal.sessions.services import list_counselors
from tenants.sourcing.access import ENDED
from tenants.sourcing.needs import services as needs
from tenants.sourcing.pipeline import services as pipe
from tenants.sourcing.search.services import search_students

_PATH = re.compile(r"^/staff/needs/(\d{1,18})/?$")
PER_PAGE = 20
VALID_DAYS_DEFAULT = 14


@dataclasses.dataclass
class EntryRow:
    id: int = 0
    student_id: int = 0
    name: str = ""
    field: str = ""
    level: str = ""
    establishment: str = ""
    rank: str = ""
    status: str = ""
    consent: bool = False
    note: str = ""
    origin: str = ""
    preparation: str = ""
    outcome: str = ""
    outcome_note: str = ""


@dataclasses.dataclass
class StudentRow:
    id: int = 0
    name: str = ""
    field: str = ""
    level: str = ""
    establishment: str = ""
    graduation: str = ""
    skills: str = ""
    consent: bool = False
    listed: bool = False
    score: str = ""
    reasons: str = ""


@dataclasses.dataclass
class LogRow:
    at: str = ""
    kind: str = ""
    student: str = ""
    viewer: str = ""


@dataclasses.dataclass
class ShareRow:
    id: int = 0
    sent_at: str = ""
    until: str = ""
    state: str = ""  # active | expired | revoked
    students: str = ""
    sent_by: str = ""
    views: list[LogRow] = dataclasses.field(default_factory=list)


def _entry_ids(form: object) -> list[int]:
    """The candidates ticked, as the bulk form sends them ("3,8,12"); each is checked by the service."""
    raw = form_str(form, "entry_ids", max_len=3000)
    parts = [p for p in raw.split(",") if p.strip()]
    if len(parts) > 200:
        raise Invalid("too many candidates at once", code="invalid")
    return [as_id(p) for p in parts]


def _reason_text(code: str) -> str:
    return code.split(":", 1)[1] if ":" in code else code


class NeedPipelineState(AppState):
    found: bool = False
    title: str = ""
    status: str = ""
    company: str = ""
    owner: str = ""
    facts: list[Fact] = []
    sheet: str = ""
    sheet_draft: str = ""
    sheet_sent: str = ""
    publication_requested: str = ""
    ended: bool = False
    can_manage: bool = False
    can_source: bool = False
    entries: list[EntryRow] = []
    picked: list[int] = []
    # the ticked ids as the bulk forms send them back ("3,8,12")
    picked_text: str = ""
    candidates: list[StudentRow] = []
    results: list[StudentRow] = []
    results_total: int = 0
    searched: bool = False
    page: int = 1
    pages: int = 1
    shares: list[ShareRow] = []
    fields: list[Option] = []
    establishments: list[Option] = []
    counselors: list[Option] = []
    workshops: list[Option] = []
    last_sent: str = ""
    # the dialog open: a note on a candidate ("note", entry id) or adding a student ("add", membership id)
    editing_id: int = 0
    editing_kind: str = ""
    editing_name: str = ""
    editing_note: str = ""
    # the search as last submitted (validated again by the service on every use)
    _filters: dict = {}
    _query: str = ""

    def _need_from_path(self) -> int:
        m = _PATH.match(str(self.router.url.path or ""))
        return id_or_zero(m.group(1) if m else None)

    def _clear(self) -> None:
        self.found, self.title, self.status, self.company, self.owner, self.facts = False, "", "", "", "", []
        self.sheet = self.sheet_draft = self.sheet_sent = self.publication_requested = ""
        self.ended = self.can_manage = self.can_source = False
        self.entries, self.candidates, self.results, self.shares = [], [], [], []
        self._set_picked([])
        self.results_total, self.searched, self.page, self.pages, self.last_sent = 0, False, 1, 1, ""
        self.editing_id, self.editing_kind, self.editing_name, self.editing_note = 0, "", "", ""
        self._filters, self._query = {}, ""

    def _need_id(self) -> int:
        nid = self._need_from_path()
        if not nid:
            raise NotFound("job need not found", code="not_found")
        return nid

    def _load(self, actor: Actor) -> None:
        tid, nid = actor.tenant_id or 0, self._need_id()
        zone = zone_of(self.tenant_slug)
        v = needs.get_need(actor, tid, nid)
        self.found, self.title, self.status, self.company, self.owner = True, v.title, v.status, v.company_name, \
            v.owner_name
        self.facts = need_facts(v)
        self.sheet = v.sheet
        self.sheet_draft = v.sheet or needs.prefilled_sheet(v)
        self.sheet_sent = local_text(v.sheet_sent_at, zone)
        self.publication_requested = local_text(v.publication_requested_at, zone)
        self.ended = v.status in ENDED
        self.can_manage = actor.can(Perm.NEED_MANAGE)
        self.can_source = actor.can(Perm.SOURCING)
        entries = pipe.list_shortlist(actor, tid, nid)
        self.entries = [EntryRow(
            e.id, e.student_membership_id, e.student_name, e.field, e.level, e.establishment,
            str(e.rank) if e.rank else "", e.status, e.consent, e.note, e.origin,
            ("session" if e.booking_id else "workshop" if e.registration_id else ""), e.outcome, e.outcome_note)
            for e in entries]
        on_screen = {e.id for e in entries}
        self._set_picked([i for i in self.picked if i in on_screen])
        now = utcnow()
        self.shares = [ShareRow(
            sh.id, local_text(sh.sent_at, zone), local_text(sh.expires_at, zone),
            "revoked" if sh.revoked_at else ("expired" if sh.expires_at <= now else "active"),
            ", ".join(sh.students), sh.sent_by,
            [LogRow(local_text(lg.at, zone), lg.kind, lg.student_name, lg.viewer) for lg in sh.views])
            for sh in pipe.list_shares(actor, tid, nid)]
        if self.can_source:
            self.candidates = [StudentRow(
                c.membership_id, c.full_name, c.field, c.level, c.establishment, "", "", c.consent, c.in_shortlist,
                f"{c.score:g}", ", ".join(_reason_text(r) for r in c.reasons))
                for c in pipe.rank_candidates(actor, tid, nid, limit=20)]
            self.fields = [Option(str(f.id), f.name) for f in list_study_fields(actor, tid)]
            self.establishments = [Option(str(e.id), e.name) for e in list_establishments(actor, tid)]
            if self.searched:
                self._search(actor)
        if self.can_manage:
            self.counselors = [Option(str(c.membership_id), c.full_name) for c in list_counselors(actor, tid)]
            self.workshops = [Option(str(e.id), f"{e.title} — {local_text(e.starts_at, zone)}")
                              for e in list_events(actor, tid, {"start": now, "end": now + timedelta(days=120),
                                                                "types": ["workshop"],
                                                                "statuses": ["published"]})]

    def _set_picked(self, ids: list[int]) -> None:
        self.picked = ids
        self.picked_text = ",".join(str(i) for i in ids)

    def _search(self, actor: Actor) -> None:
        res = search_students(actor, actor.tenant_id or 0, self._query, {**self._filters,
                                                                         "need_id": self._need_id()},
                              self.page, PER_PAGE)
        self.results = [StudentRow(h.membership_id, h.full_name, h.field, h.level, h.establishment,
                                   str(h.graduation_year or ""), ", ".join(h.skills), h.consent, h.in_shortlist)
                        for h in res.rows]
        self.results_total, self.pages = res.total, res.pages

    def _act(self, fn, notice: str):  # noqa: ANN001
        """Runs a service call for the need of the page, then reloads; a refusal shows its message."""
        return act_and_reload(self, lambda a: fn(a, a.tenant_id or 0), notice, fail)

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self._clear()
        try:
            self._load(actor)
        except ServiceError as exc:
            self._clear()
            fail(self, exc)
        return None

    # ------------------------------------------------------------ the need (helper B's services)

    @rx.event
    def take(self):
        return self._act(lambda a, t: needs.do_take_need(a, t, self._need_id()), "ui.pipeline.taken")

    @rx.event
    def save_sheet(self, form: dict):
        return self._act(lambda a, t: needs.do_write_sheet(a, t, self._need_id(),
                                                           sheet=form_str(form, "sheet", max_len=8000)),
                         "ui.pipeline.sheet_saved")

    @rx.event
    def send_sheet(self):
        return self._act(lambda a, t: needs.do_send_sheet(a, t, self._need_id()), "ui.pipeline.sheet_sent")

    @rx.event
    def request_publication(self):
        return self._act(lambda a, t: needs.do_request_publication(a, t, self._need_id()),
                         "ui.pipeline.publication_requested")

    @rx.event
    def cancel_need(self, form: dict):
        return self._act(lambda a, t: needs.do_cancel_need(a, t, self._need_id(),
                                                           reason=form_str(form, "reason", max_len=1000)),
                         "ui.pipeline.need_cancelled")

    @rx.event
    def close_need(self):
        return self._act(lambda a, t: needs.do_close_need(a, t, self._need_id()), "ui.pipeline.need_closed")

    # ------------------------------------------------------------ the shortlist

    @rx.event
    def toggle_pick(self, entry_id: int):
        """Ticks a candidate on screen for a bulk action (the services check every id on use)."""
        if not any(e.id == entry_id for e in self.entries):
            return
        self._set_picked([i for i in self.picked if i != entry_id] if entry_id in self.picked
                         else [*self.picked, entry_id])

    @rx.event
    def move(self, entry_id: int, direction: int):
        return self._act(lambda a, t: pipe.do_move(a, t, as_id(entry_id), 1 if direction == 1 else -1),
                         "ui.pipeline.ranked")

    @rx.event
    def change_status(self, entry_id: int, status: str):
        if status not in ("selected", "excluded", "proposed"):
            return None
        return self._act(lambda a, t: pipe.do_update_entry(a, t, as_id(entry_id), {"status": status}),
                         "ui.pipeline.entry_saved")

    @rx.event
    def remove(self, entry_id: int):
        return self._act(lambda a, t: pipe.do_remove_entry(a, t, as_id(entry_id)), "ui.pipeline.entry_removed")

    @rx.event
    def mark_prepared(self, entry_id: int):
        return self._act(lambda a, t: pipe.do_mark_prepared(a, t, as_id(entry_id)), "ui.pipeline.entry_saved")

    @rx.event
    def start_note(self, entry_id: int):
        """Opens the note dialog of a candidate already on screen; reads nothing new."""
        row = next((e for e in self.entries if e.id == entry_id), None)
        if row is None:
            return
        self.editing_id, self.editing_kind, self.editing_name, self.editing_note = row.id, "note", row.name, row.note

    @rx.event
    def start_add(self, student_id: int):
        """Opens the 'add to the shortlist' dialog for a student on screen; reads nothing new."""
        row = next((r for r in [*self.results, *self.candidates] if r.id == student_id), None)
        if row is None:
            return
        self.editing_id, self.editing_kind, self.editing_name, self.editing_note = row.id, "add", row.name, ""

    @rx.event
    def stop_edit(self, _open: bool = False):
        self.editing_id, self.editing_kind = 0, ""

    @rx.event
    def save_dialog(self, form: dict):
        """The note of a candidate (kind note) or the student added with a note (kind add)."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            target = as_id(form.get("target_id") if isinstance(form, dict) else None)
            kind = form_str(form, "kind", max_len=10)
            note = form_str(form, "note", max_len=2000)
            if kind == "note":
                pipe.do_update_entry(actor, actor.tenant_id or 0, target, {"note": note})
            elif kind == "add":
                pipe.do_shortlist(actor, actor.tenant_id or 0, self._need_id(), target, note)
            else:
                raise Invalid("bad form", code="invalid")
            self._load(actor)
        except ServiceError as exc:
            fail(self, exc)
            return None
        self.editing_id, self.editing_kind = 0, ""
        self._ok("ui.pipeline.entry_saved" if kind == "note" else "ui.pipeline.added")
        return None

    @rx.event
    def prepare(self, form: dict):
        """Sends the ticked candidates for preparation with a counselor (session or workshop)."""
        def run(a: Actor, t: int) -> None:
            kind = form_str(form, "prep_kind", max_len=10)
            raw_counselor = form_str(form, "counselor", max_len=12)
            if not raw_counselor:
                raise Invalid("choose the counselor", code="unknown_counselor")
            counselor = as_id(raw_counselor)
            starts = event = None
            if kind == "session":
                starts = parse_local(form_str(form, "starts_at", max_len=20), zone_of(self.tenant_slug))
            elif kind == "workshop":
                raw = form_str(form, "event", max_len=12)
                event = as_id(raw) if raw else None
            pipe.do_send_for_preparation(a, t, _entry_ids(form), counselor_membership_id=counselor, kind=kind,
                                         starts_at=starts, event_id=event)
            self._set_picked([])
        return self._act(run, "ui.pipeline.prepared_sent")

    @rx.event
    def send_profiles(self, form: dict):
        """Sends the ticked candidates' profiles to the company (consenting students only)."""
        def run(a: Actor, t: int) -> None:
            raw = form_str(form, "valid_days", max_len=4).strip()
            if not raw.isdigit():
                raise Invalid("a number of days", code="invalid_valid_days")
            res = pipe.do_send_profiles(a, t, self._need_id(), _entry_ids(form), valid_days=int(raw))
            self._set_picked([])
            self.last_sent = ", ".join(x.student_name for x in res.skipped)
        self.last_sent = ""
        return self._act(run, "ui.pipeline.profiles_sent")

    @rx.event
    def revoke(self, share_id: int):
        return self._act(lambda a, t: pipe.do_revoke_share(a, t, as_id(share_id)), "ui.pipeline.share_revoked")

    # ------------------------------------------------------------ search

    @rx.event
    def search(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            def opt(name: str) -> int | None:
                raw = form_str(form, name, max_len=12)
                return as_id(raw) if raw else None

            year = form_str(form, "graduation_year", max_len=4).strip()
            self._query = form_str(form, "q", max_len=200)
            self._filters = {"field_id": opt("field"), "establishment_id": opt("establishment"),
                             "level": form_str(form, "level", max_len=20) or None,
                             "graduation_year": int(year) if year.isdigit() else None,
                             "language": form_str(form, "language", max_len=60),
                             "consent_only": form.get("consent_only") not in (None, "", False)}
            self.page, self.searched = 1, True
            self._search(actor)
        except ServiceError as exc:
            self.results, self.results_total = [], 0
            fail(self, exc)
        return None

    @rx.event
    def next_page(self):
        self.page = min(as_page(self.page + 1), self.pages)
        return self._refresh()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        return self._refresh()


# ---------------------------------------------------------------- the page

def _consent(ok: rx.Var) -> rx.Component:
    return rx.badge(rx.cond(ok, tr("ui.pipeline.consent_yes"), tr("ui.pipeline.consent_no")),
                    color_scheme=rx.cond(ok, "green", "red"), variant="soft")


def _need_actions() -> rx.Component:
    s = NeedPipelineState
    return rx.cond(s.can_manage & ~s.ended, rx.vstack(
        rx.flex(
            rx.button(tr("ui.pipeline.take"), on_click=s.take, variant="soft"),
            rx.button(tr("ui.pipeline.send_sheet"), on_click=s.send_sheet, variant="soft",
                      disabled=s.sheet == ""),
            rx.button(tr("ui.pipeline.request_publication"), on_click=s.request_publication, variant="soft",
                      disabled=s.sheet == ""),
            confirm_dialog("ui.pipeline.close", "ui.pipeline.close_title", "ui.pipeline.close_text", s.close_need,
                           subject=s.title, danger=False),
            spacing="2", wrap="wrap"),
        rx.form(rx.flex(input_field(tr("ui.pipeline.cancel_reason"), "reason", max_length=1000, width="24em"),
                        rx.button(tr("ui.pipeline.cancel_need"), type="submit", color_scheme="red", variant="soft"),
                        spacing="2", align="end", wrap="wrap"),
                on_submit=s.cancel_need, reset_on_submit=True),
        spacing="3", width="100%"))


def _sheet() -> rx.Component:
    s = NeedPipelineState
    return rx.vstack(
        rx.cond(s.sheet_sent != "", rx.text(tr("ui.pipeline.sheet_sent_at"), " ", s.sheet_sent, size="2")),
        rx.cond(s.publication_requested != "",
                rx.text(tr("ui.pipeline.publication_requested_at"), " ", s.publication_requested, size="2")),
        rx.cond(s.can_manage & ~s.ended,
                rx.form(rx.vstack(text_area(tr("ui.pipeline.sheet"), "sheet", default=s.sheet_draft, rows="10"),
                                  rx.button(tr("ui.pipeline.save_sheet"), type="submit"), width="100%"),
                        on_submit=s.save_sheet, reset_on_submit=False, width="100%", key=s.sheet_draft),
                rx.cond(s.sheet != "", rx.text(s.sheet, white_space="pre-wrap", size="2"),
                        empty("ui.pipeline.no_sheet"))),
        spacing="2", width="100%")


def _entry_actions(e: EntryRow) -> rx.Component:
    s = NeedPipelineState
    locked = (e.status == "sent") | (e.status == "preparing")
    return rx.flex(
        rx.cond(s.can_manage & (e.status != "excluded"), rx.fragment(
            rx.icon_button(rx.icon("arrow-up", size=14), size="1", variant="soft", on_click=s.move(e.id, -1),
                           aria_label=tr("ui.pipeline.up") + " — " + e.name),
            rx.icon_button(rx.icon("arrow-down", size=14), size="1", variant="soft", on_click=s.move(e.id, 1),
                           aria_label=tr("ui.pipeline.down") + " — " + e.name))),
        rx.cond(s.can_manage & ~locked & (e.status != "selected"),
                rx.button(tr("ui.pipeline.select"), size="1", variant="soft", on_click=s.change_status(e.id, "selected"),
                          aria_label=tr("ui.pipeline.select") + " — " + e.name)),
        rx.cond(s.can_manage & ~locked & (e.status != "excluded"),
                rx.button(tr("ui.pipeline.exclude"), size="1", variant="soft", color_scheme="gray",
                          on_click=s.change_status(e.id, "excluded"),
                          aria_label=tr("ui.pipeline.exclude") + " — " + e.name)),
        rx.cond(s.can_manage & (e.status == "excluded"),
                rx.button(tr("ui.pipeline.reinclude"), size="1", variant="soft",
                          on_click=s.change_status(e.id, "proposed"))),
        rx.button(tr("ui.pipeline.note"), size="1", variant="soft", on_click=s.start_note(e.id),
                  aria_label=tr("ui.pipeline.note") + " — " + e.name),
        rx.cond(e.status == "preparing", rx.button(tr("ui.pipeline.mark_prepared"), size="1", variant="soft",
                                                   on_click=s.mark_prepared(e.id))),
        rx.cond(~locked, confirm_dialog("ui.pipeline.remove", "ui.pipeline.remove_title", "ui.pipeline.remove_text",
                                        s.remove(e.id), subject=e.name)),
        spacing="1", wrap="wrap")


def _entry_row(e: EntryRow) -> rx.Component:
    s = NeedPipelineState
    return rx.table.row(
        rx.table.cell(rx.el.input(type="checkbox", checked=s.picked.contains(e.id), on_change=s.toggle_pick(e.id),
                                  aria_label=tr("ui.pipeline.pick") + " — " + e.name)),
        rx.table.cell(e.rank),
        rx.table.row_header_cell(rx.vstack(
            rx.link(e.name, href="/staff/students/" + e.student_id.to_string(), weight="medium"),
            rx.text(e.field, " ", e.level, " ", e.establishment, size="1", color_scheme="gray"),
            rx.cond(e.note != "", rx.text(e.note, size="1", white_space="pre-wrap")), spacing="0")),
        rx.table.cell(_consent(e.consent)),
        rx.table.cell(rx.vstack(
            rx.badge(I18nState.tx["ui.pipeline.entry." + e.status], variant="soft"),
            rx.cond(e.preparation != "", rx.text(I18nState.tx["ui.pipeline.prep." + e.preparation], size="1")),
            rx.cond(e.outcome != "", rx.text(I18nState.tx["ui.pipeline.outcome." + e.outcome], " ", e.outcome_note,
                                             size="1", weight="medium")),
            rx.text(I18nState.tx["ui.pipeline.origin." + e.origin], size="1", color_scheme="gray"),
            spacing="1")),
        rx.table.cell(_entry_actions(e)),
    )


def _send_forms() -> rx.Component:
    s = NeedPipelineState
    return rx.cond(s.can_manage & ~s.ended, rx.flex(
        rx.card(rx.form(rx.vstack(
            rx.heading(tr("ui.pipeline.send_title"), size="3", as_="h3"),
            rx.el.input(type="hidden", name="entry_ids", value=s.picked_text),
            rx.text(tr("ui.pipeline.send_text"), size="2"),
            input_field(tr("ui.pipeline.valid_days"), "valid_days", type="number", default=str(VALID_DAYS_DEFAULT),
                        min="1", max="90", width="10em", required=True),
            rx.button(tr("ui.pipeline.send_profiles"), " (", s.picked.length().to_string(), ")", type="submit",
                      disabled=s.picked.length() == 0),
            spacing="2"), on_submit=s.send_profiles, reset_on_submit=False), flex="1", min_width="18em"),
        rx.card(rx.form(rx.vstack(
            rx.heading(tr("ui.pipeline.prep_title"), size="3", as_="h3"),
            rx.el.input(type="hidden", name="entry_ids", value=s.picked_text),
            select_field(tr("ui.pipeline.counselor"), "counselor", dynamic=s.counselors, blank=tr("ui.pipeline.choose")),
            select_field(tr("ui.pipeline.prep_kind"), "prep_kind", [("session", tr("ui.pipeline.prep.session")),
                                                                    ("workshop", tr("ui.pipeline.prep.workshop"))]),
            input_field(tr("ui.pipeline.starts_at"), "starts_at", type="datetime-local"),
            select_field(tr("ui.pipeline.workshop"), "event", dynamic=s.workshops, blank=tr("ui.pipeline.choose")),
            rx.text(tr("ui.pipeline.prep_hint"), size="1", color_scheme="gray"),
            rx.button(tr("ui.pipeline.send_prep"), " (", s.picked.length().to_string(), ")", type="submit",
                      disabled=s.picked.length() == 0),
            spacing="2"), on_submit=s.prepare, reset_on_submit=False), flex="1", min_width="18em"),
        spacing="3", wrap="wrap", width="100%"))


def _shortlist() -> rx.Component:
    s = NeedPipelineState
    return rx.vstack(
        rx.cond(s.entries.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.pipeline.pick")),
                rx.table.column_header_cell(tr("ui.pipeline.rank")),
                rx.table.column_header_cell(tr("ui.pipeline.student")),
                rx.table.column_header_cell(tr("ui.pipeline.consent")),
                rx.table.column_header_cell(tr("ui.pipeline.status")),
                rx.table.column_header_cell(tr("ui.pipeline.actions")))),
            rx.table.body(rx.foreach(s.entries, _entry_row)), width="100%", variant="surface"),
            empty("ui.pipeline.no_entries")),
        rx.cond(s.last_sent != "", rx.callout(rx.text(tr("ui.pipeline.skipped"), " ", s.last_sent),
                                              color_scheme="amber", width="100%")),
        _send_forms(),
        spacing="3", width="100%")


def _student_table(rows: rx.Var, *, scored: bool) -> rx.Component:
    s = NeedPipelineState
    return rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell(tr("ui.pipeline.student")),
            rx.table.column_header_cell(tr("ui.pipeline.profile")),
            rx.table.column_header_cell(tr("ui.pipeline.consent")),
            *([rx.table.column_header_cell(tr("ui.pipeline.score"))] if scored else []),
            rx.table.column_header_cell(tr("ui.pipeline.actions")))),
        rx.table.body(rx.foreach(rows, lambda r: rx.table.row(
            rx.table.row_header_cell(rx.link(r.name, href="/staff/students/" + r.id.to_string())),
            rx.table.cell(rx.vstack(rx.text(r.field, " ", r.level, " ", r.graduation, size="2"),
                                    rx.text(r.establishment, size="1", color_scheme="gray"),
                                    rx.cond(r.skills != "", rx.text(r.skills, size="1")), spacing="0")),
            rx.table.cell(_consent(r.consent)),
            *([rx.table.cell(rx.vstack(rx.text(r.score, weight="bold", size="2"),
                                       rx.text(r.reasons, size="1", color_scheme="gray"), spacing="0"))]
              if scored else []),
            rx.table.cell(rx.cond(r.listed, rx.badge(tr("ui.pipeline.listed"), variant="soft"),
                                  rx.cond(~s.ended, rx.button(tr("ui.pipeline.add"), size="1", on_click=s.start_add(r.id),
                                                              aria_label=tr("ui.pipeline.add") + " — " + r.name)))),
        ))), width="100%", variant="surface")


def _search() -> rx.Component:
    s = NeedPipelineState
    return rx.vstack(
        rx.form(rx.flex(
            input_field(tr("ui.pipeline.words"), "q", max_length=200, width="20em"),
            select_field(tr("ui.pipeline.field"), "field", dynamic=s.fields, blank=tr("ui.pipeline.all"), width="14em"),
            select_field(tr("ui.pipeline.level"), "level", [(lv.value, tr(f"ui.students.level.{lv.value}"))
                                                            for lv in Level], blank=tr("ui.pipeline.all"), width="10em"),
            select_field(tr("ui.pipeline.establishment"), "establishment", dynamic=s.establishments,
                         blank=tr("ui.pipeline.all"), width="14em"),
            input_field(tr("ui.pipeline.graduation_year"), "graduation_year", type="number", min="1980", max="2100",
                        width="9em"),
            input_field(tr("ui.pipeline.language"), "language", max_length=60, width="10em"),
            checkbox(tr("ui.pipeline.consent_only"), "consent_only"),
            rx.button(tr("ui.pipeline.search"), type="submit"),
            spacing="3", align="end", wrap="wrap"), on_submit=s.search, reset_on_submit=False, width="100%"),
        rx.cond(s.searched, rx.vstack(
            rx.text(s.results_total.to_string(), " ", tr("ui.pipeline.results"), size="2"),
            rx.cond(s.results.length() > 0, _student_table(s.results, scored=False), empty("ui.pipeline.no_results")),
            rx.cond(s.pages > 1, pager(s.page, s.pages, s.prev_page, s.next_page)),
            spacing="2", width="100%")),
        spacing="3", width="100%")


def _shares() -> rx.Component:
    s = NeedPipelineState
    return rx.cond(s.shares.length() > 0, rx.vstack(rx.foreach(s.shares, lambda sh: rx.card(rx.vstack(
        rx.flex(
            rx.text(tr("ui.pipeline.sent_at"), " ", sh.sent_at, weight="medium", size="2"),
            rx.text(tr("ui.pipeline.until"), " ", sh.until, size="2"),
            rx.badge(I18nState.tx["ui.pipeline.share." + sh.state], variant="soft",
                     color_scheme=rx.cond(sh.state == "active", "green", "gray")),
            rx.cond(s.can_manage & (sh.state == "active"),
                    confirm_dialog("ui.pipeline.revoke", "ui.pipeline.revoke_title", "ui.pipeline.revoke_text",
                                   s.revoke(sh.id))),
            spacing="3", align="center", wrap="wrap"),
        rx.text(sh.students, size="2"),
        rx.text(tr("ui.pipeline.sent_by"), " ", sh.sent_by, size="1", color_scheme="gray"),
        rx.cond(sh.views.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("ui.pipeline.view_at")),
                rx.table.column_header_cell(tr("ui.pipeline.view_kind")),
                rx.table.column_header_cell(tr("ui.pipeline.student")),
                rx.table.column_header_cell(tr("ui.pipeline.viewer")))),
            rx.table.body(rx.foreach(sh.views, lambda lg: rx.table.row(
                rx.table.cell(lg.at), rx.table.cell(I18nState.tx["ui.pipeline.view." + lg.kind]),
                rx.table.cell(lg.student), rx.table.cell(rx.cond(lg.viewer != "", lg.viewer,
                                                                 tr("ui.pipeline.viewer_link")))))),
            size="1", variant="surface", width="100%"), rx.text(tr("ui.pipeline.no_views"), size="1",
                                                               color_scheme="gray")),
        spacing="2", width="100%"), width="100%")), spacing="2", width="100%"),
        empty("ui.pipeline.no_shares"))


def _dialog() -> rx.Component:
    s = NeedPipelineState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(s.editing_kind == "add", tr("ui.pipeline.add_title"), tr("ui.pipeline.note_title")),
                            " — ", s.editing_name),
            rx.form(rx.vstack(
                rx.el.input(type="hidden", name="target_id", value=s.editing_id.to_string()),
                rx.el.input(type="hidden", name="kind", value=s.editing_kind),
                text_area(tr("ui.pipeline.note"), "note", default=s.editing_note),
                rx.hstack(rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                    on_click=s.stop_edit(False)),
                          rx.button(tr("ui.pipeline.save"), type="submit"), justify="end", width="100%"),
                spacing="3", width="100%"), on_submit=s.save_dialog, reset_on_submit=False, width="100%"),
        ),
        open=s.editing_id > 0, on_open_change=s.stop_edit,
    )


def need_pipeline_page() -> rx.Component:
    s = NeedPipelineState
    return area_page(
        "staff", "ui.pipeline.need_title", messages(),
        rx.link(tr("ui.pipeline.back"), href="/staff/needs", size="2"),
        rx.cond(s.found, rx.vstack(
            rx.hstack(rx.heading(s.title, size="5", as_="h2"), status_badge(s.status), align="center", wrap="wrap"),
            rx.text(s.company, rx.cond(s.owner != "", rx.fragment(" — ", tr("ui.pipeline.owner"), ": ", s.owner)),
                    size="2"),
            facts_list(s.facts),
            _need_actions(),
            section("ui.pipeline.sheet", _sheet()),
            section("ui.pipeline.shortlist", _shortlist()),
            section("ui.pipeline.shares", _shares()),
            rx.cond(s.can_source, rx.fragment(
                section("ui.pipeline.candidates", rx.cond(s.candidates.length() > 0,
                                                          _student_table(s.candidates, scored=True),
                                                          empty("ui.pipeline.no_candidates"))),
                section("ui.pipeline.search_title", _search()))),
            _dialog(),
            spacing="4", width="100%")),
    )


def register(app: rx.App) -> None:
    app.add_page(need_pipeline_page, route="/staff/needs/[need_id]", on_load=NeedPipelineState.on_load,
                 title="CC Network")
