"""/staff/procedures/[code]: one procedure drawn as a flowchart with swimlanes: a row per
role, a column per step in reading order, each step a card in its lane's row (number, title,
kind, meeting, when it is due, documents, which steps it waits for and where each outcome
leads). The drawing is a table with row and column headers, so it reads without the eyes."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from cc_network.pages.procedures import known_key, lane_label_keys
from cc_network.pages.procedures.catalogue import title_in_lang
from cc_network.ui.components import messages
from cc_network.ui.i18n import I18nState, tr, tr_var
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import NotFound
from tenants.core.actor import Actor
from workflows.procedures import services as proc

_PATH = re.compile(r"^/staff/procedures/(P\d{2})/?$")


@dataclasses.dataclass
class BranchLine:
    label: str = ""
    goto: str = ""  # the step it leads to ("" for the next one)
    ends: bool = False


@dataclasses.dataclass
class DocLine:
    ref: str = ""
    use: str = ""
    name: str = ""


@dataclasses.dataclass
class Cell:
    has: bool = False
    n: int = 0
    title: str = ""
    kind: str = ""
    meeting: str = ""
    meeting_key: str = ""
    due_text: str = ""
    after: str = ""
    branches: list[BranchLine] = dataclasses.field(default_factory=list)
    documents: list[DocLine] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Lane:
    key: str = ""
    role_key: str = ""
    resp_key: str = ""
    cells: list[Cell] = dataclasses.field(default_factory=list)


class FlowchartState(AppState):
    found: bool = False
    shown_code: str = ""
    version: int = 0
    versions: list[str] = []
    title_en: str = ""
    title_fr: str = ""
    family: str = ""
    purpose: str = ""
    trigger: str = ""
    trigger_text: str = ""
    columns: list[int] = []  # the step numbers, in reading order
    lanes: list[Lane] = []

    def _code(self) -> str:
        m = _PATH.match(str(self.router.url.path or ""))
        return m.group(1) if m else ""

    def _load(self, actor: Actor) -> None:
        code = self._code()
        if not code:
            raise NotFound("procedure not found", code="not_found")
        d = proc.get_procedure(actor, actor.tenant_id or 0, code, self.version or None)
        self.found = True
        self.shown_code, self.version, self.versions = d.code, d.version, [str(v) for v in d.versions]
        self.title_en, self.title_fr, self.family, self.purpose = d.title_en, d.title_fr, d.family, d.purpose_en
        self.trigger, self.trigger_text = d.trigger, d.trigger_text
        steps = sorted(d.steps, key=lambda st: st.column)
        self.columns = [st.n for st in steps]
        lanes = []
        for lane in d.lanes:
            role_key, resp_key = lane_label_keys(lane)
            cells = [self._cell(st) if st.lane == lane else Cell() for st in steps]
            lanes.append(Lane(lane, role_key, resp_key, cells))
        self.lanes = lanes

    @staticmethod
    def _cell(st) -> Cell:  # noqa: ANN001
        meeting = st.meeting or ""
        return Cell(True, st.n, st.title, st.kind, meeting,
                    known_key(f"ui.calendar.type.{meeting}") if meeting else "", st.due_text,
                    ", ".join(str(a) for a in st.after),
                    [BranchLine(label, "" if goto is None else str(goto), ends) for _key, label, goto, ends in st.branches],
                    [DocLine(ref, use, name) for ref, use, name in st.documents])

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.found, self.version, self.lanes, self.columns, self.versions = False, 0, [], [], []
        return self._refresh(actor)

    @rx.event
    def choose_version(self, version: str):
        """Another version of the same procedure, among those the page listed."""
        if not isinstance(version, str) or version not in self.versions:
            return None
        self.version = int(version)
        return self._refresh()


# ---------------------------------------------------------------- the drawing

def lane_label(role_key: rx.Var, resp_key: rx.Var, raw: rx.Var) -> rx.Component:
    return rx.fragment(
        rx.cond(role_key != "", tr_var(role_key), raw),
        rx.cond(resp_key != "", rx.fragment(" — ", tr_var(resp_key))),
    )


def _branch(b: BranchLine) -> rx.Component:
    return rx.el.li(
        b.label, " → ",
        rx.cond(b.ends, rx.text.strong(tr("ui.proc.ends")),
                rx.cond(b.goto != "", rx.fragment(tr("ui.proc.step"), " ", b.goto), tr("ui.proc.next_step"))),
    )


def _doc(d: DocLine) -> rx.Component:
    return rx.el.li(rx.code(d.ref), " ", d.name, " (", I18nState.tx["ui.proc.use." + d.use], ")")


def _card(c: Cell) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(rx.badge(c.n.to_string(), variant="solid", aria_label=tr("ui.proc.step") + " " + c.n.to_string()),
                    rx.badge(I18nState.tx["ui.proc.kind." + c.kind], variant="soft", color_scheme="indigo"),
                    spacing="2", wrap="wrap"),
            rx.text(c.title, size="2", weight="medium"),
            rx.cond(c.meeting != "", rx.text(tr("ui.proc.meeting"), ": ",
                                             rx.cond(c.meeting_key != "", tr_var(c.meeting_key), c.meeting),
                                             size="1")),
            rx.cond(c.due_text != "", rx.text(tr("ui.proc.due"), ": ", c.due_text, size="1")),
            rx.cond(c.after != "", rx.text(tr("ui.proc.after"), " ", c.after, size="1", color_scheme="gray")),
            rx.cond(c.branches.length() > 0, rx.el.ul(rx.foreach(c.branches, _branch),
                                                      style={"fontSize": "0.8em", "paddingInlineStart": "1em"})),
            rx.cond(c.documents.length() > 0, rx.el.ul(rx.foreach(c.documents, _doc),
                                                       style={"fontSize": "0.8em", "paddingInlineStart": "1em"})),
            spacing="1", align="start",
        ),
        width="14em", size="1",
    )


_CELL = {"padding": "0.4em", "verticalAlign": "top", "borderInlineStart": "1px dashed var(--gray-6)"}


def _lane_row(lane: Lane) -> rx.Component:
    return rx.el.tr(
        rx.el.th(lane_label(lane.role_key, lane.resp_key, lane.key), scope="row",
                 style={"position": "sticky", "insetInlineStart": 0, "background": "var(--gray-3)",
                        "padding": "0.5em", "textAlign": "start", "minWidth": "9em", "zIndex": 1}),
        rx.foreach(lane.cells, lambda c: rx.el.td(rx.cond(c.has, _card(c)), style=_CELL)),
        style={"borderTop": "1px solid var(--gray-6)"},
    )


def swimlanes() -> rx.Component:
    s = FlowchartState
    return rx.box(
        rx.el.table(
            rx.el.caption(tr("ui.proc.flowchart_caption"), style={"textAlign": "start", "padding": "0.4em"}),
            rx.el.thead(rx.el.tr(
                rx.el.th(tr("ui.proc.lane"), scope="col", style={"padding": "0.5em", "textAlign": "start"}),
                rx.foreach(s.columns, lambda n: rx.el.th(tr("ui.proc.step"), " ", n.to_string(), scope="col",
                                                         style={"padding": "0.5em", "textAlign": "start"})),
            )),
            rx.el.tbody(rx.foreach(s.lanes, _lane_row)),
            style={"borderCollapse": "collapse", "minWidth": "100%"},
        ),
        overflow_x="auto", width="100%", tab_index=0, role="region", aria_label=tr("ui.proc.flowchart"),
        border=f"1px solid {rx.color('gray', 6)}", border_radius="8px", background_color=rx.color("gray", 1),
    )


def flowchart_page() -> rx.Component:
    s = FlowchartState
    return area_page(
        "staff", "ui.proc.flowchart", messages(),
        rx.flex(rx.link(tr("ui.proc.back"), href="/staff/procedures"),
                rx.cond(s.found, rx.link(tr("ui.rev.revisions"), href="/staff/procedures/" + s.shown_code + "/revisions")),
                rx.link(tr("ui.rev.incidents"), href="/staff/procedures/incidents"), spacing="4", wrap="wrap"),
        rx.cond(s.found, rx.vstack(
            rx.flex(rx.heading(s.shown_code, " — ", title_in_lang(s.title_fr, s.title_en), size="5", as_="h2"),
                    rx.badge(I18nState.tx["ui.proc.family." + s.family], variant="outline"),
                    spacing="3", align="center", wrap="wrap"),
            rx.cond(s.purpose != "", rx.text(s.purpose, size="2", color_scheme="gray")),
            rx.text(tr("ui.proc.col_trigger"), ": ", I18nState.tx["ui.proc.trigger." + s.trigger],
                    rx.cond(s.trigger_text != "", rx.fragment(" — ", s.trigger_text)), size="2"),
            rx.cond(s.versions.length() > 1, rx.el.label(
                rx.text(tr("ui.proc.version"), size="2", weight="medium", as_="span"),
                rx.el.select(rx.foreach(s.versions, lambda v: rx.el.option("v" + v, value=v)),
                             value=s.version.to_string(), on_change=s.choose_version,
                             style={"padding": "0.2em 0.4em", "borderRadius": "6px"}),
                style={"display": "inline-flex", "gap": "0.5em", "alignItems": "center"},
            ), rx.text(tr("ui.proc.version"), " ", s.version.to_string(), size="2")),
            swimlanes(),
            spacing="3", width="100%",
        )),
    )


def register(app: rx.App) -> None:
    app.add_page(flowchart_page, route="/staff/procedures/[proc_code]", on_load=FlowchartState.on_load,
                 title="CC Network")
