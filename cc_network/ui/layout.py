"""Page frames: the public frame (sign-in, sign-up, reset) and one frame per role area."""

from __future__ import annotations

import reflex as rx
from reflex_base.config import get_config

from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.session import AppState

LANG_NAMES = (("fr", "ui.lang.fr"), ("en", "ui.lang.en"), ("ar", "ui.lang.ar"))

# Links of each area's navigation: (label key, path, only for managers). The staff's are many,
# so they come in labelled groups (STAFF_GROUPS); each group is a list of links like the others.
Link = tuple[str, str, bool]
STAFF_GROUPS: list[tuple[str, list[Link]]] = [
    ("ui.nav.group.daily", [("ui.nav.home", "/staff", False), ("ui.nav.inbox", "/staff/inbox", False),
                            ("ui.nav.calendar", "/staff/calendar", False),
                            ("ui.nav.meetings", "/staff/meetings", False),
                            ("ui.nav.procedures", "/staff/procedures", False)]),
    ("ui.nav.group.students", [("ui.nav.visits", "/staff/visits", False),
                               ("ui.nav.staff_sessions", "/staff/sessions", False),
                               ("ui.nav.students", "/staff/students", False),
                               ("ui.nav.surveys", "/staff/surveys", False)]),
    ("ui.nav.group.companies", [("ui.nav.needs", "/staff/needs", False),
                                ("ui.nav.partners", "/staff/partners", False),
                                ("ui.nav.recruitment_days", "/staff/recruitment-days", False),
                                ("ui.nav.offers", "/staff/offers", False)]),
    ("ui.nav.group.steering", [("ui.nav.dashboard", "/staff/dashboard", False),
                               ("ui.nav.statistics", "/staff/statistics", False),
                               ("ui.nav.reports", "/staff/reports", False),
                               ("ui.nav.action_plan", "/staff/plan", False),
                               ("ui.nav.self_assessment", "/staff/assessment", False),
                               ("ui.nav.benchmark", "/staff/assessment/benchmark", False)]),
    ("ui.nav.group.communication", [("ui.nav.communications", "/staff/communications", False),
                                    ("ui.nav.comm_plans", "/staff/communications/plans", False),
                                    ("ui.nav.comm_calendar", "/staff/communications/calendar", False),
                                    ("ui.nav.mailings", "/staff/communications/mailings", False),
                                    ("ui.nav.channels", "/staff/channels", False),
                                    ("ui.nav.comm_media", "/staff/communications/media", False)]),
    ("ui.nav.group.centre", [("ui.nav.team", "/staff/team", False), ("ui.nav.mailbox", "/staff/mailbox", False),
                             ("ui.nav.performance", "/staff/performance", False),
                             ("ui.nav.portal_settings", "/staff/portal/settings", True),
                             ("ui.nav.identity", "/staff/settings/identity", True),
                             ("ui.nav.tokens", "/account/tokens", False)]),
]
NAV: dict[str, list[Link]] = {
    "staff": [link for _, links in STAFF_GROUPS for link in links],
    "portal": [("ui.nav.home", "/portal", False), ("ui.nav.sessions", "/portal/sessions", False),
               ("ui.nav.workshops", "/portal/workshops", False), ("ui.nav.offers", "/portal/offers", False),
               ("ui.nav.profile", "/portal/profile", False),
               ("ui.nav.tokens", "/account/tokens", False)],
    "company": [("ui.nav.company_needs", "/company", False), ("ui.nav.company_new_need", "/company/needs/new", False),
                ("ui.nav.tokens", "/account/tokens", False)],
    "host": [("ui.nav.home", "/host", False), ("ui.nav.inbox", "/host/inbox", False),
             ("ui.nav.team", "/staff/team", False), ("ui.nav.host_needs", "/host/needs", False),
             ("ui.nav.dashboard", "/host/dashboard", False), ("ui.nav.reports", "/host/reports", False),
             ("ui.nav.action_plan", "/host/plan", False),
             ("ui.nav.tokens", "/account/tokens", False)],
    "evaluator": [("ui.nav.home", "/evaluator", False), ("ui.nav.evaluations", "/evaluator/centres", False),
                  ("ui.nav.benchmark", "/evaluator/benchmark", False)],
    "admin": [("ui.nav.home", "/admin", False), ("ui.nav.network_figures", "/admin/figures", False),
              ("ui.nav.reference_model", "/admin/model", False),
              ("ui.nav.evaluators", "/admin/evaluators", False),
              ("ui.nav.benchmark", "/admin/benchmark", False),
              ("ui.nav.mailbox", "/staff/mailbox", False)],
}


def api_url() -> str:
    return get_config().api_url.rstrip("/")


def lang_switcher() -> rx.Component:
    return rx.el.label(
        rx.text(tr("ui.language"), size="1"),
        rx.el.select(
            *[rx.el.option(tr(key), value=code) for code, key in LANG_NAMES],
            value=I18nState.lang, on_change=I18nState.choose_lang,
            style={"padding": "0.2em 0.4em", "borderRadius": "6px"},
        ),
        style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center"},
    )


def tenant_switcher() -> rx.Component:
    return rx.cond(
        AppState.tenants.length() > 1,
        rx.el.label(
            rx.text(tr("ui.tenant_switcher"), size="1"),
            rx.el.select(
                rx.foreach(AppState.tenants, lambda t: rx.el.option(t["name"], value=t["slug"])),
                value=AppState.tenant_slug, on_change=AppState.switch_tenant,
                style={"padding": "0.2em 0.4em", "borderRadius": "6px"},
            ),
            style={"display": "inline-flex", "gap": "0.4em", "alignItems": "center"},
        ),
        rx.text(AppState.tenant_name, weight="medium"),
    )


def page_root(*children: rx.Component) -> rx.Component:
    """Direction and language on the root, so Arabic lays out right to left."""
    return rx.box(*children, dir=I18nState.dir, lang=I18nState.lang, min_height="100vh",
                  background_color=rx.color("gray", 2))


def public_page(title_key: str, *body: rx.Component) -> rx.Component:
    return page_root(
        rx.hstack(rx.text("CC Network", size="4", weight="bold"), rx.spacer(), lang_switcher(),
                  padding="1em", align="center", width="100%"),
        rx.center(
            rx.card(
                rx.vstack(rx.heading(tr(title_key), size="6", as_="h1"), *body,
                          spacing="4", width="100%"),
                width="100%", max_width="28em", padding="1.5em",
            ),
            padding="1em",
        ),
    )


def _links(items: list[Link]) -> list[rx.Component]:
    links = []
    for key, path, manager_only in items:
        link = rx.link(tr(key), href=path, weight="medium")
        links.append(rx.cond(AppState.roles.contains("manager") | AppState.roles.contains("network_admin"),
                             link) if manager_only else link)
    return links


def _nav(area: str) -> rx.Component:
    if area == "staff":
        links = [rx.flex(rx.text(tr(group), size="1", color_scheme="gray", weight="medium"), *_links(items),
                         spacing="3", wrap="wrap", align="center", role="group", aria_label=tr(group),
                         style={"paddingInlineEnd": "0.8em", "borderInlineEnd": f"1px solid {rx.color('gray', 5)}"})
                 for group, items in STAFF_GROUPS]
    else:
        links = _links(NAV[area])
    other_areas = rx.foreach(
        AppState.areas,
        lambda a: rx.cond(a != area, rx.link(tr("ui.area.open"), " ", I18nState.tx["ui.area." + a],
                                             href="/" + a, color_scheme="gray")),
    )
    return rx.el.nav(rx.flex(*links, other_areas, spacing="4", wrap="wrap", align="center"),
                     aria_label=tr("ui.nav.label"), style={"padding": "0.6em 1em"},
                     border_bottom=f"1px solid {rx.color('gray', 5)}")


def area_page(area: str, title_key: str, *body: rx.Component) -> rx.Component:
    header = rx.flex(
        rx.link(rx.text("CC Network", size="4", weight="bold"), href="/", underline="none"),
        rx.badge(I18nState.tx["ui.area." + area], size="2"),
        tenant_switcher(),
        rx.spacer(),
        lang_switcher(),
        rx.text(AppState.full_name, size="2"),
        # a document load (not the app's router): the backend route drops the cookie
        rx.link(tr("ui.sign_out"), href=f"{api_url()}/auth/logout", reload_document=True, size="2"),
        spacing="4", align="center", wrap="wrap", padding="0.8em 1em",
        background_color=rx.color("gray", 1), border_bottom=f"1px solid {rx.color('gray', 5)}",
    )
    return page_root(
        rx.el.header(header),
        _nav(area),
        rx.el.main(
            rx.vstack(rx.heading(tr(title_key), size="6", as_="h1"), loaded(*body), spacing="4", width="100%"),
            style={"padding": "1.5em", "maxWidth": "72em", "margin": "0 auto"},
        ),
    )


def loaded(*body: rx.Component) -> rx.Component:
    """The body once the page's on_load has run. Before, its forms hold the previous page's
    values and are remounted (their key changes) when the state arrives, dropping what was typed."""
    return rx.cond(
        AppState.is_hydrated,
        rx.vstack(*body, spacing="4", width="100%"),
        rx.hstack(rx.spinner(size="2"), rx.text(tr("ui.loading"), size="2", color_scheme="gray"),
                  aria_busy="true", align="center"),
    )
