"""The round trip shared by pages' actions: the record named by the address, the service call
for the signed-in person, the page reloaded, the notice or the refusal's message."""

from __future__ import annotations

import re
from collections.abc import Callable

import reflex as rx

from cc_network.pages.forms import form_str, id_or_zero
from cc_network.ui.session import AppState
from integrations.errors import ServiceError
from tenants.core.actor import Actor


def path_id(state: AppState, path: re.Pattern) -> int:
    """The id in the page's address: actions read their record from there, never from a var
    the client could set (0, which matches nothing, when the address has none)."""
    m = path.match(str(state.router.url.path or ""))
    return id_or_zero(m.group(1) if m else None)


def _refuse(state: AppState, exc: ServiceError, fail: Callable[[AppState, ServiceError], None] | None) -> None:
    if fail is None:
        state._fail(exc)
    else:
        fail(state, exc)


def act_and_reload(state: AppState, call: Callable[[Actor], object], notice: str,
                   fail: Callable[[AppState, ServiceError], None] | None = None, *, reset_form: bool = False):
    """`call(actor)` for the signed-in person (else the sign-in page), then the page's data
    reloads and `notice` shows; a refusal shows its message instead (through `fail`, for pages
    that word some refusals their own way). `reset_form` bumps the state's `form_key` on success,
    so the page's keyed forms come back empty."""
    actor = state._actor()
    if actor is None:
        return rx.redirect("/login")
    try:
        call(actor)
        state._load(actor)
    except ServiceError as exc:
        _refuse(state, exc, fail)
        return None
    if reset_form:
        state.form_key += 1
    state._ok(notice)
    return None


def field_or_fail(state: AppState, form: object, name: str, act: Callable[[str], object], *, max_len: int,
                  fail: Callable[[AppState, ServiceError], None] | None = None):
    """`act(value)` with the submitted form's field `name`; a bad form or field shows its
    refusal instead (through `fail`, as in `act_and_reload`)."""
    try:
        value = form_str(form, name, max_len=max_len)
    except ServiceError as exc:
        _refuse(state, exc, fail)
        return None
    return act(value)
