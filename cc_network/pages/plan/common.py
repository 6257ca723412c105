"""What the plan pages share: rows of the plan's content and versions, the year picker, the
export links, a status badge."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.calendar.common import Option
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import api_url
from cc_network.ui.session import AppState
from integrations.errors import NotFound, ServiceError
from workflows.planning.services import PlanView, VersionSummary


def fail(state: AppState, exc: ServiceError) -> None:
    """Whatever was not found in the caller's own centre reads the same ("not found")."""
    state._fail(NotFound(code="not_found") if isinstance(exc, NotFound) else exc)


def num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v) == int(v) else f"{v:g}"


def day(v) -> str:  # noqa: ANN001
    return v.strftime("%Y-%m-%d") if v else ""


@dataclasses.dataclass
class ObjectiveRow:
    key: str = ""
    title: str = ""
    description: str = ""


@dataclasses.dataclass
class ActivityRow:
    key: str = ""
    objective_key: str = ""
    objective: str = ""
    type: str = ""
    title: str = ""
    description: str = ""
    audience: str = ""
    owner_id: str = ""
    owner: str = ""
    period: str = ""
    metric: str = ""
    s1: str = ""
    s2: str = ""
    budget_line: str = ""
    budget_label: str = ""
    actual_s1: str = ""
    actual_s2: str = ""


@dataclasses.dataclass
class BudgetRow:
    key: str = ""
    label: str = ""
    amount: str = ""
    currency: str = ""


@dataclasses.dataclass
class VersionRow:
    no: int = 0
    label: str = ""
    status: str = ""
    created: str = ""
    submitted: str = ""
    validated: str = ""
    host_comment: str = ""
    change_note: str = ""


def version_row(v: VersionSummary) -> VersionRow:
    return VersionRow(v.version_no, v.label, v.status, day(v.created_at), day(v.submitted_at),
                      day(v.host_validated_at), v.host_comment, v.change_note)


def content_rows(view: PlanView) -> tuple[list[ObjectiveRow], list[ActivityRow], list[BudgetRow]]:
    c = view.content
    objectives = {o["key"]: o["title"] for o in c.get("objectives", [])}
    lines = {b["key"]: b["label"] for b in c.get("budget_lines", [])}
    acts = []
    for a in c.get("activities", []):
        owner = a.get("owner_membership_id")
        acts.append(ActivityRow(a["key"], a["objective_key"], objectives.get(a["objective_key"], ""), a["type"],
                                a["title"], a.get("description", ""), a.get("audience", ""),
                                str(owner) if owner else "", view.owners.get(owner or 0, ""), a.get("period", ""),
                                a["metric"], num(a["targets"].get("S1")), num(a["targets"].get("S2")),
                                a.get("budget_line", ""), lines.get(a.get("budget_line", ""), "")))
    return ([ObjectiveRow(o["key"], o["title"], o.get("description", "")) for o in c.get("objectives", [])], acts,
            [BudgetRow(b["key"], b["label"], str(b["amount"]), b["currency"]) for b in c.get("budget_lines", [])])


def year_options(years) -> list[Option]:  # noqa: ANN001
    return [Option(str(y.id), y.label) for y in years]


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(I18nState.tx["ui.plan.status." + status], variant="soft", size="2",
                    color_scheme=rx.match(status, ("validated", "green"), ("submitted", "blue"),
                                          ("updating", "orange"), "gray"))


def exports(plan_id: rx.Var) -> rx.Component:
    """Links to the plan as PDF, XLSX, CSV in the page's language (the API reads the session)."""
    def link(fmt: str) -> rx.Component:
        return rx.link(fmt.upper(), href=f"{api_url()}/api/v1/tenants/" + AppState.tenant_slug + "/plans/"
                       + plan_id.to_string() + f"/export?format={fmt}&lang=" + I18nState.lang,
                       is_external=True, size="2")
    return rx.hstack(rx.text(tr("ui.plan.export"), size="2", color_scheme="gray"), link("pdf"), link("xlsx"),
                     link("csv"), spacing="2", align="center")


def type_label(code: rx.Var) -> rx.Var:
    return rx.cond(code == "other", tr("ui.plan.type_other"), I18nState.tx["ui.calendar.type." + code])


def metric_label(code: rx.Var) -> rx.Var:
    return I18nState.tx["ui.plan.metric." + code]
