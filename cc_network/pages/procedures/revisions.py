"""/staff/procedures/[proc_code]/revisions (issue 6 §5, P31): a procedure's versions with their
status; the manager creates a draft (a copy of the version the centre runs), edits its steps
(title, kind, roles, dependencies, timing, documents; add and remove steps), saves it (errors
shown on the step concerned), submits it for the weekly meeting's review, then approves and
publishes it. Anyone with the procedures sees the readable diff between two versions.

Every rule is in workflows.procedures.revisions; this page only turns the form into a
definition. Ids come from the form (a hidden field) and are looked up by the service in the
caller's centre only."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import reflex as rx

from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import zone_of
from cc_network.pages.procedures import known_key, when_text
from cc_network.ui.components import confirm_dialog, empty, messages
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState, error_key
from integrations.errors import Invalid, NotFound, ServiceError
from tenants.core.actor import Actor
from tenants.core.roles import Perm
from workflows.procedures import catalog
from workflows.procedures import revisions as rev
from workflows.procedures.schema import STEP_KINDS, Anchor

_PATH = re.compile(r"^/staff/procedures/(P\d{2})/revisions/?$")
ROLES = rev.ROLE_KEYS
RESPONSIBILITIES = rev.RESPONSIBILITY_KEYS
ANCHORS: tuple[str, ...] = Anchor.__args__  # type: ignore[attr-defined]
USES = ("input", "output", "update", "reference")
RECORD_KEYS = tuple(sorted({r.key for r in catalog.RECORDS.values()}))
MAX_STEPS, MAX_DOCS = 60, 20
_REF = re.compile(r"^[A-Za-z0-9:_\-]{1,40}$")


@dataclasses.dataclass
class DocRow:
    ref: str = ""
    use: str = "input"
    record: str = ""


@dataclasses.dataclass
class StepRow:
    uid: str = ""  # the row's key: a reload redraws the inputs with the saved values
    orig: str = ""  # the step number it had when loaded ("" for a new step)
    n: str = ""
    title_en: str = ""
    title_fr: str = ""
    kind: str = "task"
    roles: list[str] = dataclasses.field(default_factory=list)
    resp: str = ""
    after: str = ""
    due_anchor: str = ""
    due_offset: str = "0"
    documents: list[DocRow] = dataclasses.field(default_factory=list)
    error: str = ""


@dataclasses.dataclass
class VerRow:
    version: int = 0
    status: str = ""
    title: str = ""
    steps: int = 0
    change_note: str = ""
    created_by: str = ""
    published: str = ""


@dataclasses.dataclass
class DiffRow:
    step: str = ""
    field: str = ""
    before: str = ""
    after: str = ""


def step_row(st: dict, uid: str) -> StepRow:
    actors = st.get("actors") or []
    due = st.get("due") or {}
    return StepRow(
        uid=uid, orig=str(st.get("n", "")), n=str(st.get("n", "")), title_en=st.get("title_en", ""),
        title_fr=st.get("title_fr", ""), kind=st.get("kind", "task"),
        roles=[a.get("role", "") for a in actors],
        resp=next((a.get("responsibility") or "" for a in actors if a.get("responsibility")), ""),
        after="" if st.get("after") is None else ", ".join(str(n) for n in st["after"]),
        due_anchor=due.get("anchor", "") if due else "", due_offset=str(due.get("offset_days", 0)) if due else "0",
        documents=[DocRow(d.get("ref", ""), d.get("use", "input"), d.get("record", "")) for d in
                   st.get("documents") or ()])


def _count(form: dict, name: str, high: int) -> int:
    raw = form_str(form, name, max_len=4).strip()
    if not raw.isdigit() or int(raw) > high:
        raise Invalid("bad form", code="invalid")
    return int(raw)


def _int_field(form: dict, name: str, *, step: Any, low: int, high: int, default: int | None = None) -> int:
    raw = form_str(form, name, max_len=8).strip()
    if raw == "" and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid("a number is expected", code="invalid_number", step=step) from None
    if not low <= value <= high:
        raise Invalid("out of range", code="invalid_number", step=step)
    return value


def steps_from_form(form: Any, base_steps: list[dict]) -> list[dict]:
    """The edited steps, each merged into the step it was loaded from (its branches, meeting,
    condition… which the table does not edit)."""
    if not isinstance(form, dict):
        raise Invalid("bad form", code="invalid")
    base = {str(st.get("n")): st for st in base_steps}
    out = []
    for i in range(_count(form, "count", MAX_STEPS)):
        orig = form_str(form, f"orig_{i}", max_len=4).strip()
        old = base.get(orig, {}) if orig else {}
        n = _int_field(form, f"n_{i}", step=orig or i + 1, low=1, high=200)
        kind = form_str(form, f"kind_{i}", max_len=40)
        resp = form_str(form, f"resp_{i}", max_len=40) or None
        fallbacks = {a.get("role"): a.get("fallback") for a in old.get("actors") or ()}
        actors = []
        for role in ROLES:
            if form.get(f"role_{i}_{role}") in (None, "", False):
                continue
            a: dict[str, Any] = {"role": role}
            if resp and role == "career_counselor":
                a["responsibility"] = resp
            if fallbacks.get(role):
                a["fallback"] = fallbacks[role]
            actors.append(a)
        after_raw = form_str(form, f"after_{i}", max_len=200).strip()
        after = None
        if after_raw:
            after = []
            for part in after_raw.replace(";", ",").split(","):
                part = part.strip()
                if not part.isdigit() or len(part) > 3:
                    raise Invalid("step numbers expected", code="missing_dependency", step=n)
                after.append(int(part))
        anchor = form_str(form, f"due_anchor_{i}", max_len=40)
        due = None
        if anchor:
            due = {"anchor": anchor, "offset_days": _int_field(form, f"due_offset_{i}", step=n, low=-400, high=400,
                                                               default=0),
                   "text_en": (old.get("due") or {}).get("text_en", "")}
        old_docs = {d.get("ref"): d for d in old.get("documents") or ()}
        docs = []
        for j in range(_count(form, f"docs_{i}", MAX_DOCS)):
            ref = form_str(form, f"doc_{i}_{j}_ref", max_len=40).strip()
            if not ref:
                continue
            if not _REF.match(ref):
                raise Invalid("bad document reference", code="invalid_document", step=n)
            use = form_str(form, f"doc_{i}_{j}_use", max_len=20)
            record = form_str(form, f"doc_{i}_{j}_record", max_len=40)
            if use not in USES or record not in RECORD_KEYS:
                raise Invalid("bad document", code="invalid_document", step=n)
            docs.append({"ref": ref, "use": use, "record": record,
                         "name_en": (old_docs.get(ref) or {}).get("name_en") or ref})
        step = {k: v for k, v in old.items() if k not in ("n", "title_en", "title_fr", "kind", "actors", "after",
                                                           "due", "documents")}
        if kind not in ("decision", "approval", "review_in_weekly_meeting", "review_in_monthly_meeting",
                        "review_in_semester_meeting"):
            step.pop("branches", None)  # only decisions, approvals and reviews have outcomes
        step.update({"n": n, "title_en": form_str(form, f"title_en_{i}", max_len=500).strip(),
                     "title_fr": form_str(form, f"title_fr_{i}", max_len=500).strip(), "kind": kind,
                     "actors": actors, "after": after, "due": due, "documents": docs})
        out.append(step)
    return out


class RevisionsState(AppState):
    found: bool = False
    can_manage: bool = False
    shown_code: str = ""
    title: str = ""
    versions: list[VerRow] = []
    version_numbers: list[str] = []
    draft_id: int = 0
    draft_version: int = 0
    draft_status: str = ""  # "", draft or in_review
    draft_incidents: str = ""
    steps: list[StepRow] = []
    seq: int = 0
    change_note: str = ""
    diff_a: str = ""
    diff_b: str = ""
    diff_lines: list[DiffRow] = []
    diff_shown: bool = False

    def _code(self) -> str:
        m = _PATH.match(str(self.router.url.path or ""))
        return m.group(1) if m else ""

    def _load(self, actor: Actor) -> None:
        code = self._code()
        if not code:
            raise NotFound("procedure not found")
        tid = actor.tenant_id or 0
        found = rev.list_versions(actor, tid, code)
        zone = zone_of(self.tenant_slug)
        self.found, self.shown_code = True, code
        self.can_manage = actor.can(Perm.PROCEDURE_MANAGE)
        self.title = found[-1].title
        self.versions = [VerRow(v.version, v.status, v.title, v.steps, v.change_note, v.created_by_name,
                                when_text(v.published_at, zone)) for v in found]
        self.version_numbers = [str(v.version) for v in found]
        draft = next((v for v in found if v.status in ("draft", "in_review")), None)
        self.draft_id = self.draft_version = 0
        self.draft_status, self.draft_incidents, self.steps = "", "", []
        if draft is not None and self.can_manage:
            full = rev.get_draft(actor, tid, draft.id)
            self.seq += 1
            self.draft_id, self.draft_version, self.draft_status = full.id, full.version, full.status
            self.draft_incidents = ", ".join(f"#{i}" for i in full.incident_ids)
            self.steps = [step_row(st, f"{self.seq}-{i}") for i, st in enumerate(full.definition.get("steps", ()))]

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.versions, self.steps, self.diff_lines, self.diff_shown = False, [], [], [], False
        self.change_note = ""
        return self._refresh(actor)

    @rx.event
    def create_draft(self):
        """A draft of the page's procedure, in the caller's own centre."""
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            rev.do_create_draft(actor, actor.tenant_id or 0, self._code())
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.rev.draft_created")
        return None

    @rx.event
    def save_draft(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        steps: list[dict] = []
        try:
            version_id = as_id(form_str(form, "version_id", max_len=20))
            tid = actor.tenant_id or 0
            draft = rev.get_draft(actor, tid, version_id)
            steps = steps_from_form(form, draft.definition.get("steps", []))
            rev.do_update_draft(actor, tid, version_id, {**draft.definition, "steps": steps})
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            self._mark(exc, steps)
            return None
        self._ok("ui.rev.saved")
        return None

    def _mark(self, exc: ServiceError, parsed: list[dict]) -> None:
        """The error on the row of the step it names."""
        step = exc.params.get("step") if isinstance(exc.params, dict) else None
        rows = list(self.steps)
        for r in rows:
            r.error = ""
        if step is not None:
            idx = next((i for i, st in enumerate(parsed) if st.get("n") == step), None)
            if idx is None:
                idx = next((i for i, r in enumerate(rows) if r.n == str(step) or r.orig == str(step)), None)
            if idx is not None and idx < len(rows):
                rows[idx].error = error_key(exc)
        self.steps = rows

    @rx.event
    def add_step(self):
        if not self.draft_id or len(self.steps) >= MAX_STEPS:
            return
        numbers = [int(r.n) for r in self.steps if r.n.isdigit()]
        self.seq += 1
        self.steps = [*self.steps, StepRow(uid=f"{self.seq}-new", n=str(max([0, *numbers]) + 1), kind="task",
                                           roles=["manager"])]

    @rx.event
    def remove_step(self, index: int):
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self.steps):
            return
        self.seq += 1
        rows = [r for i, r in enumerate(self.steps) if i != index]
        for r in rows:
            r.uid = f"{self.seq}-{r.uid}"
        self.steps = rows

    @rx.event
    def add_document(self, index: int):
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(self.steps):
            return
        rows = list(self.steps)
        if len(rows[index].documents) >= MAX_DOCS:
            return
        rows[index].documents = [*rows[index].documents, DocRow("", "input", RECORD_KEYS[0])]
        self.steps = rows

    @rx.event
    def remove_document(self, index: int, doc: int):
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (index, doc)) \
                or not 0 <= index < len(self.steps) or not 0 <= doc < len(self.steps[index].documents):
            return
        rows = list(self.steps)
        self.seq += 1
        rows[index].documents = [d for j, d in enumerate(rows[index].documents) if j != doc]
        rows[index].uid = f"{self.seq}-{rows[index].uid}"
        self.steps = rows

    @rx.event
    def submit_draft(self, version_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            rev.do_submit_draft(actor, actor.tenant_id or 0, as_id(version_id))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.rev.submitted")
        return None

    @rx.event
    def edit_note(self, value: str):
        if isinstance(value, str):
            self.change_note = value[:2000]

    @rx.event
    def publish(self, version_id: int, note: str):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not isinstance(note, str) or len(note) > 2000:
                raise Invalid("bad note", code="invalid")
            rev.do_approve_and_publish(actor, actor.tenant_id or 0, as_id(version_id), change_note=note)
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.change_note = ""
        self._ok("ui.rev.published")
        return None

    @rx.event
    def show_diff(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            a, b = form_str(form, "a", max_len=6), form_str(form, "b", max_len=6)
            if not (a.isdigit() and b.isdigit()):
                raise Invalid("choose two versions", code="invalid")
            lines = rev.diff_versions(actor, actor.tenant_id or 0, self._code(), int(a), int(b))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        self.diff_a, self.diff_b, self.diff_shown = a, b, True
        self.diff_lines = [DiffRow("" if x.step is None else str(x.step), x.field, x.before, x.after) for x in lines]
        return None


# ---------------------------------------------------------------- components

STATUS_COLORS = {"draft": "amber", "in_review": "blue", "published": "green", "retired": "gray"}


def _status(status: rx.Var) -> rx.Component:
    return rx.badge(I18nState.tx["ui.rev.status." + status], variant="soft",
                    color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"))


def _version_row(v: VerRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell("v", v.version.to_string()),
        rx.table.cell(_status(v.status)),
        rx.table.cell(v.steps.to_string()),
        rx.table.cell(rx.cond(v.published != "", v.published, "—")),
        rx.table.cell(v.change_note),
    )


def _sel(name: rx.Var, value: rx.Var, options: list[tuple[str, rx.Var | str]], label: rx.Var,
         blank: rx.Var | None = None) -> rx.Component:
    children = ([rx.el.option(blank, value="")] if blank is not None else []) + \
        [rx.el.option(text, value=v) for v, text in options]
    return rx.el.select(*children, name=name, default_value=value, aria_label=label,
                        style={"padding": "0.25em", "borderRadius": "6px", "maxWidth": "14em"})


def _text(name: rx.Var, value: rx.Var, label: rx.Var, width: str = "12em", **kw) -> rx.Component:
    return rx.input(name=name, default_value=value, aria_label=label, width=width, size="1", **kw)


def _doc_line(d: DocRow, j: rx.Var, i: rx.Var) -> rx.Component:
    s = RevisionsState
    p = "doc_" + i.to_string() + "_" + j.to_string()
    return rx.flex(
        _text(p + "_ref", d.ref, tr("ui.rev.doc_ref"), width="6em"),
        _sel(p + "_use", d.use, [(u, tr("ui.proc.use." + u)) for u in USES], tr("ui.rev.doc_use")),
        _sel(p + "_record", d.record, [(r, r) for r in RECORD_KEYS], tr("ui.rev.doc_record")),
        rx.icon_button(rx.icon("x", size=14), type="button", size="1", variant="ghost", color_scheme="red",
                       on_click=s.remove_document(i, j), aria_label=tr("ui.rev.remove_document")),
        spacing="1", align="center", wrap="wrap",
    )


def _step_row(st: StepRow, i: rx.Var) -> rx.Component:
    s = RevisionsState
    idx = i.to_string()
    return rx.table.row(
        rx.table.cell(
            rx.el.input(type="hidden", name="orig_" + idx, value=st.orig),
            rx.el.input(type="hidden", name="docs_" + idx, value=st.documents.length().to_string()),
            _text("n_" + idx, st.n, tr("ui.rev.step_number"), width="4em", type="number"),
            rx.cond(st.error != "", rx.text(tr_var(st.error), color_scheme="red", size="1", role="alert")),
        ),
        rx.table.cell(rx.vstack(
            _text("title_fr_" + idx, st.title_fr, tr("ui.rev.title_fr"), width="16em"),
            _text("title_en_" + idx, st.title_en, tr("ui.rev.title_en"), width="16em"),
            spacing="1")),
        rx.table.cell(_sel("kind_" + idx, st.kind, [(k, tr("ui.proc.kind." + k)) for k in STEP_KINDS],
                           tr("ui.rev.kind"))),
        rx.table.cell(rx.vstack(
            rx.el.fieldset(
                rx.el.legend(tr("ui.rev.roles"), style={"fontSize": "0.8em"}),
                *[rx.el.label(
                    rx.el.input(type="checkbox", name="role_" + idx + "_" + r, value="on",
                                default_checked=st.roles.contains(r)),
                    rx.text(tr(known_key(f"ui.role.{r}") or "ui.proc.lane.system"), as_="span", size="1"),
                    style={"display": "flex", "gap": "0.3em", "alignItems": "center"}) for r in ROLES],
                style={"border": "none", "padding": 0, "margin": 0}),
            _sel("resp_" + idx, st.resp, [(r, tr(f"ui.resp.{r}")) for r in RESPONSIBILITIES], tr("ui.rev.resp"),
                 blank=tr("ui.rev.no_resp")),
            spacing="1")),
        rx.table.cell(_text("after_" + idx, st.after, tr("ui.rev.after"), width="6em", placeholder="1, 2")),
        rx.table.cell(rx.vstack(
            _sel("due_anchor_" + idx, st.due_anchor, [(a, tr("ui.rev.anchor." + a)) for a in ANCHORS],
                 tr("ui.rev.due_anchor"), blank=tr("ui.rev.no_due")),
            _text("due_offset_" + idx, st.due_offset, tr("ui.rev.due_offset"), width="6em", type="number"),
            spacing="1")),
        rx.table.cell(rx.vstack(
            rx.foreach(st.documents, lambda d, j: _doc_line(d, j, i)),
            rx.button(tr("ui.rev.add_document"), type="button", size="1", variant="ghost",
                      on_click=s.add_document(i)),
            spacing="1")),
        rx.table.cell(rx.button(tr("ui.rev.remove_step"), type="button", size="1", variant="soft",
                                color_scheme="red", on_click=s.remove_step(i),
                                aria_label=tr("ui.rev.remove_step") + " " + st.n)),
        key=st.uid,
    )


def _editor() -> rx.Component:
    s = RevisionsState
    header = ["ui.rev.step_number", "ui.rev.title", "ui.rev.kind", "ui.rev.roles", "ui.rev.after", "ui.proc.due",
              "ui.rev.documents", "ui.team.actions"]
    return rx.vstack(
        rx.heading(tr("ui.rev.draft"), " v", s.draft_version.to_string(), size="4", as_="h3"),
        rx.cond(s.draft_incidents != "", rx.text(tr("ui.rev.answers_incidents"), " ", s.draft_incidents, size="2")),
        rx.form(
            rx.el.input(type="hidden", name="version_id", value=s.draft_id.to_string()),
            rx.el.input(type="hidden", name="count", value=s.steps.length().to_string()),
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in header])),
                rx.table.body(rx.foreach(s.steps, _step_row)),
                width="100%", variant="surface", size="1"), overflow_x="auto", width="100%"),
            rx.flex(
                rx.button(tr("ui.rev.add_step"), type="button", variant="soft", on_click=s.add_step),
                rx.button(tr("ui.rev.save"), type="submit"),
                spacing="3", margin_top="0.5em"),
            on_submit=s.save_draft, reset_on_submit=False, width="100%",
        ),
        rx.button(tr("ui.rev.submit"), variant="outline", on_click=s.submit_draft(s.draft_id),
                  width="fit-content"),
        spacing="3", width="100%",
    )


def _review() -> rx.Component:
    s = RevisionsState
    return rx.vstack(
        rx.heading(tr("ui.rev.in_review"), " v", s.draft_version.to_string(), size="4", as_="h3"),
        rx.text(tr("ui.rev.review_text"), size="2"),
        rx.el.label(
            rx.text(tr("ui.rev.change_note"), size="2", weight="medium", as_="span"),
            rx.text_area(value=s.change_note, on_change=s.edit_note, rows="3", width="100%"),
            style={"display": "flex", "flexDirection": "column", "gap": "0.3em", "width": "100%"}),
        confirm_dialog("ui.rev.publish", "ui.rev.publish_title", "ui.rev.publish_text",
                       s.publish(s.draft_id, s.change_note), subject=s.shown_code, danger=False),
        spacing="2", width="100%",
    )


def _diff_row(d: DiffRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.cond(d.step != "", d.step, "—")),
        rx.table.cell(I18nState.tx["ui.rev.field." + d.field]),
        rx.table.cell(rx.text(d.before, size="1", style={"whiteSpace": "pre-wrap"})),
        rx.table.cell(rx.text(d.after, size="1", style={"whiteSpace": "pre-wrap"})),
    )


def _diff() -> rx.Component:
    s = RevisionsState
    opts = rx.foreach(s.version_numbers, lambda v: rx.el.option("v" + v, value=v))
    style = {"padding": "0.25em", "borderRadius": "6px"}
    return rx.vstack(
        rx.heading(tr("ui.rev.diff"), size="4", as_="h3"),
        rx.form(rx.flex(
            rx.el.label(tr("ui.rev.from"), " ", rx.el.select(opts, name="a", style=style)),
            rx.el.label(tr("ui.rev.to"), " ", rx.el.select(opts, name="b", style=style)),
            rx.button(tr("ui.rev.compare"), type="submit", variant="soft"),
            spacing="3", align="center", wrap="wrap"), on_submit=s.show_diff, reset_on_submit=False),
        rx.cond(s.diff_shown, rx.cond(
            s.diff_lines.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                    "ui.proc.step", "ui.rev.field", "ui.rev.before", "ui.rev.after_change")])),
                rx.table.body(rx.foreach(s.diff_lines, _diff_row)),
                width="100%", variant="surface", size="1"), overflow_x="auto", width="100%"),
            empty("ui.rev.no_difference"))),
        spacing="2", width="100%",
    )


def revisions_page() -> rx.Component:
    s = RevisionsState
    return area_page(
        "staff", "ui.rev.title_page", messages(),
        rx.flex(rx.link(tr("ui.proc.back"), href="/staff/procedures/" + s.shown_code),
                rx.link(tr("ui.rev.incidents"), href="/staff/procedures/incidents"), spacing="4"),
        rx.cond(s.found, rx.vstack(
            rx.heading(s.shown_code, " — ", s.title, size="5", as_="h2"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(k)) for k in (
                    "ui.proc.version", "ui.rev.status", "ui.rev.steps", "ui.rev.published_at",
                    "ui.rev.change_note")])),
                rx.table.body(rx.foreach(s.versions, _version_row)),
                width="100%", variant="surface"),
            rx.cond(s.can_manage, rx.match(
                s.draft_status,
                ("draft", _editor()),
                ("in_review", _review()),
                rx.button(tr("ui.rev.create_draft"), on_click=s.create_draft, width="fit-content"))),
            _diff(),
            spacing="4", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(revisions_page, route="/staff/procedures/[proc_code]/revisions", on_load=RevisionsState.on_load,
                 title="CC Network")
