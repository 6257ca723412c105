"""Revising a centre's procedures (issue 6 §5, P31): incidents logged in the monthly meetings,
decided in the semester meeting; a draft new version edited by the procedure committee,
reviewed in the weekly meeting, approved by the manager, then published to the people it
concerns. Running instances keep the definition they started with (the engine copies it on
start); new instances run the new version. `diff_versions` reads two versions side by side.

A draft's definition is checked step by step before `schema.Procedure` validates the whole:
a step without a role, an unknown role or kind, a dependency on a missing step each have
their own error code with the step's number (params: step=n), and nothing is changed."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_args

from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import Session, select

from integrations import outbox
from integrations.db import tenant_session, transaction, utcnow
from integrations.errors import Conflict, Invalid, NotFound
from integrations.i18n import t
from integrations.mail import EMAIL_KIND
from integrations.settings import get_settings
from tenants.calendar.models import Event
from tenants.core.actor import Actor, require
from tenants.core.models import Account, Membership, Tenant
from tenants.core.roles import Perm
from tenants.core.services import audit
from workflows.procedures import queries as q
from workflows.procedures import services as engine
from workflows.procedures.models import (
    DRAFT,
    INCIDENT_ACCEPTED,
    INCIDENT_ADDRESSED,
    INCIDENT_DISMISSED,
    INCIDENT_OPEN,
    PUBLISHED,
    RETIRED,
    REVIEW,
    ProcedureIncident,
    ProcedureVersion,
)
from workflows.procedures.schema import STEP_KINDS, Procedure, ResponsibilityKey, RoleKey

ROLE_KEYS: tuple[str, ...] = get_args(RoleKey)
RESPONSIBILITY_KEYS: tuple[str, ...] = get_args(ResponsibilityKey)
INCIDENT_STATUSES = (INCIDENT_OPEN, INCIDENT_ACCEPTED, INCIDENT_DISMISSED, INCIDENT_ADDRESSED)
VERSION_STATUSES = (DRAFT, REVIEW, PUBLISHED, RETIRED)
DESCRIPTION_MAX, NOTE_MAX = 4000, 2000
MAX_STEPS = 200
LONG_TEXT = 60  # longer texts are diffed word by word


@dataclass(frozen=True)
class VersionView:
    id: int  # 0: the book's version 1 (not stored)
    code: str
    version: int
    status: str
    title: str
    steps: int
    change_note: str
    created_by_name: str
    approved_by_name: str
    created_at: datetime | None
    published_at: datetime | None
    definition: dict = field(default_factory=dict)
    incident_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class IncidentView:
    id: int
    code: str | None
    description: str
    status: str
    raised_by_name: str
    raised_at: datetime
    meeting_id: int | None
    decision_note: str
    decided_at: datetime | None
    version_id: int | None


@dataclass(frozen=True)
class DiffLine:
    step: int | None  # None: the procedure itself (title, trigger…)
    field: str  # "step" for a step added or removed
    before: str
    after: str


# ---------------------------------------------------------------- checking a definition

def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_definition(code: str, version: int, definition: Any) -> Procedure:
    """The definition as a Procedure, or Invalid with a precise code and the step's number."""
    if not isinstance(definition, dict):
        raise Invalid("a procedure definition is expected", code="invalid_definition")
    steps = definition.get("steps")
    if not isinstance(steps, list) or not steps:
        raise Invalid("a procedure needs at least one step", code="no_steps")
    if len(steps) > MAX_STEPS:
        raise Invalid("too many steps", code="too_long", field="steps", max=MAX_STEPS)
    numbers: list[int] = []
    for i, st in enumerate(steps):
        if not isinstance(st, dict) or _int(st.get("n")) is None:
            raise Invalid(f"step {i + 1} has no number", code="invalid_step", step=i + 1)
        numbers.append(st["n"])
    if len(numbers) != len(set(numbers)):
        dup = next(n for n in numbers if numbers.count(n) > 1)
        raise Invalid(f"two steps are numbered {dup}", code="duplicate_step", step=dup)
    known = set(numbers)
    for st in steps:
        n = st["n"]
        actors = st.get("actors")
        if not isinstance(actors, list) or not actors:
            raise Invalid(f"step {n} has no role", code="step_without_role", step=n)
        for a in actors:
            if not isinstance(a, dict) or a.get("role") not in ROLE_KEYS or \
                    a.get("fallback") not in (None, *ROLE_KEYS):
                raise Invalid(f"step {n}: unknown role", code="unknown_role", step=n)
            if a.get("responsibility") not in (None, *RESPONSIBILITY_KEYS):
                raise Invalid(f"step {n}: unknown line of work", code="unknown_role", step=n)
        if st.get("kind") not in STEP_KINDS:
            raise Invalid(f"step {n}: unknown kind", code="unknown_step_kind", step=n)
        after = st.get("after")
        if after is not None:
            if not isinstance(after, list) or any(_int(d) is None for d in after):
                raise Invalid(f"step {n}: bad dependency", code="missing_dependency", step=n)
            if any(d not in known or d == n for d in after):
                raise Invalid(f"step {n} waits for a step that does not exist", code="missing_dependency", step=n)
        for b in st.get("branches") or ():
            goto = b.get("goto") if isinstance(b, dict) else None
            if goto is not None and (_int(goto) is None or goto not in known):
                raise Invalid(f"step {n}: a branch goes to a missing step", code="missing_dependency", step=n)
    try:
        return Procedure.model_validate({**definition, "code": code, "version": version})
    except ValidationError as exc:
        step = None
        for err in exc.errors():
            loc = err.get("loc") or ()
            if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int) and loc[1] < len(steps):
                step = steps[loc[1]].get("n")
                break
        params = {"step": step} if step is not None else {}
        raise Invalid(str(exc)[:500], code="invalid_definition", **params) from None
    except ValueError as exc:
        raise Invalid(str(exc)[:500], code="invalid_definition") from None


# ---------------------------------------------------------------- helpers

def _names(s: Session, ids: set[int | None]) -> dict[int, str]:
    return q.names(s, ids)


def _row(s: Session, version_id: Any, *, lock: bool = False) -> ProcedureVersion:
    vid = _int(version_id)
    if vid is None:
        raise NotFound("no such version")
    qy = select(ProcedureVersion).where(ProcedureVersion.id == vid)
    if lock:
        qy = qy.with_for_update().execution_options(populate_existing=True)
    row = s.exec(qy).first()
    if row is None:
        raise NotFound("no such version")
    return row


def _view(s: Session, row: ProcedureVersion, *, with_definition: bool = True) -> VersionView:
    who = _names(s, {row.created_by_membership_id, row.approved_by_membership_id})
    d = row.definition or {}
    incidents = tuple(s.exec(select(ProcedureIncident.id).where(ProcedureIncident.version_id == row.id)
                             .order_by(ProcedureIncident.id)).all())
    return VersionView(row.id, row.code, row.version, row.status, d.get("title_fr") or d.get("title_en", ""),
                       len(d.get("steps", ())), row.change_note, who.get(row.created_by_membership_id, ""),
                       who.get(row.approved_by_membership_id, ""), row.created_at, row.published_at,
                       dict(d) if with_definition else {}, incidents)


def _book_view(proc: Procedure, status: str) -> VersionView:
    return VersionView(0, proc.code, 1, status, proc.title_fr or proc.title_en, len(proc.steps), "", "", "", None,
                       None, proc.model_dump(mode="json"))


def _stored(s: Session, code: str) -> list[ProcedureVersion]:
    return list(s.exec(select(ProcedureVersion).where(ProcedureVersion.code == code)
                       .order_by(ProcedureVersion.version)).all())


def _versions(s: Session, actor: Actor, code: str, *, with_definition: bool) -> list[VersionView]:
    stored = _stored(s, code)
    if not actor.can(Perm.PROCEDURE_MANAGE):
        stored = [v for v in stored if v.status in (PUBLISHED, RETIRED)]
    book = engine._book(code)
    out = []
    if book is not None and not any(v.version == 1 for v in stored):
        status = RETIRED if any(v.status in (PUBLISHED, RETIRED) for v in stored) else PUBLISHED
        out.append(_book_view(book, status))
    out += [_view(s, v, with_definition=with_definition) for v in stored]
    if not out:
        raise NotFound(f"no procedure {code}")
    return out


# ---------------------------------------------------------------- versions

def list_versions(actor: Actor, tenant_id: int, code: str) -> list[VersionView]:
    """Every version of `code` in this centre, oldest first: the book's, then the centre's own
    (drafts and versions under review only for those who manage procedures)."""
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    code = engine._check_code(code)
    with tenant_session(tenant_id) as s:
        return _versions(s, actor, code, with_definition=False)


def get_version(actor: Actor, tenant_id: int, code: str, version: int) -> VersionView:
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    code = engine._check_code(code)
    if _int(version) is None:
        raise NotFound(f"no version {version!r}")
    with tenant_session(tenant_id) as s:
        found = next((v for v in _versions(s, actor, code, with_definition=True) if v.version == version), None)
    if found is None:
        raise NotFound(f"no version {version} of {code}")
    return found


def get_draft(actor: Actor, tenant_id: int, version_id: int) -> VersionView:
    """A stored version by id (the editor's draft), in the caller's centre only."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s:
        return _view(s, _row(s, version_id))


def do_create_draft(actor: Actor, tenant_id: int, code: str, *, incident_ids: Any = ()) -> VersionView:
    """A draft new version, copied from the version the centre runs now (the book's v1 when it
    has none of its own). One draft (or version under review) per procedure at a time. The
    accepted incidents named are linked to it and marked addressed when it is published."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    code = engine._check_code(code)
    if not isinstance(incident_ids, list | tuple) or any(_int(i) is None for i in incident_ids):
        raise Invalid("incident ids expected", code="invalid", field="incident_ids")
    with tenant_session(tenant_id) as s, transaction(s):
        current = engine._current(s, code)
        stored = _stored(s, code)
        if any(v.status in (DRAFT, REVIEW) for v in stored):
            raise Conflict("a draft of this procedure exists already", code="draft_exists")
        incidents = []
        for iid in dict.fromkeys(incident_ids):
            inc = s.exec(select(ProcedureIncident).where(ProcedureIncident.id == iid)).first()
            if inc is None:
                raise NotFound("no such incident")
            if inc.status != INCIDENT_ACCEPTED or inc.code not in (None, code) or inc.version_id is not None:
                raise Invalid("this incident is not an accepted one of this procedure", code="incident_not_accepted")
            incidents.append(inc)
        version = max([1, *(v.version for v in stored)]) + 1
        definition = {**current.model_dump(mode="json"), "version": version}
        row = ProcedureVersion(tenant_id=tenant_id, code=code, version=version, status=DRAFT, definition=definition,
                               created_by_membership_id=actor.membership_id, created_at=utcnow())
        s.add(row)
        s.flush()
        for inc in incidents:
            inc.version_id = row.id
            if inc.code is None:
                inc.code = code
            s.add(inc)
        audit(s, actor, "procedure.draft_created", tenant_id=tenant_id, target_type="procedure_version",
              target_id=row.id, code=code, version=version, incidents=[i.id for i in incidents])
        s.flush()
        return _view(s, row)


def do_update_draft(actor: Actor, tenant_id: int, version_id: int, definition: Any) -> VersionView:
    """The committee edits the draft (steps, roles, timing, documents). Checked in full before
    anything is stored: on error nothing changes."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        row = _row(s, version_id, lock=True)
        if row.status != DRAFT:
            raise Conflict("only a draft can be edited", code="version_not_draft")
        proc = check_definition(row.code, row.version, definition)
        row.definition = proc.model_dump(mode="json")
        s.add(row)
        audit(s, actor, "procedure.draft_updated", tenant_id=tenant_id, target_type="procedure_version",
              target_id=row.id, code=row.code, version=row.version, steps=len(proc.steps))
        s.flush()
        return _view(s, row)


def do_submit_draft(actor: Actor, tenant_id: int, version_id: int) -> VersionView:
    """The draft goes to the weekly meeting for review: it can no longer be edited."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    with tenant_session(tenant_id) as s, transaction(s):
        row = _row(s, version_id, lock=True)
        if row.status != DRAFT:
            raise Conflict("only a draft can be submitted", code="version_not_draft")
        check_definition(row.code, row.version, row.definition)
        row.status = REVIEW
        s.add(row)
        audit(s, actor, "procedure.draft_submitted", tenant_id=tenant_id, target_type="procedure_version",
              target_id=row.id, code=row.code, version=row.version, meeting="weekly_coordination_meeting")
        s.flush()
        return _view(s, row)


def do_approve_and_publish(actor: Actor, tenant_id: int, version_id: int, *, change_note: str) -> VersionView:
    """The manager approves the reviewed version: it becomes the one new instances run (the
    previous one is retired; running instances keep theirs), the incidents it answers are
    addressed, and every active member holding a role of the new version is told by e-mail."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    change_note = engine.note_text(change_note, NOTE_MAX, what="change_note")
    if not change_note:
        raise Invalid("say what changed", code="change_note_required")
    now = utcnow()
    with tenant_session(tenant_id) as s, transaction(s):
        row = _row(s, version_id, lock=True)
        if row.status != REVIEW:
            raise Conflict("only a version reviewed in the weekly meeting can be published",
                           code="version_not_in_review")
        proc = check_definition(row.code, row.version, row.definition)
        for old in engine._published_versions(s, row.code):
            old.status = RETIRED
            s.add(old)
        row.status, row.change_note, row.published_at = PUBLISHED, change_note, now
        row.approved_by_membership_id = actor.membership_id
        row.definition = proc.model_dump(mode="json")
        s.add(row)
        addressed = list(s.exec(select(ProcedureIncident).where(ProcedureIncident.version_id == row.id)).all())
        for inc in addressed:
            inc.status = INCIDENT_ADDRESSED
            s.add(inc)
        sent = _notify(s, tenant_id, row, proc)
        audit(s, actor, "procedure.version_published", tenant_id=tenant_id, target_type="procedure_version",
              target_id=row.id, code=row.code, version=row.version, note=change_note[:200], notified=sent,
              incidents=[i.id for i in addressed])
        s.flush()
        return _view(s, row)


def _roles_of(proc: Procedure) -> set[str]:
    roles = {a.role for st in proc.steps for a in st.actors} | \
        {a.fallback for st in proc.steps for a in st.actors if a.fallback}
    return {r for r in roles if r and r != engine.SYSTEM}


def _notify(s: Session, tenant_id: int, row: ProcedureVersion, proc: Procedure) -> int:
    members = q.members_holding(s, _roles_of(proc))
    if not members:
        return 0
    tenant = s.get(Tenant, tenant_id)
    people = s.exec(select(Membership.id, Account).join(Account, Account.id == Membership.account_id)
                    .where(Membership.id.in_([m.id for m in members]), Membership.active.is_(True),
                           Account.active.is_(True))).all()
    base = get_settings().base_url
    sent = 0
    for mid, acc in people:
        lang = acc.locale or (tenant.locale if tenant else None) or "fr"
        values = {"name": acc.full_name, "procedure": f"{proc.code} — {proc.title_fr or proc.title_en}",
                  "version": row.version, "note": row.change_note, "tenant": tenant.name if tenant else "",
                  "link": f"{base}/staff/procedures/{proc.code}"}
        outbox.enqueue(s, EMAIL_KIND, {"to": acc.email,
                                       "subject": t("mail.procedure_version_published.subject", lang, **values),
                                       "text": t("mail.procedure_version_published.body", lang, **values)},
                       key=f"procedure-version-published:{row.id}:{mid}", tenant_id=tenant_id)
        sent += 1
    return sent


# ---------------------------------------------------------------- the diff

def _actors_text(st: dict) -> str:
    out = []
    for a in st.get("actors") or ():
        x = a.get("role", "")
        if a.get("responsibility"):
            x += f":{a['responsibility']}"
        if a.get("fallback"):
            x += f" (→ {a['fallback']})"
        out.append(x)
    return ", ".join(out)


def _due_text(st: dict) -> str:
    d = st.get("due")
    if not d:
        return ""
    off = int(d.get("offset_days") or 0)
    return f"{d.get('anchor', '')} {off:+d}d" + (f" ({d['text_en']})" if d.get("text_en") else "")


def _docs_text(st: dict) -> str:
    return "; ".join(f"{d.get('ref')} {d.get('use')} {d.get('record')}" for d in st.get("documents") or ())


def _branches_text(st: dict) -> str:
    out = []
    for b in st.get("branches") or ():
        target = "end" if b.get("ends") else (f"step {b['goto']}" if b.get("goto") is not None else "next")
        out.append(f"{b.get('key')} → {target}")
    return "; ".join(out)


STEP_FIELDS = {
    "title": lambda st: st.get("title_fr") or st.get("title_en") or "",
    "kind": lambda st: st.get("kind") or "",
    "roles": _actors_text,
    "after": lambda st: "" if st.get("after") is None else ", ".join(str(n) for n in st["after"]),
    "due": _due_text,
    "documents": _docs_text,
    "branches": _branches_text,
    "meeting": lambda st: st.get("meeting") or "",
    "condition": lambda st: st.get("condition") or "",
}


def _words_diff(before: str, after: str) -> tuple[str, str]:
    """Long texts: only the words that changed, marked [-removed-] and {+added+}."""
    a, b = before.split(), after.split()
    out_a: list[str] = []
    out_b: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            keep = a[i1:i2]
            if len(keep) > 6:
                keep = [*keep[:3], "…", *keep[-3:]]
            out_a += keep
            out_b += keep
        else:
            if i2 > i1:
                out_a.append("[-" + " ".join(a[i1:i2]) + "-]")
            if j2 > j1:
                out_b.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out_a), " ".join(out_b)


def diff_definitions(old: dict, new: dict) -> list[DiffLine]:
    lines: list[DiffLine] = []
    for key in ("title_fr", "title_en", "purpose_en"):
        if (old.get(key) or "") != (new.get(key) or ""):
            lines.append(DiffLine(None, key, old.get(key) or "", new.get(key) or ""))
    if (old.get("trigger") or {}) != (new.get("trigger") or {}):
        lines.append(DiffLine(None, "trigger", (old.get("trigger") or {}).get("type", ""),
                              (new.get("trigger") or {}).get("type", "")))
    a = {st["n"]: st for st in old.get("steps") or ()}
    b = {st["n"]: st for st in new.get("steps") or ()}
    for n in sorted(set(a) | set(b)):
        if n not in b:
            lines.append(DiffLine(n, "step", STEP_FIELDS["title"](a[n]), ""))
            continue
        if n not in a:
            lines.append(DiffLine(n, "step", "", STEP_FIELDS["title"](b[n])))
            continue
        for name, get in STEP_FIELDS.items():
            x, y = get(a[n]), get(b[n])
            if x == y:
                continue
            if len(x) > LONG_TEXT or len(y) > LONG_TEXT:
                x, y = _words_diff(x, y)
            lines.append(DiffLine(n, name, x, y))
    return lines


def diff_versions(actor: Actor, tenant_id: int, code: str, a: int, b: int) -> list[DiffLine]:
    """What changed from version `a` to version `b`: steps added and removed, and for each
    step kept, (step, field, before, after) per field changed."""
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    code = engine._check_code(code)
    if _int(a) is None or _int(b) is None:
        raise NotFound("no such version")
    with tenant_session(tenant_id) as s:
        by_number = {v.version: v for v in _versions(s, actor, code, with_definition=True)}
    if a not in by_number or b not in by_number:
        raise NotFound("no such version")
    return diff_definitions(by_number[a].definition, by_number[b].definition)


# ---------------------------------------------------------------- incidents

def _incident_view(s: Session, rows: list[ProcedureIncident]) -> list[IncidentView]:
    who = _names(s, {r.raised_by_membership_id for r in rows})
    return [IncidentView(r.id, r.code, r.description, r.status, who.get(r.raised_by_membership_id, ""), r.raised_at,
                         r.meeting_id, r.decision_note, r.decided_at, r.version_id) for r in rows]


def _known_code(s: Session, code: Any) -> str:
    code = engine._check_code(code)
    engine._current(s, code)  # the book's or the centre's own: not_found otherwise
    return code


def do_log_incident(actor: Actor, tenant_id: int, *, code: str | None = None, description: str,
                    meeting_id: int | None = None) -> IncidentView:
    """Something that went wrong or was missing in a procedure (`code` None: a procedure the
    centre lacks), raised in a monthly meeting."""
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    description = engine.note_text(description, DESCRIPTION_MAX, what="description")
    if not description:
        raise Invalid("describe the incident", code="description_required")
    if meeting_id is not None and _int(meeting_id) is None:
        raise NotFound("no such meeting", code="event_not_found")
    with tenant_session(tenant_id) as s, transaction(s):
        if code not in (None, ""):
            code = _known_code(s, code)
        else:
            code = None
        if meeting_id is not None and s.exec(select(Event.id).where(Event.id == meeting_id)).first() is None:
            raise NotFound("no such meeting", code="event_not_found")
        row = ProcedureIncident(tenant_id=tenant_id, code=code, description=description,
                                raised_by_membership_id=actor.membership_id, meeting_id=meeting_id,
                                status=INCIDENT_OPEN, raised_at=utcnow())
        s.add(row)
        s.flush()
        audit(s, actor, "procedure.incident_logged", tenant_id=tenant_id, target_type="procedure_incident",
              target_id=row.id, code=code)
        return _incident_view(s, [row])[0]


def list_incidents(actor: Actor, tenant_id: int, status: str | None = None, page: int = 1,
                   per_page: int = 25) -> tuple[list[IncidentView], int]:
    require(actor, Perm.PROCEDURE_VIEW, tenant_id=tenant_id)
    if status not in (None, "", *INCIDENT_STATUSES):
        raise Invalid(f"unknown status {status!r}", code="invalid_filter")
    page, per_page = engine._page(page, per_page)
    with tenant_session(tenant_id) as s:
        where = [ProcedureIncident.status == status] if status else []
        total = s.exec(select(func.count()).select_from(ProcedureIncident).where(*where)).one()
        rows = list(s.exec(select(ProcedureIncident).where(*where)
                           .order_by(ProcedureIncident.raised_at.desc(), ProcedureIncident.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all())
        return _incident_view(s, rows), int(total)


def do_decide_incident(actor: Actor, tenant_id: int, incident_id: int, *, accept: bool, note: str) -> IncidentView:
    """The semester meeting's decision: accepted (a procedure will be created or revised: the
    next draft of it may answer the incident) or dismissed, with the meeting's note."""
    require(actor, Perm.PROCEDURE_MANAGE, tenant_id=tenant_id)
    if not isinstance(accept, bool):
        raise Invalid("accept or dismiss", code="invalid", field="accept")
    note = engine.note_text(note, DESCRIPTION_MAX, what="note")
    if not note:
        raise Invalid("record the meeting's decision", code="reason_required")
    iid = _int(incident_id)
    if iid is None:
        raise NotFound("no such incident")
    with tenant_session(tenant_id) as s, transaction(s):
        row = s.exec(select(ProcedureIncident).where(ProcedureIncident.id == iid).with_for_update()
                     .execution_options(populate_existing=True)).first()
        if row is None:
            raise NotFound("no such incident")
        if row.status != INCIDENT_OPEN:
            raise Conflict("this incident is already decided", code="incident_already_decided")
        row.status = INCIDENT_ACCEPTED if accept else INCIDENT_DISMISSED
        row.decision_note, row.decided_at = note, utcnow()
        s.add(row)
        audit(s, actor, "procedure.incident_decided", tenant_id=tenant_id, target_type="procedure_incident",
              target_id=row.id, status=row.status, note=note[:200])
        s.flush()
        return _incident_view(s, [row])[0]
