"""The 31 procedure definitions (issue 6 §1): they load and validate, and every step, actor,
kind, document, meeting and trigger of the procedure book maps to something in the product."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from tenants.calendar.types import ACTIVITY_TYPES
from tenants.core.roles import ROLE_PERMISSIONS, Perm, Responsibility, Role
from workflows.procedures import catalog
from workflows.procedures.schema import STEP_KINDS, Procedure
from workflows.procedures.tools import import_book

BOOK_PATH = Path(import_book.BOOK)


@pytest.fixture(scope="module")
def book() -> dict:
    with BOOK_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def procedures(book) -> list[dict]:
    return book["procedures"]


def _key(actor) -> tuple[str, str | None]:
    return (actor.role, actor.responsibility)


def problems(defn: Procedure, proc: dict) -> list[str]:
    """What in `defn` does not match the book's procedure `proc` (empty: all maps)."""
    out: list[str] = []
    steps = {s.n: s for s in defn.steps}
    if len(defn.steps) != len(proc["steps"]):
        out.append(f"{len(defn.steps)} steps, the book has {len(proc['steps'])}")
    for bs in proc["steps"]:
        n = bs["n"]
        step = steps.get(n)
        if step is None:
            out.append(f"step {n} missing")
            continue
        if step.kind != catalog.KINDS.get(bs["kind"]):
            out.append(f"step {n}: kind {step.kind}, the book says {bs['kind']}")
        have = {_key(a) for a in step.actors}
        roles = {a.role for a in step.actors}
        if not bs["actors"] and roles != {"system"}:
            out.append(f"step {n}: the product does it, not {roles}")
        for name in bs["actors"]:
            mapping = catalog.ROLES.get(name)
            if mapping is None:
                out.append(f"step {n}: actor {name} has no ROLES entry")
                continue
            if mapping.party:
                if not mapping.roles & roles:
                    out.append(f"step {n}: nobody in {sorted(mapping.roles)} acts for the party {name}")
                continue
            wanted = {_key(a) for a in catalog.step_actors(name, bs["kind"])}
            if not wanted <= have:
                out.append(f"step {n}: actor {name} ({sorted(wanted, key=str)}) is not among {sorted(have, key=str)}")
        docs = {(d.ref, d.use): d for d in step.documents}
        for d in bs.get("documents") or ():
            rec = catalog.RECORDS.get(d["ref"])
            if rec is None:
                out.append(f"step {n}: document {d['ref']} has no RECORDS entry")
            mine = docs.get((d["ref"], d["use"]))
            if mine is None:
                out.append(f"step {n}: document {d['ref']} ({d['use']}) missing")
            elif rec is not None and mine.record != rec.key:
                out.append(f"step {n}: document {d['ref']} is record {mine.record}, not {rec.key}")
        if bs.get("meeting"):
            if bs["meeting"] not in catalog.MEETINGS:
                out.append(f"step {n}: meeting {bs['meeting']} has no MEETINGS entry")
            elif step.meeting != catalog.MEETINGS[bs["meeting"]]:
                out.append(f"step {n}: meeting {step.meeting}, expected {catalog.MEETINGS[bs['meeting']]}")
        if bs.get("duplicate_of") and not step.optional:
            out.append(f"step {n}: duplicate of step {bs['duplicate_of']} but not optional")
    return out


# ---------------------------------------------------------------------------------------------


def test_all_31_load_and_validate():
    defs = catalog.all_procedures()
    assert [d.code for d in defs] == [f"P{i:02d}" for i in range(1, 32)]
    assert all(d.version == 1 for d in defs)
    assert sum(len(d.steps) for d in defs) == 293
    for d in defs:  # round trip through the schema, as the engine stores it
        assert Procedure.model_validate(d.model_dump()) == d
    assert catalog.load("P01") is catalog.load("P01")  # read once
    with pytest.raises(KeyError):
        catalog.load("P32")
    with pytest.raises(KeyError):
        catalog.load("../schema")


def test_definitions_are_package_data():
    files = {f.name for f in resources.files("workflows.procedures.definitions").iterdir()}
    assert {f"P{i:02d}.yaml" for i in range(1, 32)} <= files
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"*.yaml"' in pyproject and "pyyaml" in pyproject


def test_book_counts(book, procedures):
    counts = book["meta"]["counts"]
    assert len(procedures) == counts["procedures"] == 31
    assert sum(len(p["steps"]) for p in procedures) == counts["steps"] == 293
    by_kind: dict[str, int] = {}
    for p in procedures:
        for s in p["steps"]:
            by_kind[s["kind"]] = by_kind.get(s["kind"], 0) + 1
    assert by_kind == counts["steps_by_kind"]


@pytest.mark.parametrize("code", [f"P{i:02d}" for i in range(1, 32)])
def test_every_step_of_the_book_maps(code, procedures):
    proc = next(p for p in procedures if p["id"] == code)
    defn = catalog.load(code)
    assert defn.title_fr == proc["title_fr"] and defn.family == proc["family"]
    assert problems(defn, proc) == []


def test_definitions_are_the_converter_output(procedures):
    """The committed files are what the converter writes from the book (nobody edited them)."""
    for proc in procedures:
        path = catalog.DEFINITIONS_DIR / f"{proc['id']}.yaml"
        assert yaml.safe_load(path.read_text(encoding="utf-8")) == import_book.convert(proc), proc["id"]


def test_a_broken_definition_fails(procedures):
    data = yaml.safe_load((catalog.DEFINITIONS_DIR / "P01.yaml").read_text(encoding="utf-8"))
    broken = [copy.deepcopy(data) for _ in range(5)]
    broken[0]["steps"][4]["actors"] = []  # a step with nobody
    broken[1]["steps"][4]["branches"][1]["goto"] = 99  # a branch to nowhere
    broken[2]["steps"][1]["n"] = 1  # two steps 1
    broken[3]["steps"][0]["kind"] = "meeting"  # not a kind
    broken[4]["steps"][2]["after"] = [3]  # waits for itself
    for bad in broken:
        with pytest.raises(ValidationError):
            Procedure.model_validate(bad)
    # a valid definition that drifted from the book is caught by the mapping check
    proc = next(p for p in procedures if p["id"] == "P01")
    drift = copy.deepcopy(data)
    drift["steps"][4]["actors"] = [{"role": "manager"}]  # the host institution no longer approves
    drift["steps"][0]["kind"] = "task"
    drift["steps"][0]["documents"] = drift["steps"][0]["documents"][1:]
    found = problems(Procedure.model_validate(drift), proc)
    assert any("step 5: actor host_institution" in p for p in found)
    assert any("step 1: kind task" in p for p in found)
    assert any("doc:annual_closing_meeting_minutes (input) missing" in p for p in found)


# ---------------------------------------------------------------------------------------------
# the tables


def test_roles_cover_every_actor_of_the_book(book, procedures):
    conv = book["meta"]["conventions"]
    assert set(conv["actors"]) | set(conv["actor_groups"]) <= set(catalog.ROLES)
    assert set(conv["other_parties"]) <= set(catalog.PARTIES)
    used = {a for p in procedures for s in p["steps"] for a in s["actors"]}
    used |= {s["group"] for p in procedures for s in p["steps"] if s.get("group")}
    assert used <= set(catalog.ROLES)
    product_roles = {r.value for r in Role} | {"system"}
    responsibilities = {r.value for r in Responsibility}
    for name, mapping in {**catalog.ROLES, **catalog.PARTIES}.items():
        assert mapping.actors, name
        for a in mapping.actors:
            assert a.role in product_roles, (name, a.role)
            assert a.responsibility is None or a.responsibility in responsibilities
        if mapping.party:  # an outside party is handled by the centre's staff
            assert mapping.roles <= {"manager", "career_counselor", "business_developer"}, name
            assert mapping.note, name
    assert catalog.ROLES["cc_team"].roles == {"manager", "career_counselor", "business_developer"}
    assert catalog.ROLES["cc_team"].mode == "all"
    assert catalog.ROLES["business_developer"].actors[0].fallback == "manager"
    assert catalog.step_actors("host_institution", "approval")[0].role == "host_approver"
    assert catalog.step_actors("host_institution", "notification")[0].role == "host_focal_point"
    assert catalog.ROLES["company"].account_role == "company_contact"
    assert catalog.ROLES["student"].account_role == "student"
    assert {a.role for a in catalog.ROLES["company"].actors} == {"business_developer"}


def test_every_step_holder_can_act_from_the_inbox():
    """Tasks go to roles that may see and complete procedure tasks (students, company contacts
    and external evaluators act in their own modules; staff follow up)."""
    for d in catalog.all_procedures():
        for s in d.steps:
            for a in s.actors:
                for role in filter(None, (a.role, a.fallback)):
                    if role == "system":
                        continue
                    assert Perm.PROCEDURE_VIEW in ROLE_PERMISSIONS[Role(role)], (d.code, s.n, role)


def test_kinds_meetings_records():
    assert set(catalog.KINDS) == set(STEP_KINDS) == set(catalog.KIND_MEANINGS)
    assert all(catalog.KINDS[k] == k for k in STEP_KINDS)
    calendar_meetings = {c for c, t in ACTIVITY_TYPES.items() if t.meeting}
    for book_meeting, key in catalog.MEETINGS.items():
        assert key in calendar_meetings or key in ("ad_hoc_evaluation_meeting", "procedure_committee_session"), (
            book_meeting)
    open_issues = {7, 8}
    for ref, rec in catalog.RECORDS.items():
        assert rec.key and rec.module and rec.note, ref
        assert rec.available or rec.issue in open_issues, ref
        assert not (rec.available and rec.issue), ref
    # what exists now really exists
    root = Path(__file__).resolve().parents[2]
    for rec in catalog.RECORDS.values():
        if rec.available:
            assert (root / rec.module).exists(), rec.module
    for ref in ("M30", "M32", "M33", "M36", "M44", "M45", "M46", "T01", "T02", "T03", "T04", "T05", "BD01",
                "GENERAL_GUIDE", "MANAGEMENT_TOOL", "VIRTUAL_CC", "REFERENCE_STANDARD_MODEL"):
        assert ref in catalog.RECORDS
    assert catalog.RECORDS["T05"].key == "certificate" and catalog.RECORDS["T05"].available
    assert catalog.RECORDS["M30"].available and catalog.RECORDS["BD01"].available
    assert catalog.RECORDS["M30"].module == "workflows/planning" and catalog.RECORDS["T03"].module == "workflows/reporting"
    assert catalog.RECORDS["BD01"].module == "tenants/sourcing/partners"
    assert catalog.RECORDS["M32"].key == "planning" and catalog.RECORDS["M36"].key == "image_waiver"


def test_every_trigger_maps(procedures):
    for proc in procedures:
        trig = catalog.load(proc["id"]).trigger
        timing = proc["trigger"]["timing"] or ""
        if timing.startswith(("start of year", "start of school year", "first month of the year")):
            assert trig.type == "academic_year_start", proc["id"]
        if timing == "end of academic year":
            assert trig.type == "academic_year_end", proc["id"]
        if timing == "start of semester 2":
            assert trig.type == "semester_2_start", proc["id"]
        if proc["trigger"]["recurrence"] == "monthly" and proc["trigger"]["type"] == "calendar":
            # P08's workshops are planned monthly but each workshop runs its own instance, started
            # when the workshop is created in the calendar (its steps are the workshop's day)
            assert trig.type == ("event_created" if proc["id"] == "P08" else "month_start"), proc["id"]
        if proc["trigger"]["type"] == "request":
            # P22's request is a company's job need: submitting one starts the procedure (issue 5)
            assert trig.type == ("job_need_submitted" if proc["id"] == "P22" else "request"), proc["id"]
        if trig.type == "event_created":
            assert trig.event_types and set(trig.event_types) <= set(ACTIVITY_TYPES), proc["id"]
        else:
            assert not trig.event_types
        assert trig.text_en == timing
    # creating an event of these types starts their own procedure
    for code, etype in (("P08", "workshop"), ("P11", "external_job_fair"), ("P20", "company_visit"),
                        ("P21", "job_fair")):
        assert etype in catalog.load(code).trigger.event_types
        assert ACTIVITY_TYPES[etype].procedure == code
    assert catalog.load("P30").trigger.type == "event_created"


# ---------------------------------------------------------------------------------------------
# the issue's named rules


def test_p01_host_approval():
    step = catalog.load("P01").step(5)
    assert step.kind == "approval"
    assert [a.role for a in step.actors] == ["host_approver"]
    assert [b.key for b in step.branches] == ["approve", "refuse"]
    assert step.branches[1].goto == 4  # refused: the manager reworks the plan
    p01 = catalog.load("P01")
    assert {a.role for a in p01.step(2).actors} == {"career_counselor", "business_developer"}
    assert p01.step(2).mode == "all"


def test_business_developer_falls_back_to_the_manager():
    for code in ("P21", "P23"):
        steps = [s for s in catalog.load(code).steps if "business_developer" in {a.role for a in s.actors}]
        assert steps
        for s in steps:
            bd = next(a for a in s.actors if a.role == "business_developer")
            assert bd.fallback == "manager" or "manager" in {a.role for a in s.actors}, (code, s.n)
    assert catalog.load("P21").step(2).actors[0].fallback == "manager"
    assert catalog.load("P23").step(1).actors[0].fallback == "manager"


def test_timing_rules_of_the_issue():
    p30 = catalog.load("P30").step(1).due  # content at least 3 months before the event
    assert p30.anchor == "event_start" and p30.offset_days <= -90
    p21 = catalog.load("P21").step(3).due  # committees at least 3 months before the fair
    assert p21.anchor == "event_start" and p21.offset_days <= -90
    p27 = catalog.load("P27").step(1).due  # one month before the year's end
    assert p27.anchor == "academic_year_end" and -31 <= p27.offset_days <= -28
    p24 = catalog.load("P24").step(2).due  # statistics before the weekly cut-off
    assert p24.anchor == "week_cutoff" and p24.offset_days <= 0
    assert catalog.load("P02").step(1).due.anchor == "semester_2_start"
    assert catalog.load("P01").step(1).due.anchor == "academic_year_end"


def test_every_step_has_a_due_date_and_approvals_have_branches():
    for d in catalog.all_procedures():
        for s in d.steps:
            assert s.due is not None, (d.code, s.n)
            if s.kind == "approval":
                assert [b.key for b in s.branches] == ["approve", "refuse"], (d.code, s.n)
            if s.kind.startswith("review_in_"):
                assert s.meeting, (d.code, s.n)


def test_branches_and_joins():
    p19 = catalog.load("P19")
    six = p19.step(6)
    assert {b.goto for b in six.branches} == {7, 8}
    assert p19.step(8).after == [6]
    assert p19.step(21).optional and p19.step(22).optional  # duplicates in the book
    p20 = catalog.load("P20")
    assert {b.goto for b in p20.step(8).branches} == {9, 10}
    assert p20.step(10).after == [8, 9] and p20.step(10).join == "any"
    p10 = catalog.load("P10")  # "in parallel": step 2 beside step 1, step 10 beside step 9
    assert p10.step(2).after == [] and p10.step(3).after == [1, 2]
    assert p10.step(10).after == [8] and p10.step(13).after == [11, 12]
    assert catalog.load("P15").step(10).join == "all" and len(catalog.load("P15").step(10).after) > 1
    assert catalog.load("P12").step(4).optional  # 'Éventuellement'
    assert catalog.load("P08").step(10).actors[0].role == "system"
    p28 = catalog.load("P28")  # the self-assessment path, saying what the external variant does
    assert {a.role for a in p28.step(1).actors} == {"manager"}
    assert "External evaluation:" in p28.step(1).title_en


# ---------------------------------------------------------------------------------------------
# every definition runs in the engine, on the first outcome and on the last (refusals, rework)


def _tasks(tenant_id: int, instance_id: int):
    from sqlmodel import select

    from integrations.db import tenant_session
    from workflows.procedures.models import ProcedureTask

    with tenant_session(tenant_id) as s:
        return list(s.exec(select(ProcedureTask).where(ProcedureTask.instance_id == instance_id)
                           .order_by(ProcedureTask.step_n, ProcedureTask.id)).all())


def test_every_definition_runs_to_the_end(world_a):
    from integrations.db import tenant_session
    from workflows.procedures import services as sv
    from workflows.procedures.models import COMPLETED, OPEN, ProcedureInstance

    w = world_a
    holder = {}
    for person in w.people.values():
        for role in person.roles:
            holder.setdefault(role, person)
    for proc in catalog.all_procedures():
        for first in (True, False):
            decided: set[int] = set()
            iid = sv.do_start_instance(w.manager.actor, w.tenant_id, proc.code, label=f"run {first}").id
            for _ in range(300):
                ready = [t for t in _tasks(w.tenant_id, iid) if t.status == OPEN]
                if not ready:
                    break
                t = ready[0]
                step = proc.step(t.step_n)
                who = holder[t.role].actor
                if step.branches:  # the last outcome once (refuse, rework), then the first
                    key = step.branches[0 if first or step.n in decided else -1].key
                    decided.add(step.n)
                    sv.do_decide(who, w.tenant_id, t.id, key)
                else:
                    sv.do_complete_task(who, w.tenant_id, t.id)
            with tenant_session(w.tenant_id) as s:
                assert s.get(ProcedureInstance, iid).status == COMPLETED, (proc.code, first)
