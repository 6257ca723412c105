"""/portal/profile: the student edits their profile, grants or revokes consent to share it
with companies, uploads their CV (PDF), exports their data and asks for its deletion.

The CV is read from the upload request in memory and handed to the profile service, which
stores it privately: nothing is written to Reflex's upload directory, which is served
without any check."""

from __future__ import annotations

import json
from datetime import date

import reflex as rx

from cc_network.pages.calendar.common import (
    Option,
    input_field,
    lines,
    local_text,
    select_field,
    text_area,
)
from cc_network.pages.forms import form_str
from cc_network.pages.portal.common import section, zone_of
from cc_network.ui.components import messages
from cc_network.ui.i18n import tr
from cc_network.ui.layout import area_page
from cc_network.ui.session import AppState
from integrations.errors import Invalid, ServiceError
from tenants.core.actor import Actor
from tenants.portal.profiles.models import LanguageLevel, Level
from tenants.portal.profiles.services import (
    ProfileView,
    do_delete_cv,
    do_request_deletion,
    do_set_consent,
    do_update_my_profile,
    do_upload_cv,
    export_my_data,
    get_my_profile,
    list_establishments,
    list_study_fields,
)

CV_UPLOAD_ID = "cv"
# the centre's own limit (at most 20 MB) is checked by the service; this only stops a
# huge body from being read into memory whole
READ_LIMIT = 20 * 1024 * 1024 + 1
LEVELS = [lv.value for lv in Level]
LANGUAGE_LEVELS = [lv.value for lv in LanguageLevel]


def _int_or_none(value: str, code: str = "invalid_number") -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise Invalid("bad number", code=code)
    return int(value)


def profile_payload(form: dict) -> dict:
    """The profile form as the service's input (every field is sent: the form shows them all)."""
    langs = []
    for parts in lines(form_str(form, "languages", max_len=5000), max_lines=20):
        if len(parts) != 2 or parts[1] not in LANGUAGE_LEVELS:
            raise Invalid("one language a line: name | level", code="invalid_line")
        langs.append({"language": parts[0], "level": parts[1]})
    experiences = []
    for parts in lines(form_str(form, "experiences", max_len=20000), max_lines=30):
        parts += [""] * (4 - len(parts))
        if len(parts) > 5:
            raise Invalid("title | organisation | start | end", code="invalid_line")
        try:
            start = date.fromisoformat(parts[2])
            end = date.fromisoformat(parts[3]) if parts[3] else None
        except ValueError:
            raise Invalid("bad date", code="invalid_date") from None
        experiences.append({"title": parts[0], "organisation": parts[1], "start": start, "end": end,
                            "description": parts[4] if len(parts) > 4 else ""})
    level = form_str(form, "level", max_len=20)
    if level and level not in LEVELS:
        raise Invalid("bad level", code="invalid")
    return {
        "full_name": form_str(form, "full_name", max_len=200),
        "phone": form_str(form, "phone", max_len=40),
        "establishment_id": _int_or_none(form_str(form, "establishment_id", max_len=12)),
        "field_id": _int_or_none(form_str(form, "field_id", max_len=12)),
        "track": form_str(form, "track", max_len=150),
        "level": level or None,
        "gender": form_str(form, "gender", max_len=10),
        "graduation_year": _int_or_none(form_str(form, "graduation_year", max_len=4)),
        "graduation_month": _int_or_none(form_str(form, "graduation_month", max_len=2)),
        "skills": [x.strip() for x in form_str(form, "skills", max_len=5000).split(",") if x.strip()],
        "languages": langs,
        "experiences": experiences,
    }


class ProfileState(AppState):
    establishments: list[Option] = []
    fields: list[Option] = []
    full_name_value: str = ""
    phone: str = ""
    establishment_id: str = ""
    field_id: str = ""
    track: str = ""
    level: str = ""
    gender: str = ""
    graduation_year: str = ""
    graduation_month: str = ""
    skills: str = ""
    languages: str = ""
    experiences: str = ""
    consent_granted: bool = False
    consent_at: str = ""
    cv_filename: str = ""
    cv_size_kb: str = ""
    cv_uploaded_at: str = ""
    deletion_pending: bool = False
    form_key: int = 0

    def _show(self, p: ProfileView) -> None:
        zone = zone_of(self.tenant_slug)
        self.full_name_value, self.phone, self.track = p.full_name, p.phone, p.track
        self.establishment_id = str(p.establishment.id) if p.establishment else ""
        self.field_id = str(p.field.id) if p.field else ""
        self.level = p.level or ""
        self.gender = p.gender
        self.graduation_year = str(p.graduation_year or "")
        self.graduation_month = str(p.graduation_month or "")
        self.skills = ", ".join(p.skills)
        self.languages = "\n".join(f"{x.get('language', '')} | {x.get('level', '')}" for x in p.languages)
        self.experiences = "\n".join(" | ".join([x.get("title", ""), x.get("organisation", ""),
                                                 x.get("start") or "", x.get("end") or "", x.get("description", "")])
                                     .rstrip(" |") for x in p.experiences)
        self.consent_granted, self.consent_at = p.consent.granted, local_text(p.consent.at, zone)
        self.cv_filename = p.cv_filename
        self.cv_size_kb = str(max(1, (p.cv_size or 0) // 1024)) if p.cv_filename else ""
        self.cv_uploaded_at = local_text(p.cv_uploaded_at, zone)
        self.deletion_pending = p.deletion_pending
        self.form_key += 1

    def _reload(self, actor: Actor) -> None:
        self._show(get_my_profile(actor, actor.tenant_id or 0))

    @rx.event
    def on_load(self):
        actor, redirect = self._enter("portal")
        if actor is None:
            return redirect
        tid = actor.tenant_id or 0
        try:
            self.establishments = [Option(str(e.id), f"{e.name} ({e.city})" if e.city else e.name)
                                   for e in list_establishments(actor, tid)]
            self.fields = [Option(str(f.id), f.name) for f in list_study_fields(actor, tid)]
            self._reload(actor)
        except ServiceError as exc:
            self._fail(exc)
        return None

    @rx.event
    def save(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            self._show(do_update_my_profile(actor, actor.tenant_id or 0, profile_payload(form)))
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.portal.profile_saved")
        return None

    @rx.event
    def set_consent(self, granted: bool):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not isinstance(granted, bool):
                raise Invalid("granted must be true or false", code="invalid")
            do_set_consent(actor, actor.tenant_id or 0, granted=granted)
            self._reload(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.portal.consent_granted" if granted else "ui.portal.consent_revoked")
        return None

    @rx.event
    async def upload_cv(self, files: list[rx.UploadFile]):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            if not isinstance(files, list) or len(files) != 1:
                raise Invalid("one PDF file", code="cv_empty")
            upload = files[0]
            data = await upload.read(READ_LIMIT)
            view = do_upload_cv(actor, actor.tenant_id or 0, filename=upload.filename or "cv.pdf", data=data)
        except ServiceError as exc:
            self._fail(exc)
            return rx.clear_selected_files(CV_UPLOAD_ID)
        self._show(view)
        self._ok("ui.portal.cv_uploaded")
        return rx.clear_selected_files(CV_UPLOAD_ID)

    @rx.event
    def delete_cv(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_delete_cv(actor, actor.tenant_id or 0)
            self._reload(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.portal.cv_deleted")
        return None

    @rx.event
    def export_data(self):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            data = export_my_data(actor, actor.tenant_id or 0)
        except ServiceError as exc:
            self._fail(exc)
            return None
        # sent straight to this browser as a data: URL, never stored on the server
        return rx.download(data=json.dumps(data, ensure_ascii=False, indent=2), filename="my-data.json",
                           mime_type="application/json")

    @rx.event
    def request_deletion(self, form: dict):
        actor = self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            do_request_deletion(actor, actor.tenant_id or 0, reason=form_str(form, "reason", max_len=2000))
            self._reload(actor)
        except ServiceError as exc:
            self._fail(exc)
            return None
        self._ok("ui.portal.deletion_requested")
        return None


def _profile_form() -> rx.Component:
    s = ProfileState
    return rx.form(
        rx.vstack(
            rx.flex(input_field(tr("ui.field.full_name"), "full_name", default=s.full_name_value, required=True),
                    input_field(tr("ui.portal.phone"), "phone", type="tel", default=s.phone),
                    spacing="3", width="100%", direction={"initial": "column", "sm": "row"}),
            rx.flex(select_field(tr("ui.portal.establishment"), "establishment_id", dynamic=s.establishments,
                                 default=s.establishment_id, blank=tr("ui.portal.none")),
                    select_field(tr("ui.portal.field"), "field_id", dynamic=s.fields, default=s.field_id,
                                 blank=tr("ui.portal.none")),
                    input_field(tr("ui.portal.track"), "track", default=s.track),
                    spacing="3", width="100%", direction={"initial": "column", "sm": "row"}),
            rx.flex(select_field(tr("ui.portal.level"), "level", [(lv, lv) for lv in LEVELS], default=s.level,
                                 blank=tr("ui.portal.none")),
                    select_field(tr("ui.portal.gender"), "gender",
                                 [("female", tr("ui.portal.gender_female")), ("male", tr("ui.portal.gender_male"))],
                                 default=s.gender, blank=tr("ui.portal.gender_unsaid")),
                    input_field(tr("ui.portal.graduation_year"), "graduation_year", type="number",
                                default=s.graduation_year, min=1980, max=2100),
                    input_field(tr("ui.portal.graduation_month"), "graduation_month", type="number",
                                default=s.graduation_month, min=1, max=12),
                    spacing="3", width="100%", direction={"initial": "column", "sm": "row"}),
            input_field(tr("ui.portal.skills"), "skills", default=s.skills),
            text_area(tr("ui.portal.languages"), "languages", default=s.languages,
                      hint=tr("ui.portal.languages_hint")),
            text_area(tr("ui.portal.experiences"), "experiences", default=s.experiences,
                      hint=tr("ui.portal.experiences_hint"), rows="4"),
            rx.button(tr("ui.portal.save_profile"), type="submit"),
            spacing="3", width="100%",
        ),
        on_submit=s.save, reset_on_submit=False, width="100%", key=s.form_key.to_string() + "-profile",
    )


def _consent() -> rx.Component:
    s = ProfileState
    return rx.vstack(
        rx.text(tr("ui.portal.consent_text"), size="2"),
        rx.cond(s.consent_granted,
                rx.fragment(rx.text(tr("ui.portal.consent_on"), " ", s.consent_at, weight="medium"),
                            rx.button(tr("ui.portal.consent_revoke"), on_click=s.set_consent(False), variant="soft",
                                      color_scheme="red")),
                rx.fragment(rx.text(rx.cond(s.consent_at != "", tr("ui.portal.consent_off_since"),
                                            tr("ui.portal.consent_never")), " ", s.consent_at, weight="medium"),
                            rx.button(tr("ui.portal.consent_grant"), on_click=s.set_consent(True)))),
        spacing="2", width="100%",
    )


def _cv() -> rx.Component:
    s = ProfileState
    return rx.vstack(
        rx.cond(s.cv_filename != "",
                rx.hstack(rx.text(tr("ui.portal.cv_on_file"), " ", s.cv_filename, " (", s.cv_size_kb, " Ko, ",
                                  s.cv_uploaded_at, ")", size="2"),
                          rx.button(tr("ui.portal.cv_delete"), on_click=s.delete_cv, size="1", variant="soft",
                                    color_scheme="red"), align="center", wrap="wrap"),
                rx.text(tr("ui.portal.cv_none"), size="2", color_scheme="gray")),
        rx.upload.root(
            rx.vstack(rx.button(tr("ui.portal.cv_choose"), type="button", variant="soft"),
                      rx.text(tr("ui.portal.cv_hint"), size="1", color_scheme="gray"), spacing="1"),
            id=CV_UPLOAD_ID, accept={"application/pdf": [".pdf"]}, max_files=1, multiple=False,
            border=f"1px dashed {rx.color('gray', 7)}", padding="1em", width="100%",
        ),
        rx.text(rx.foreach(rx.selected_files(CV_UPLOAD_ID), lambda f: rx.text(f, as_="span")), size="2"),
        rx.button(tr("ui.portal.cv_upload"),
                  on_click=s.upload_cv(rx.upload_files(upload_id=CV_UPLOAD_ID))),
        spacing="2", width="100%",
    )


def _my_data() -> rx.Component:
    s = ProfileState
    return rx.vstack(
        rx.button(tr("ui.portal.export"), on_click=s.export_data, variant="soft"),
        rx.cond(s.deletion_pending,
                rx.callout(tr("ui.portal.deletion_pending"), color_scheme="amber", width="100%"),
                rx.form(rx.vstack(text_area(tr("ui.portal.deletion_reason"), "reason"),
                                  rx.button(tr("ui.portal.request_deletion"), type="submit", color_scheme="red"),
                                  spacing="2", width="100%"),
                        on_submit=s.request_deletion, reset_on_submit=True, width="100%")),
        spacing="3", width="100%",
    )


def profile_page() -> rx.Component:
    return area_page(
        "portal", "ui.portal.profile_title", messages(),
        section("ui.portal.profile_section", _profile_form()),
        section("ui.portal.consent_section", _consent()),
        section("ui.portal.cv_section", _cv()),
        section("ui.portal.data_section", _my_data()),
    )


def register(app: rx.App) -> None:
    app.add_page(profile_page, route="/portal/profile", on_load=ProfileState.on_load, title="CC Network")
