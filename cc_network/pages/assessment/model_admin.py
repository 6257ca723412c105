"""/admin/model: the network's reference standard model (issue 8 §1, P28), for network admins.

The versions with their status; one version opened as a tree (domains -> criteria ->
indicators) in the reader's language; a draft edited in dialogs; a new version copied from any
version; publishing and retiring behind a confirmation. Every rule is in
workflows.assessment.reference: the handlers only check the payload's shape and call it.
"""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.calendar.common import input_field, select_field, text_area
from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import checkbox, confirm_dialog, empty, messages
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from integrations.i18n import LANGS
from tenants.core.actor import Actor
from workflows.assessment import reference as ref

ROUTE = "/admin/model"
KINDS = ("domain", "criterion", "indicator")
DIALOGS = ("model", "domain", "criterion", "indicator")
_PROC_SPLIT = re.compile(r"[\s,;]+")


@dataclasses.dataclass
class VersionRow:
    id: int = 0
    version: int = 0
    title: str = ""
    status: str = ""
    current: bool = False
    based_on: str = ""
    published_at: str = ""
    criteria: int = 0
    musts: int = 0
    live: int = 0


@dataclasses.dataclass
class TreeRow:
    """One line of the tree (a flat list: nested loops over nested lists cost the page more)."""

    kind: str = ""
    id: int = 0
    parent_id: int = 0
    code: str = ""
    # every language filled (French when a language has no text), so the page picks by language
    title: dict[str, str] = dataclasses.field(default_factory=dict)
    evidence: dict[str, str] = dataclasses.field(default_factory=dict)
    family: str = ""
    tier: str = ""
    weight: str = ""
    justification: str = ""
    procedures: str = ""
    live_key: str = ""
    unit: str = ""
    target: str = ""
    higher_is_better: bool = True
    first: bool = False
    last: bool = False


def _all_langs(texts: dict) -> dict[str, str]:
    return {lang: ref.text_in(texts, lang) for lang in LANGS}


def _num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else str(v)


def _rows(tree: ref.ModelTree) -> list[TreeRow]:
    out: list[TreeRow] = []
    nd = len(tree.domains)
    for di, d in enumerate(tree.domains):
        out.append(TreeRow("domain", d.id, 0, d.code, _all_langs(d.title), {}, d.family,
                           first=di == 0, last=di == nd - 1))
        nc = len(d.criteria)
        for ci, c in enumerate(d.criteria):
            out.append(TreeRow("criterion", c.id, d.id, c.code, _all_langs(c.title),
                               _all_langs(c.evidence) if c.evidence else {lang: "" for lang in LANGS}, "",
                               c.tier, _num(c.weight), c.justification, ", ".join(c.procedures),
                               first=ci == 0, last=ci == nc - 1))
            ni = len(c.indicators)
            for ii, i in enumerate(c.indicators):
                out.append(TreeRow("indicator", i.id, c.id, i.code, _all_langs(i.title), {}, "", "", "", "", "",
                                   i.live_key, i.unit, _num(i.target), i.higher_is_better,
                                   first=ii == 0, last=ii == ni - 1))
    return out


def _texts(form: dict, prefix: str, max_len: int) -> dict[str, str]:
    return {lang: form_str(form, f"{prefix}_{lang}", max_len=max_len) for lang in LANGS}


class ModelAdminState(AppState):
    versions: list[VersionRow] = []
    open_id: int = 0
    open_version: int = 0
    open_title: str = ""
    open_notes: str = ""
    open_status: str = ""
    open_current: bool = False
    rows: list[TreeRow] = []
    # the dialog open ("" none) and what it edits: 0 = a new item under parent_id
    dialog: str = ""
    editing_id: int = 0
    parent_id: int = 0
    edit: TreeRow = TreeRow()
    form_key: int = 0

    def _load(self, actor: Actor) -> None:
        versions = ref.list_models(actor)
        self.versions = [VersionRow(m.id, m.version, m.title, m.status, m.current,
                                    str(m.based_on_version or ""),
                                    m.published_at.date().isoformat() if m.published_at else "",
                                    m.criteria, m.musts, m.live_indicators) for m in versions]
        if self.open_id and not any(v.id == self.open_id for v in versions):
            self.open_id = 0
        if not self.open_id and versions:
            # the draft being worked on, else the version in force
            pick = next((m for m in versions if m.status == "draft"), None) or next(
                (m for m in versions if m.current), versions[0])
            self.open_id = pick.id
        self.rows = []
        if self.open_id:
            tree = ref.get_model(actor, self.open_id)
            m = tree.model
            self.open_version, self.open_title, self.open_notes = m.version, m.title, m.notes
            self.open_status, self.open_current = m.status, m.current
            self.rows = _rows(tree)

    def _act(self, fn, notice: str, *, close: bool = False):  # noqa: ANN001, ANN202
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            fn(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        if close:
            self.dialog, self.editing_id, self.parent_id = "", 0, 0
        self._ok(notice)
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("admin")
        if actor is None:
            return redirect
        self.dialog, self.editing_id, self.parent_id = "", 0, 0
        try:
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def open_model(self, model_id: str):
        try:
            mid = as_id(model_id)
        except Invalid as exc:
            self._fail(exc)
            return None
        self.open_id = mid
        self.error = self.notice = ""
        return self._refresh()

    @rx.event
    def make_version(self, model_id: str):
        try:
            mid = as_id(model_id)
        except Invalid as exc:
            self._fail(exc)
            return None

        def run(actor: Actor) -> None:
            self.open_id = ref.do_new_version(actor, mid).id

        return self._act(run, "ui.refmodel.version_made")

    @rx.event
    def publish(self):
        mid = self.open_id
        return self._act(lambda actor: ref.do_publish(actor, mid), "ui.refmodel.published")

    @rx.event
    def publish_and_retire(self):
        mid = self.open_id
        return self._act(lambda actor: ref.do_publish(actor, mid, retire_older=True), "ui.refmodel.published")

    @rx.event
    def retire(self):
        mid = self.open_id
        return self._act(lambda actor: ref.do_retire(actor, mid), "ui.refmodel.retired")

    @rx.event
    def discard(self):
        mid = self.open_id

        def run(actor: Actor) -> None:
            ref.do_delete_draft(actor, mid)
            self.open_id = 0

        return self._act(run, "ui.refmodel.discarded")

    # ---------------------------------------------------------------- dialogs

    def _start(self, dialog: str, editing: int, parent: int, row: TreeRow) -> None:
        row = dataclasses.replace(row, title={lang: row.title.get(lang, "") for lang in LANGS},
                                  evidence={lang: row.evidence.get(lang, "") for lang in LANGS})
        self.dialog, self.editing_id, self.parent_id, self.edit = dialog, editing, parent, row
        self.error = self.notice = ""
        self.form_key += 1

    def _row(self, kind: str, item_id: object) -> TreeRow | None:
        try:
            iid = as_id(item_id)
        except Invalid as exc:
            self._fail(exc)
            return None
        row = next((r for r in self.rows if r.kind == kind and r.id == iid), None)
        if row is None:
            self._fail(Invalid("unknown", code=f"ref_{kind}_not_found"))
        return row

    @rx.event
    def edit_model(self):
        self._start("model", self.open_id, 0, TreeRow(title={"fr": self.open_title},
                                                      evidence={"fr": self.open_notes}))

    @rx.event
    def add_domain(self):
        self._start("domain", 0, 0, TreeRow(kind="domain"))

    @rx.event
    def add_child(self, kind: str, parent_id: str):
        """A new criterion under a domain, or a new indicator under a criterion."""
        parent_kind = {"criterion": "domain", "indicator": "criterion"}.get(kind if isinstance(kind, str) else "")
        if parent_kind is None:
            self._fail(Invalid("bad kind", code="invalid"))
            return
        parent = self._row(parent_kind, parent_id)
        if parent is not None:
            defaults = TreeRow(kind=kind, tier="should", weight="1", justification="below_met", unit="number")
            self._start(kind, 0, parent.id, defaults)

    @rx.event
    def edit_item(self, kind: str, item_id: str):
        if kind not in KINDS:
            self._fail(Invalid("bad kind", code="invalid"))
            return
        row = self._row(kind, item_id)
        if row is not None:
            self._start(kind, row.id, row.parent_id, row)

    @rx.event
    def close_dialog(self, open_: bool):
        if not open_:
            self.dialog, self.editing_id, self.parent_id = "", 0, 0

    def _save(self, kind: str, data: dict):
        mid, item, parent = self.open_id, self.editing_id, self.parent_id
        add = {"domain": lambda a: ref.do_add_domain(a, mid, data),
               "criterion": lambda a: ref.do_add_criterion(a, mid, parent, data),
               "indicator": lambda a: ref.do_add_indicator(a, mid, parent, data)}
        update = {"domain": lambda a: ref.do_update_domain(a, mid, item, data),
                  "criterion": lambda a: ref.do_update_criterion(a, mid, item, data),
                  "indicator": lambda a: ref.do_update_indicator(a, mid, item, data)}
        return self._act(update[kind] if item else add[kind], "ui.refmodel.saved", close=True)

    @rx.event
    def save_model(self, form: dict):
        try:
            data = {"title": form_str(form, "title", max_len=200), "notes": form_str(form, "notes", max_len=4000)}
        except Invalid as exc:
            self._fail(exc)
            return None
        mid = self.open_id
        return self._act(lambda a: ref.do_update_model(a, mid, data), "ui.refmodel.saved", close=True)

    @rx.event
    def save_domain(self, form: dict):
        if self.dialog != "domain":
            return None
        try:
            data = {"title": _texts(form, "title", 400), "family": form_str(form, "family", max_len=40)}
            code = form_str(form, "code", max_len=40)
        except Invalid as exc:
            self._fail(exc)
            return None
        if code or not self.editing_id:
            data["code"] = code
        return self._save("domain", data)

    @rx.event
    def save_criterion(self, form: dict):
        if self.dialog != "criterion":
            return None
        try:
            procs = [p for p in _PROC_SPLIT.split(form_str(form, "procedures", max_len=400)) if p]
            data = {"title": _texts(form, "title", 400), "evidence": _texts(form, "evidence", 2500),
                    "tier": form_str(form, "tier", max_len=10), "weight": form_str(form, "weight", max_len=10),
                    "justification": form_str(form, "justification", max_len=12), "procedures": procs}
            code = form_str(form, "code", max_len=40)
        except Invalid as exc:
            self._fail(exc)
            return None
        if code:
            data["code"] = code
        return self._save("criterion", data)

    @rx.event
    def save_indicator(self, form: dict):
        if self.dialog != "indicator":
            return None
        try:
            data = {"title": _texts(form, "title", 400), "live_key": form_str(form, "live_key", max_len=60),
                    "unit": form_str(form, "unit", max_len=20), "target": form_str(form, "target", max_len=20),
                    "higher_is_better": form.get("higher_is_better") not in (None, "", False)}
            code = form_str(form, "code", max_len=40)
        except Invalid as exc:
            self._fail(exc)
            return None
        if code:
            data["code"] = code
        if data["live_key"]:
            data.pop("unit")  # a live figure comes in the unit the product computes it in
        return self._save("indicator", data)

    # ---------------------------------------------------------------- order and removal

    @rx.event
    def move_item(self, kind: str, item_id: str, delta: int):
        if kind not in KINDS or isinstance(delta, bool) or delta not in (-1, 1):
            self._fail(Invalid("bad move", code="invalid"))
            return None
        row = self._row(kind, item_id)
        if row is None:
            return None
        siblings = [r for r in self.rows if r.kind == kind and r.parent_id == row.parent_id]
        position = max(siblings.index(row) + delta, 0)
        mid = self.open_id
        fn = {"domain": ref.do_update_domain, "criterion": ref.do_update_criterion,
              "indicator": ref.do_update_indicator}[kind]
        return self._act(lambda a: fn(a, mid, row.id, {"position": position}), "ui.refmodel.moved")

    @rx.event
    def delete_item(self, kind: str, item_id: str):
        if kind not in KINDS:
            self._fail(Invalid("bad kind", code="invalid"))
            return None
        row = self._row(kind, item_id)
        if row is None:
            return None
        mid = self.open_id
        fn = {"domain": ref.do_delete_domain, "criterion": ref.do_delete_criterion,
              "indicator": ref.do_delete_indicator}[kind]
        return self._act(lambda a: fn(a, mid, row.id), "ui.refmodel.deleted")


# ---------------------------------------------------------------- the page

S = ModelAdminState
EDITABLE = S.open_status == "draft"


def _lang(texts) -> rx.Var:  # noqa: ANN001
    return texts[I18nState.lang].to(str)


def _status_badge(status, current) -> rx.Component:  # noqa: ANN001
    return rx.hstack(
        rx.badge(I18nState.tx["ui.refmodel.status." + status],
                 color_scheme=rx.match(status, ("draft", "amber"), ("published", "green"), "gray")),
        rx.cond(current, rx.badge(tr("ui.refmodel.current"), color_scheme="blue")),
        spacing="1",
    )


def _version_row(v: VersionRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(v.version.to_string()),
        rx.table.cell(v.title),
        rx.table.cell(_status_badge(v.status, v.current)),
        rx.table.cell(v.based_on),
        rx.table.cell(v.published_at),
        rx.table.cell(v.criteria.to_string(), " (", v.musts.to_string(), " ", tr("ui.refmodel.musts"), ")"),
        rx.table.cell(rx.hstack(
            rx.button(tr("ui.refmodel.open"), size="1", variant="soft", on_click=S.open_model(v.id.to_string()),
                      aria_label=tr("ui.refmodel.open") + " v" + v.version.to_string()),
            rx.button(tr("ui.refmodel.new_version"), size="1", variant="soft", color_scheme="gray",
                      on_click=S.make_version(v.id.to_string()),
                      aria_label=tr("ui.refmodel.new_version") + " v" + v.version.to_string()),
            spacing="2")),
    )


def _versions() -> rx.Component:
    return rx.cond(
        S.versions.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(f"ui.refmodel.col.{c}")) for c in (
                "version", "title", "status", "based_on", "published", "criteria", "actions")])),
            rx.table.body(rx.foreach(S.versions, _version_row)),
            width="100%", variant="surface", aria_label=tr("ui.refmodel.versions"),
        ),
        empty("ui.refmodel.none"),
    )


def _tools(r: TreeRow, child_kind: str | None) -> rx.Component:
    name = r.code
    return rx.cond(EDITABLE, rx.hstack(
        rx.button(tr("ui.refmodel.edit"), size="1", variant="soft", on_click=S.edit_item(r.kind, r.id.to_string()),
                  aria_label=tr("ui.refmodel.edit") + " " + name),
        rx.button("↑", size="1", variant="ghost", disabled=r.first,
                  on_click=S.move_item(r.kind, r.id.to_string(), -1), aria_label=tr("ui.refmodel.up") + " " + name),
        rx.button("↓", size="1", variant="ghost", disabled=r.last,
                  on_click=S.move_item(r.kind, r.id.to_string(), 1), aria_label=tr("ui.refmodel.down") + " " + name),
        *([rx.button(tr(f"ui.refmodel.add_{child_kind}"), size="1", variant="soft", color_scheme="gray",
                     on_click=S.add_child(child_kind, r.id.to_string()),
                     aria_label=tr(f"ui.refmodel.add_{child_kind}") + " " + name)] if child_kind else []),
        confirm_dialog("ui.refmodel.delete", "ui.refmodel.delete_title", f"ui.refmodel.delete_{_kind_of(child_kind)}",
                       S.delete_item(r.kind, r.id.to_string()), subject=name),
        spacing="1", wrap="wrap",
    ))


def _kind_of(child_kind: str | None) -> str:
    """The kind of a row from the kind of its children (an indicator has none)."""
    return {"criterion": "domain", "indicator": "criterion", None: "indicator"}[child_kind]


def _domain_line(r: TreeRow) -> rx.Component:
    return rx.flex(
        rx.heading(r.code, " — ", _lang(r.title), size="4", as_="h3"),
        rx.cond(r.family != "", rx.badge(I18nState.tx["ui.refmodel.family." + r.family], variant="outline")),
        rx.spacer(), _tools(r, "criterion"),
        align="center", spacing="3", wrap="wrap", width="100%", padding_top="0.8em",
        border_top=f"1px solid {rx.color('gray', 5)}",
    )


def _criterion_line(r: TreeRow) -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.text(rx.text.strong(r.code), " ", _lang(r.title)),
            rx.badge(I18nState.tx["ui.refmodel.tier." + r.tier],
                     color_scheme=rx.cond(r.tier == "must", "red", "gray")),
            rx.text(tr("ui.refmodel.weight"), " ", r.weight, size="1", color_scheme="gray"),
            rx.spacer(), _tools(r, "indicator"),
            align="center", spacing="2", wrap="wrap", width="100%",
        ),
        rx.cond(_lang(r.evidence) != "", rx.text(tr("ui.refmodel.evidence"), ": ", _lang(r.evidence), size="2",
                                                 color_scheme="gray")),
        rx.text(tr("ui.refmodel.justification"), ": ", I18nState.tx["ui.refmodel.justification." + r.justification],
                rx.cond(r.procedures != "", rx.fragment(" · ", tr("ui.refmodel.procedures"), ": ", r.procedures)),
                size="1", color_scheme="gray"),
        spacing="1", width="100%", padding_inline_start="1.5em",
    )


def _indicator_line(r: TreeRow) -> rx.Component:
    return rx.flex(
        rx.text(r.code, size="2", color_scheme="gray"),
        rx.text(_lang(r.title), size="2"),
        rx.cond(r.live_key != "", rx.badge(tr("ui.refmodel.live"), color_scheme="green"),
                rx.badge(tr("ui.refmodel.manual"), variant="outline")),
        rx.text(tr("ui.refmodel.target"), " ", rx.cond(r.target != "", r.target, "—"), " ",
                I18nState.tx["ui.refmodel.unit." + r.unit],
                rx.cond(r.higher_is_better, "", rx.fragment(" (", tr("ui.refmodel.lower_better"), ")")),
                size="1", color_scheme="gray"),
        rx.spacer(), _tools(r, None),
        align="center", spacing="2", wrap="wrap", width="100%", padding_inline_start="3em",
    )


def _tree_row(r: TreeRow) -> rx.Component:
    return rx.match(r.kind, ("domain", _domain_line(r)), ("criterion", _criterion_line(r)), _indicator_line(r))


def _open_version() -> rx.Component:
    return rx.cond(S.open_id > 0, rx.card(rx.vstack(
        rx.flex(
            rx.heading(tr("ui.refmodel.version"), " ", S.open_version.to_string(), " — ", S.open_title, size="5",
                       as_="h2"),
            _status_badge(S.open_status, S.open_current),
            rx.spacer(),
            rx.cond(EDITABLE, rx.hstack(
                rx.button(tr("ui.refmodel.edit_title"), size="1", variant="soft", on_click=S.edit_model),
                rx.button(tr("ui.refmodel.add_domain"), size="1", variant="soft", on_click=S.add_domain),
                confirm_dialog("ui.refmodel.publish", "ui.refmodel.publish_title", "ui.refmodel.publish_text",
                               S.publish, subject=S.open_title, danger=False),
                confirm_dialog("ui.refmodel.publish_retire", "ui.refmodel.publish_title",
                               "ui.refmodel.publish_retire_text", S.publish_and_retire, subject=S.open_title,
                               danger=False),
                confirm_dialog("ui.refmodel.discard", "ui.refmodel.discard_title", "ui.refmodel.discard_text",
                               S.discard, subject=S.open_title),
                spacing="2", wrap="wrap",
            )),
            rx.cond((S.open_status == "published") & ~S.open_current,
                    confirm_dialog("ui.refmodel.retire", "ui.refmodel.retire_title", "ui.refmodel.retire_text",
                                   S.retire, subject=S.open_title)),
            align="center", spacing="3", wrap="wrap", width="100%",
        ),
        rx.cond(S.open_notes != "", rx.text(S.open_notes, size="2", color_scheme="gray",
                                            style={"whiteSpace": "pre-wrap"})),
        rx.cond(~EDITABLE, rx.text(tr("ui.refmodel.frozen"), size="2", color_scheme="gray")),
        rx.cond(S.rows.length() > 0, rx.vstack(rx.foreach(S.rows, _tree_row), spacing="2", width="100%"),
                empty("ui.refmodel.empty_tree")),
        spacing="3", width="100%",
    ), width="100%"))


def _title_fields(form: str) -> list[rx.Component]:
    return [input_field(tr(f"ui.refmodel.title_{lang}"), f"title_{lang}", default=S.edit.title[lang].to(str),
                        required=lang == "fr", form=form, dir="rtl" if lang == "ar" else "ltr") for lang in LANGS]


def _buttons() -> rx.Component:
    return rx.hstack(
        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray", on_click=S.close_dialog(False)),
        rx.button(tr("ui.save"), type="submit"),
        justify="end", width="100%",
    )


def _dialog(kind: str, title_key: str, on_submit, *fields: rx.Component) -> rx.Component:  # noqa: ANN001
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr(title_key)),
            rx.form(rx.vstack(rx.cond(S.error != "", rx.callout(I18nState.tx[S.error].to(str), color_scheme="red",
                                                                width="100%")),
                              *fields, _buttons(), spacing="3", width="100%"),
                    on_submit=on_submit, reset_on_submit=False, width="100%",
                    key=S.form_key.to_string() + "-" + kind),
            max_width="40em",
        ),
        open=S.dialog == kind,
        on_open_change=S.close_dialog,
    )


def _options(prefix: str, values: tuple[str, ...]) -> list[tuple[str, rx.Var]]:
    return [(v, tr(f"{prefix}{v}")) for v in values]


def _dialogs() -> rx.Component:
    return rx.fragment(
        _dialog("model", "ui.refmodel.edit_title", S.save_model,
                input_field(tr("ui.refmodel.col.title"), "title", default=S.edit.title["fr"].to(str), required=True,
                            form="mdl"),
                text_area(tr("ui.refmodel.notes"), "notes", default=S.edit.evidence["fr"].to(str), form="mdl")),
        _dialog("domain", "ui.refmodel.domain_dialog", S.save_domain,
                input_field(tr("ui.refmodel.code"), "code", default=S.edit.code, required=True, form="dom"),
                *_title_fields("dom"),
                select_field(tr("ui.refmodel.family"), "family",
                             _options("ui.refmodel.family.", ref.FAMILIES + ref.DIMENSIONS),
                             default=S.edit.family, blank=tr("ui.refmodel.family_none"), form="dom")),
        _dialog("criterion", "ui.refmodel.criterion_dialog", S.save_criterion,
                input_field(tr("ui.refmodel.code"), "code", default=S.edit.code, form="crit",
                            placeholder=tr("ui.refmodel.code_auto")),
                *_title_fields("crit"),
                *[text_area(tr(f"ui.refmodel.evidence_{lang}"), f"evidence_{lang}",
                            default=S.edit.evidence[lang].to(str), form="crit") for lang in LANGS],
                rx.flex(
                    select_field(tr("ui.refmodel.tier"), "tier", _options("ui.refmodel.tier.", ("must", "should")),
                                 default=S.edit.tier, form="crit"),
                    select_field(tr("ui.refmodel.justification"), "justification",
                                 _options("ui.refmodel.justification.", ref.JUSTIFICATION_RULES),
                                 default=S.edit.justification, form="crit"),
                    input_field(tr("ui.refmodel.weight"), "weight", type="number", default=S.edit.weight,
                                required=True, form="crit", min="0.1", max="10", step="0.1"),
                    spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
                ),
                input_field(tr("ui.refmodel.procedures"), "procedures", default=S.edit.procedures, form="crit",
                            placeholder="P01, P02")),
        _dialog("indicator", "ui.refmodel.indicator_dialog", S.save_indicator,
                input_field(tr("ui.refmodel.code"), "code", default=S.edit.code, form="ind",
                            placeholder=tr("ui.refmodel.code_auto")),
                *_title_fields("ind"),
                select_field(tr("ui.refmodel.live_key"), "live_key", _options("ui.refmodel.live.", ref.LIVE_KEYS),
                             default=S.edit.live_key, blank=tr("ui.refmodel.manual"), form="ind"),
                rx.flex(
                    select_field(tr("ui.refmodel.unit"), "unit", _options("ui.refmodel.unit.", ref.UNITS),
                                 default=S.edit.unit, form="ind"),
                    input_field(tr("ui.refmodel.target"), "target", type="number", default=S.edit.target, form="ind",
                                min="0", step="any"),
                    spacing="3", width="100%", direction={"initial": "column", "sm": "row"},
                ),
                rx.text(tr("ui.refmodel.unit_hint"), size="1", color_scheme="gray"),
                checkbox(tr("ui.refmodel.higher_better"), "higher_is_better", checked=S.edit.higher_is_better)),
    )


def model_admin_page() -> rx.Component:
    return area_page(
        "admin", "ui.refmodel.title",
        messages(),
        rx.text(tr("ui.refmodel.intro"), size="2"),
        _versions(),
        _open_version(),
        _dialogs(),
    )


def register(app: rx.App) -> None:
    app.add_page(model_admin_page, route=ROUTE, on_load=ModelAdminState.on_load, title="CC Network")
