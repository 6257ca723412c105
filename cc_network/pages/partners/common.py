"""Pieces shared by the partner pages: the links between them, the option lists, how a
refused action reads."""

from __future__ import annotations

import reflex as rx

from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.session import AppState
from integrations.errors import NotFound, ServiceError
from tenants.sourcing.partners.models import CompanySize, InteractionKind, PersonKind, Relationship

SIZES = [s.value for s in CompanySize]
RELATIONSHIPS = [r.value for r in Relationship]
PERSON_KINDS = [k.value for k in PersonKind]
INTERACTION_KINDS = [k.value for k in InteractionKind]


def fail(state: AppState, exc: ServiceError) -> None:
    """Whatever was not found in the caller's own centre reads the same ("not found")."""
    state._fail(NotFound(code="not_found") if isinstance(exc, NotFound) else exc)


def options(prefix: str, values: list[str]) -> list[tuple[str, rx.Var]]:
    return [(v, tr(f"{prefix}.{v}")) for v in values]


def label_of(prefix: str, value: rx.Var) -> rx.Component:
    return rx.cond(value != "", I18nState.tx[prefix + "." + value], "")


def partners_nav() -> rx.Component:
    return rx.flex(
        rx.link(tr("ui.partners.companies"), href="/staff/partners", size="2"),
        rx.link(tr("ui.partners.contacts"), href="/staff/partners/contacts", size="2"),
        rx.link(tr("ui.partners.import"), href="/staff/partners/import", size="2"),
        rx.link(tr("ui.partners.access"), href="/staff/partners/access", size="2"),
        spacing="4", wrap="wrap", role="navigation", aria_label=tr("ui.partners.pages"),
    )


def form_bool(form: object, name: str) -> bool:
    return isinstance(form, dict) and form.get(name) not in (None, "", False)
