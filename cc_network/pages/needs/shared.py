"""/shared/profiles?t=<secret>: the page behind the secure link e-mailed to a company. The
secret is the only key (256 bits, stored hashed); an expired, withdrawn or unknown link
shows a clear message and nothing else. The profiles shown are those whose student
consented at sending and still consents now; each opening and each file is logged. A
signed-in contact of the company is pointed to the company portal, where outcomes are
recorded."""

from __future__ import annotations

import reflex as rx

from cc_network.pages.calendar.common import local_text
from cc_network.pages.forms import as_id
from cc_network.pages.needs.common import ProfileCard, profile_body, profile_card
from cc_network.ui.components import empty, messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import lang_switcher, page_root
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.roles import Perm
from tenants.sourcing.pipeline.services import open_share, shared_file


class SharedProfilesState(AppState):
    found: bool = False
    need_title: str = ""
    company: str = ""
    centre: str = ""
    until: str = ""
    share_id: int = 0
    portal_link: bool = False
    profiles: list[ProfileCard] = []
    # the secret of the link: backend only, never sent back to the browser
    _secret: str = ""

    def _ip(self) -> str:
        return str(self.router.session.client_ip or "")[:45]

    @rx.event
    def on_load(self):
        self.error = self.notice = ""
        self.found, self.profiles, self.portal_link = False, [], False
        secret = str(self.router.url.query_parameters.get("t", "") or "")[:200]
        self._secret = secret
        viewer = self._actor()
        try:
            v = open_share(secret, viewer=viewer, ip=self._ip())
        except ServiceError as exc:
            self._fail(exc)
            return None
        from zoneinfo import ZoneInfo

        self.found, self.need_title, self.company, self.centre = True, v.need_title, v.company_name, v.centre_name
        self.until = local_text(v.expires_at, ZoneInfo("Africa/Casablanca"), "%Y-%m-%d")
        self.share_id = v.share_id
        self.portal_link = viewer is not None and viewer.tenant_id == v.tenant_id and viewer.can(Perm.COMPANY_SELF)
        self.profiles = [profile_card(p) for p in v.profiles]
        return None

    def _download(self, what: str, student_id: int | None):
        try:
            filename, data = shared_file(self._secret, what, student_id, viewer=self._actor(), ip=self._ip())
        except ServiceError as exc:
            self._fail(exc)
            return None
        self.error = ""
        return rx.download(data=data, filename=filename, mime_type="application/pdf")

    @rx.event
    def download_pdf(self):
        return self._download("pdf", None)

    @rx.event
    def download_cv(self, student_id: int):
        try:
            return self._download("cv", as_id(student_id))
        except ServiceError as exc:
            self._fail(exc)
            return None

    @rx.event
    def download_profile(self, student_id: int):
        try:
            return self._download("profile", as_id(student_id))
        except ServiceError as exc:
            self._fail(exc)
            return None


def _profile(p: ProfileCard) -> rx.Component:
    s = SharedProfilesState
    return rx.card(rx.vstack(
        profile_body(p),
        rx.flex(
            rx.cond(p.has_cv, rx.button(tr("ui.pipeline.download_cv"), size="1", variant="soft",
                                        on_click=s.download_cv(p.student_id),
                                        aria_label=tr("ui.pipeline.download_cv") + " — " + p.name)),
            rx.button(tr("ui.pipeline.download_profile"), size="1", variant="soft",
                      on_click=s.download_profile(p.student_id),
                      aria_label=tr("ui.pipeline.download_profile") + " — " + p.name),
            spacing="2"),
        spacing="2", width="100%"), width="100%")


def shared_profiles_page() -> rx.Component:
    s = SharedProfilesState
    return page_root(
        rx.hstack(rx.text("CC Network", size="4", weight="bold"), rx.spacer(), lang_switcher(),
                  padding="1em", align="center", width="100%"),
        rx.el.main(rx.vstack(
            rx.heading(tr("ui.pipeline.shared_title"), size="6", as_="h1"),
            messages(),
            rx.cond(s.found, rx.vstack(
                rx.heading(s.need_title, size="5", as_="h2"),
                rx.text(s.company, " — ", s.centre, size="2"),
                rx.text(tr("ui.pipeline.shared_intro"), " ", s.until, size="2"),
                rx.cond(s.portal_link, rx.link(tr("ui.pipeline.open_in_portal"),
                                               href="/company/shares/" + s.share_id.to_string())),
                rx.button(tr("ui.pipeline.download_pdf"), on_click=s.download_pdf, variant="soft"),
                rx.cond(s.profiles.length() > 0, rx.vstack(rx.foreach(s.profiles, _profile), spacing="3",
                                                           width="100%"),
                        empty("ui.pipeline.no_profiles")),
                spacing="3", width="100%")),
            spacing="4", width="100%"),
            style={"padding": "1.5em", "maxWidth": "60em", "margin": "0 auto"}),
    )


def register(app: rx.App) -> None:
    app.add_page(shared_profiles_page, route="/shared/profiles", on_load=SharedProfilesState.on_load,
                 title="CC Network")
