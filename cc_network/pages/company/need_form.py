"""/company/needs/new: the company contact describes a recruitment need (the job description:
title, description, job or internship, place, positions, fields, level, skills, languages,
start date, deadline) and sends it to the Career Center."""

from __future__ import annotations

import reflex as rx

from cc_network.pages.calendar.common import Option
from cc_network.pages.needs_forms.common import field_options, need_form_fields, need_payload
from cc_network.ui.components import messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.sourcing.needs.services import do_submit_need


class CompanyNeedFormState(AppState):
    fields: list[Option] = []

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("company")
        if actor is None:
            return redirect
        self.fields = []
        try:
            self.fields = field_options(actor, actor.tenant_id or 0)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def submit(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            v = do_submit_need(actor, actor.tenant_id or 0, need_payload(form))
        except ServiceError as exc:
            self._fail(exc)
            return None
        # the need's page says it was sent (its own load clears the messages first)
        return rx.redirect(f"/company/needs/{v.id}?sent=1")


def need_form_page() -> rx.Component:
    s = CompanyNeedFormState
    return area_page(
        "company", "ui.company_needs.form_title",
        rx.link(tr("ui.company_needs.back"), href="/company", size="2"),
        rx.text(tr("ui.company_needs.form_intro"), size="2"),
        messages(),
        rx.card(rx.form(
            rx.vstack(need_form_fields(s.fields), rx.button(tr("ui.jobneed.submit"), type="submit"),
                      spacing="4", width="100%"),
            on_submit=s.submit, reset_on_submit=False, width="100%",
        ), width="100%"),
    )


def register(app: rx.App) -> None:
    app.add_page(need_form_page, route="/company/needs/new", on_load=CompanyNeedFormState.on_load,
                 title="CC Network")
