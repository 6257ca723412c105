"""/staff/settings/identity: the centre's OIDC identity providers (managers)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cc_network.pages.forms import as_id, form_str
from cc_network.ui.components import checkbox, confirm_dialog, empty, field, messages, submit
from cc_network.ui.i18n import I18nState, tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.auth.oidc import do_delete_provider, do_save_provider, list_providers
from tenants.core.actor import Actor


@dataclasses.dataclass
class ProviderRow:
    id: int = 0
    slug: str = ""
    name: str = ""
    issuer: str = ""
    client_id: str = ""
    scopes: str = ""
    auto_create_students: bool = True
    enabled: bool = True


class IdentityState(AppState):
    providers: list[ProviderRow] = []
    # 0: the form adds a provider; else the id of the row being edited (a row already shown)
    editing_id: int = 0
    form_key: int = 0
    draft: ProviderRow = ProviderRow(scopes="openid email profile")

    def _load(self, actor: Actor) -> None:
        self.providers = [ProviderRow(p.id, p.slug, p.name, p.issuer, p.client_id, p.scopes,
                                      p.auto_create_students, p.enabled)
                          for p in list_providers(actor, actor.tenant_id or 0)]

    def _new_draft(self) -> None:
        self.editing_id = 0
        self.draft = ProviderRow(scopes="openid email profile")
        self.form_key += 1  # remount the form so its default values follow the draft

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self._new_draft()
        try:
            self._load(actor)
        except ServiceError as exc:
            self.providers = []
            self._fail(exc)
        return None

    @rx.event
    def start_edit(self, provider_id: int):
        row = next((p for p in self.providers if p.id == provider_id), None)
        if row is None:
            return
        self.editing_id, self.draft = row.id, dataclasses.replace(row)
        self.form_key += 1

    @rx.event
    def cancel_edit(self):
        self._new_draft()

    @rx.event
    def save(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            provider_id = form_str(form, "provider_id", max_len=20)
            do_save_provider(
                actor, actor.tenant_id or 0,
                provider_id=as_id(provider_id) if provider_id not in ("", "0") else None,
                slug=form_str(form, "slug", max_len=40), name=form_str(form, "name", max_len=100),
                issuer=form_str(form, "issuer", max_len=300),
                client_id=form_str(form, "client_id", max_len=300),
                client_secret=form_str(form, "client_secret", max_len=2000),
                scopes=form_str(form, "scopes", max_len=200),
                auto_create_students=bool(form.get("auto_create_students")),
                enabled=bool(form.get("enabled")),
            )
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._new_draft()
        self._ok("ui.identity.saved")
        return None

    @rx.event
    def delete(self, provider_id: int):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_delete_provider(actor, actor.tenant_id or 0, as_id(provider_id))
            self._load(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._new_draft()
        self._ok("ui.identity.deleted")
        return None


def _provider_row(p) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(p.name),
        rx.table.cell(rx.code(p.slug)),
        rx.table.cell(p.issuer),
        rx.table.cell(rx.cond(p.enabled, rx.badge(tr("ui.identity.enabled"), color_scheme="green"),
                              rx.badge(tr("ui.identity.disabled"), color_scheme="gray"))),
        rx.table.cell(rx.hstack(
            rx.button(tr("ui.edit"), size="1", variant="outline", on_click=IdentityState.start_edit(p.id)),
            confirm_dialog("ui.delete", "ui.identity.delete_title", "ui.identity.delete_text",
                           IdentityState.delete(p.id), subject=p.name),
            spacing="2",
        )),
    )


def _form() -> rx.Component:
    d = IdentityState.draft
    return rx.card(rx.fragment(rx.form(
        rx.vstack(
            rx.heading(rx.cond(IdentityState.editing_id > 0, tr("ui.identity.edit_title"),
                               tr("ui.identity.add_title")), size="4", as_="h2"),
            rx.el.input(type="hidden", name="provider_id", value=IdentityState.editing_id.to_string()),
            rx.flex(field("ui.identity.name", "name", default_value=d.name),
                    field("ui.identity.slug", "slug", default_value=d.slug, hint_key="ui.identity.slug_hint"),
                    spacing="3", width="100%", direction={"initial": "column", "sm": "row"}),
            field("ui.identity.issuer", "issuer", type="url", default_value=d.issuer,
                  hint_key="ui.identity.issuer_hint"),
            rx.flex(field("ui.identity.client_id", "client_id", default_value=d.client_id),
                    field("ui.identity.client_secret", "client_secret", type="password", required=False,
                          autocomplete="new-password", hint_key="ui.identity.secret_hint"),
                    spacing="3", width="100%", direction={"initial": "column", "sm": "row"}),
            field("ui.identity.scopes", "scopes", default_value=d.scopes),
            rx.flex(checkbox(tr("ui.identity.auto_create"), "auto_create_students",
                             checked=d.auto_create_students),
                    checkbox(tr("ui.identity.enabled"), "enabled", checked=d.enabled), wrap="wrap"),
            rx.hstack(
                submit("ui.save"),
                rx.cond(IdentityState.editing_id > 0,
                        rx.button(tr("ui.cancel"), type="button", variant="soft", color_scheme="gray",
                                  on_click=IdentityState.cancel_edit)),
            ),
            spacing="3", width="100%",
        ),
        on_submit=IdentityState.save, reset_on_submit=False, width="100%",
        key=IdentityState.form_key.to_string(),
    )), width="100%")


def identity_page() -> rx.Component:
    return area_page(
        "staff", "ui.identity.title",
        rx.text(tr("ui.identity.intro"), size="2", color_scheme="gray"),
        messages(),
        rx.cond(
            IdentityState.providers.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("ui.identity.name")),
                    rx.table.column_header_cell(tr("ui.identity.slug")),
                    rx.table.column_header_cell(tr("ui.identity.issuer")),
                    rx.table.column_header_cell(tr("ui.team.status")),
                    rx.table.column_header_cell(tr("ui.team.actions")),
                )),
                rx.table.body(rx.foreach(IdentityState.providers, _provider_row)),
                width="100%", variant="surface", dir=I18nState.dir,
            ),
            empty("ui.identity.empty"),
        ),
        _form(),
    )


def register(app: rx.App) -> None:
    app.add_page(identity_page, route="/staff/settings/identity", on_load=IdentityState.on_load,
                 title="CC Network")
