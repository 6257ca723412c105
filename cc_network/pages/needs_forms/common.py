"""What the need pages share: the form of a job need (company portal and staff entry), reading
it back from the submitted form, and the display of one need (its fields and its timeline)."""

from __future__ import annotations

import dataclasses
import re
from zoneinfo import ZoneInfo

import reflex as rx

from cc_network.pages.calendar.common import (
    Option,
    input_field,
    local_text,
    select_field,
    text_area,
)
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.portal.common import section
from cc_network.ui.components import checkbox
from cc_network.ui.i18n import I18nState, tr
from integrations.errors import Invalid
from tenants.core.actor import Actor
from tenants.portal.profiles.models import LanguageLevel, Level
from tenants.portal.profiles.services import list_study_fields
from tenants.sourcing.needs.services import NeedView, timeline

LANGUAGE_ROWS = 3
_FIELD_KEY = re.compile(r"^field_(\d{1,10})$")


# ---------------------------------------------------------------- the form

def field_options(actor: Actor, tenant_id: int) -> list[Option]:
    """The centre's active fields of study, to tick the ones the need is for."""
    return [Option(str(f.id), f.name) for f in list_study_fields(actor, tenant_id)]


def need_payload(form: object) -> dict:
    """The submitted form as the service's input; the service validates every value."""
    if not isinstance(form, dict):
        raise Invalid("bad form", code="invalid")
    field_ids = sorted({as_id(m.group(1)) for k in form if isinstance(k, str) and (m := _FIELD_KEY.match(k))
                        and form.get(k) not in (None, "", False)})
    if len(field_ids) > 50:
        raise Invalid("too many fields", code="invalid")
    languages = []
    for i in range(LANGUAGE_ROWS):
        name = form_str(form, f"lang_{i}", max_len=60).strip()
        if name:
            languages.append({"language": name, "level": form_str(form, f"lang_level_{i}", max_len=10) or "B1"})
    skills = [x.strip() for x in form_str(form, "skills", max_len=4000).replace("\n", ",").split(",")]
    start = form_str(form, "start_date", max_len=10).strip()
    return {
        "title": form_str(form, "title", max_len=400),
        "description": form_str(form, "description", max_len=8000),
        "kind": form_str(form, "kind", max_len=20),
        "place": form_str(form, "place", max_len=400),
        "positions": form_str(form, "positions", max_len=12).strip(),
        "field_ids": field_ids,
        "level": form_str(form, "level", max_len=20),
        "skills": [x for x in skills if x],
        "languages": languages,
        "start_date": start or None,
        "deadline": form_str(form, "deadline", max_len=10).strip(),
    }


def need_form_fields(fields: rx.Var) -> rx.Component:
    """The inputs of a need, French terms of the book (P22: fiche de poste, besoins RH)."""
    return rx.vstack(
        input_field(tr("ui.jobneed.title"), "title", required=True, max_length=200),
        rx.flex(
            select_field(tr("ui.jobneed.kind"), "kind", [("internship", tr("ui.jobneed.kind.internship")),
                                                         ("job", tr("ui.jobneed.kind.job"))], width="14em"),
            input_field(tr("ui.jobneed.positions"), "positions", type="number", default="1", required=True,
                        min="1", max="1000", width="10em"),
            input_field(tr("ui.jobneed.place"), "place", max_length=200, width="20em"),
            spacing="3", wrap="wrap", width="100%",
        ),
        rx.text(tr("ui.jobneed.recruitment_day"), size="1", color_scheme="gray"),
        text_area(tr("ui.jobneed.description"), "description", rows="6"),
        rx.el.fieldset(
            rx.el.legend(rx.text(tr("ui.jobneed.fields"), size="2", weight="medium")),
            rx.flex(rx.foreach(fields, lambda o: checkbox(o.label, "field_" + o.value)), wrap="wrap"),
            rx.text(tr("ui.jobneed.fields_any"), size="1", color_scheme="gray"),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        select_field(tr("ui.jobneed.level"), "level", [(lv.value, tr(f"ui.students.level.{lv.value}"))
                                                       for lv in Level],
                     blank=tr("ui.jobneed.level_any"), width="14em"),
        text_area(tr("ui.jobneed.skills"), "skills", hint=tr("ui.jobneed.skills_hint"), rows="2"),
        rx.el.fieldset(
            rx.el.legend(rx.text(tr("ui.jobneed.languages"), size="2", weight="medium")),
            rx.vstack(*[rx.flex(
                input_field(tr("ui.jobneed.language"), f"lang_{i}", max_length=60, width="16em"),
                select_field(tr("ui.jobneed.language_level"), f"lang_level_{i}",
                             [(lv.value, lv.value) for lv in LanguageLevel], default="B1", width="10em"),
                spacing="3", wrap="wrap") for i in range(LANGUAGE_ROWS)], spacing="2"),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        rx.flex(
            input_field(tr("ui.jobneed.deadline"), "deadline", type="date", required=True, width="16em"),
            input_field(tr("ui.jobneed.start_date"), "start_date", type="date", width="16em"),
            spacing="3", wrap="wrap",
        ),
        spacing="3", width="100%",
    )


# ---------------------------------------------------------------- one need, displayed

@dataclasses.dataclass
class NeedRow:
    id: int = 0
    title: str = ""
    company: str = ""
    kind: str = ""
    positions: int = 0
    status: str = ""
    received_at: str = ""
    deadline: str = ""
    sheet_sent_at: str = ""


@dataclasses.dataclass
class Fact:
    key: str = ""
    value: str = ""


@dataclasses.dataclass
class Step:
    key: str = ""
    at: str = ""
    done: bool = False


def need_row(v: NeedView, zone: ZoneInfo) -> NeedRow:
    return NeedRow(v.id, v.title, v.company_name, v.kind, v.positions, v.status, local_text(v.received_at, zone),
                   v.deadline.isoformat(), local_text(v.sheet_sent_at, zone))


def need_facts(v: NeedView) -> list[Fact]:
    """The need's fields that have a value, labelled by translation keys."""
    langs = ", ".join(f"{x.get('language', '')} ({x.get('level', '')})" for x in v.languages)
    return [Fact(k, val) for k, val in [
        ("ui.jobneed.company", v.company_name), ("ui.jobneed.positions", str(v.positions)),
        ("ui.jobneed.place", v.place), ("ui.jobneed.fields", ", ".join(v.field_names)),
        ("ui.jobneed.level", v.level), ("ui.jobneed.skills", ", ".join(v.skills)),
        ("ui.jobneed.languages", langs),
        ("ui.jobneed.start_date", v.start_date.isoformat() if v.start_date else ""),
        ("ui.jobneed.deadline", v.deadline.isoformat()),
    ] if val]


def need_steps(v: NeedView, zone: ZoneInfo) -> list[Step]:
    return [Step(m.key, local_text(m.at, zone), m.at is not None) for m in timeline(v)]


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(I18nState.tx["ui.jobneed.status." + status], variant="soft",
                    color_scheme=rx.cond(status == "cancelled", "gray", rx.cond(status == "closed", "green", "blue")))


def kind_text(kind: rx.Var) -> rx.Var:
    return I18nState.tx["ui.jobneed.kind." + kind]


def facts_list(facts: rx.Var) -> rx.Component:
    return rx.data_list.root(rx.foreach(facts, lambda f: rx.data_list.item(
        rx.data_list.label(I18nState.tx[f.key]), rx.data_list.value(f.value))))


def steps_list(steps: rx.Var) -> rx.Component:
    """The timeline: each step with its date, or 'not yet'."""
    return rx.el.ol(rx.foreach(steps, lambda st: rx.el.li(
        rx.hstack(
            rx.icon(rx.cond(st.done, "circle-check", "circle"), size=16,
                    color=rx.cond(st.done, rx.color("green", 9), rx.color("gray", 8))),
            rx.text(I18nState.tx["ui.jobneed.timeline." + st.key], size="2",
                    weight=rx.cond(st.done, "medium", "regular")),
            rx.text(rx.cond(st.done, st.at, I18nState.tx["ui.jobneed.not_yet"]), size="1", color_scheme="gray"),
            spacing="2", align="center"),
        style={"listStyle": "none", "padding": "0.2em 0"})), style={"padding": "0", "margin": "0"})


# ---------------------------------------------------------------- a recruitment day's dates (P19)

MAX_DATE_LINES = 60


def dates_of(form: object) -> list[str]:
    """The dates typed in the form, one a line (or separated by commas); checked by the service."""
    raw = form_str(form, "dates", max_len=2000) if isinstance(form, dict) else ""
    return [ln.strip() for ln in raw.replace(",", "\n").splitlines() if ln.strip()][:MAX_DATE_LINES]


def day_dates_section(s, on_submit, intro_key: str, other_key: str) -> rx.Component:  # noqa: ANN001
    """The recruitment day of a need, and the form one side (company or host institution) gives
    its available dates with while the day is proposed. `s` has has_day, day_mode, day_status,
    day_starts, my_dates, other_dates, common_dates and form_key."""
    def chips(values: rx.Var) -> rx.Component:
        return rx.flex(rx.foreach(values, lambda d: rx.badge(d, variant="soft")), spacing="1", wrap="wrap")

    return rx.cond(s.has_day, section(
        "ui.company_needs.day_title",
        rx.hstack(rx.badge(I18nState.tx["ui.days.mode." + s.day_mode]),
                  rx.badge(I18nState.tx["ui.days.status." + s.day_status], variant="outline"),
                  rx.cond(s.day_starts != "", rx.text(s.day_starts, size="2", weight="medium")),
                  spacing="2", align="center", wrap="wrap"),
        rx.cond(s.day_status == "proposed", rx.vstack(
            rx.text(tr(intro_key), size="2"),
            rx.cond(s.other_dates.length() > 0,
                    rx.vstack(rx.text(tr(other_key), size="2", weight="medium"), chips(s.other_dates), spacing="1")),
            rx.form(rx.vstack(
                text_area(tr("ui.company_needs.your_dates"), "dates", default=s.my_dates, rows="4",
                          hint=tr("ui.company_needs.dates_hint")),
                rx.button(tr("ui.company_needs.dates_submit"), type="submit"), spacing="2", width="100%"),
                on_submit=on_submit, reset_on_submit=False, width="100%", key=s.form_key.to_string()),
            rx.cond(s.common_dates.length() > 0,
                    rx.vstack(rx.text(tr("ui.company_needs.common_dates"), size="2", weight="medium"),
                              chips(s.common_dates), spacing="1")),
            spacing="3", width="100%")),
    ))
