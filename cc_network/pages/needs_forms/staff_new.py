"""/staff/needs/new: staff enter a recruitment need received by e-mail or gathered at a
meeting (P22.1-2), for a company of the partner map (BD01). The need then follows the same
path as one submitted by the company; the page opens it on the pipeline's need page."""

from __future__ import annotations

import reflex as rx

from cc_network.pages.calendar.common import Option, select_field
from cc_network.pages.forms import as_id, form_str
from cc_network.pages.needs_forms.common import field_options, need_form_fields, need_payload
from cc_network.ui.components import messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.sourcing.needs.models import NeedSource
from tenants.sourcing.needs.services import do_enter_need, list_company_choices


class StaffNewNeedState(AppState):
    companies: list[Option] = []
    fields: list[Option] = []
    loaded: bool = False

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("staff")
        if actor is None:
            return redirect
        self.companies, self.fields, self.loaded = [], [], False
        try:
            tid = actor.tenant_id or 0
            self.companies = [Option(str(c.id), c.name + (f" ({c.city})" if c.city else ""))
                              for c in list_company_choices(actor, tid)]
            self.fields = field_options(actor, tid)
            self.loaded = True
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def submit(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            company_id = as_id(form_str(form, "company_id", max_len=12))
            source = form_str(form, "source", max_len=10) or NeedSource.EMAIL.value
            if source not in (NeedSource.EMAIL.value, NeedSource.STAFF.value):
                raise Invalid("bad source", code="invalid_source")
            v = do_enter_need(actor, actor.tenant_id or 0, company_id, need_payload(form), source=source)
        except ServiceError as exc:
            self._fail(exc)
            return None
        return rx.redirect(f"/staff/needs/{v.id}")


def staff_new_need_page() -> rx.Component:
    s = StaffNewNeedState
    return area_page(
        "staff", "ui.staff_need_new.title",
        rx.flex(rx.link(tr("ui.staff_need_new.board"), href="/staff/needs", size="2"),
                rx.link(tr("ui.staff_need_new.partners"), href="/staff/partners", size="2"), spacing="4"),
        rx.text(tr("ui.staff_need_new.intro"), size="2"),
        messages(),
        rx.cond(s.loaded & (s.companies.length() == 0), rx.callout(tr("ui.staff_need_new.no_companies"),
                                                                   color_scheme="amber", width="100%")),
        rx.card(rx.form(
            rx.vstack(
                rx.flex(
                    select_field(tr("ui.jobneed.company"), "company_id", dynamic=s.companies,
                                 blank=tr("ui.staff_need_new.pick_company"), width="24em"),
                    select_field(tr("ui.jobneed.source"), "source",
                                 [("email", tr("ui.jobneed.source.email")), ("staff", tr("ui.jobneed.source.staff"))],
                                 width="18em"),
                    spacing="3", wrap="wrap", width="100%"),
                need_form_fields(s.fields),
                rx.button(tr("ui.staff_need_new.submit"), type="submit"),
                spacing="4", width="100%",
            ),
            on_submit=s.submit, reset_on_submit=False, width="100%",
        ), width="100%"),
    )


def register(app: rx.App) -> None:
    app.add_page(staff_new_need_page, route="/staff/needs/new", on_load=StaffNewNeedState.on_load,
                 title="CC Network")
