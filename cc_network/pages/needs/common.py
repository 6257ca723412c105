"""What the company's pages of a sending share: one profile as the company sees it (no phone,
no e-mail: the consent covers the professional profile), with its files."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.ui.i18n import tr
from tenants.sourcing.pipeline.services import SharedProfile


@dataclasses.dataclass
class ExperienceRow:
    title: str = ""
    organisation: str = ""
    when: str = ""
    description: str = ""


@dataclasses.dataclass
class ProfileCard:
    entry_id: int = 0
    student_id: int = 0
    name: str = ""
    field: str = ""
    level: str = ""
    establishment: str = ""
    graduation: str = ""
    languages: str = ""
    skills: str = ""
    experiences: list[ExperienceRow] = dataclasses.field(default_factory=list)
    has_cv: bool = False
    outcome: str = ""
    outcome_note: str = ""


def profile_card(p: SharedProfile) -> ProfileCard:
    grad = ""
    if p.graduation_year:
        grad = f"{p.graduation_month:02d}/{p.graduation_year}" if p.graduation_month else str(p.graduation_year)
    exps = [ExperienceRow(str(x.get("title") or ""), str(x.get("organisation") or ""),
                          f"{x.get('start') or ''} – {x.get('end') or '…'}", str(x.get("description") or ""))
            for x in p.experiences if isinstance(x, dict)]
    return ProfileCard(p.entry_id, p.student_membership_id, p.full_name,
                       p.field + (f" — {p.track}" if p.track else ""), p.level, p.establishment, grad,
                       ", ".join(p.languages), ", ".join(p.skills), exps, p.has_cv, p.outcome, p.outcome_note)


def profile_body(p: ProfileCard) -> rx.Component:
    def line(key: str, value: rx.Var) -> rx.Component:
        return rx.cond(value != "", rx.text(rx.text.strong(tr(key)), " : ", value, size="2"))

    return rx.vstack(
        rx.heading(p.name, size="4", as_="h3"),
        line("ui.pipeline.field", p.field),
        line("ui.pipeline.level", p.level),
        line("ui.pipeline.establishment", p.establishment),
        line("ui.pipeline.graduation_year", p.graduation),
        line("ui.pipeline.languages", p.languages),
        line("ui.pipeline.skills", p.skills),
        rx.cond(p.experiences.length() > 0, rx.vstack(
            rx.text(rx.text.strong(tr("ui.pipeline.experiences")), size="2"),
            rx.el.ul(rx.foreach(p.experiences, lambda x: rx.el.li(
                rx.text(x.title, rx.cond(x.organisation != "", " — " + x.organisation, ""), " (", x.when, ")",
                        size="2"),
                rx.cond(x.description != "", rx.text(x.description, size="1", white_space="pre-wrap"))))),
            spacing="1")),
        spacing="1", width="100%", align="start")
