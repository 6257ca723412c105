"""Procedure engine at scale (issue 6).

Goals: a manager's inbox with 2,000 open tasks under 100 ms (median); starting the academic
year (every yearly procedure for one tenant) under 2 s.
"""

from __future__ import annotations

import random
from datetime import UTC, date, timedelta

from sqlalchemy import insert, text

from integrations.db import get_engine, system_session, utcnow
from tenants.calendar import services as cal
from tests.bench.conftest import Result, compare
from workflows.procedures import catalog
from workflows.procedures import services as svc
from workflows.procedures.models import DONE, OPEN, RUNNING, ProcedureInstance, ProcedureTask

N_INSTANCES = 100
OPEN_PER_INSTANCE = 20  # 2,000 open tasks in the manager's inbox
DONE_PER_INSTANCE = 30  # and 3,000 done ones beside them


def _seed_inbox(world) -> None:
    rnd = random.Random(6)
    definition = catalog.load("P10").model_dump(mode="json")
    now = utcnow()
    instances, tasks = [], []
    tid = 0
    for i in range(N_INSTANCES):
        iid = i + 1
        instances.append({"id": iid, "tenant_id": world.tenant_id, "code": "P10", "version": 1,
                          "title": f"P10 — Activité {i}", "definition": definition, "status": RUNNING,
                          "trigger": "manual", "subject_type": "", "subject_id": None, "started_at": now})
        for j in range(OPEN_PER_INSTANCE + DONE_PER_INSTANCE):
            tid += 1
            is_open = j < OPEN_PER_INSTANCE
            tasks.append({"id": tid, "tenant_id": world.tenant_id, "instance_id": iid, "step_n": j % 20 + 1,
                          "title": f"Étape {j}", "kind": "task", "status": OPEN if is_open else DONE,
                          "role": "manager" if is_open else rnd.choice(["career_counselor", "manager"]),
                          "responsibility": None, "assignee_membership_id": None, "meeting": None,
                          "due_at": now + timedelta(days=rnd.randrange(-20, 60)), "opened_at": now,
                          "completed_at": None if is_open else now, "note": "", "branch": None})
    with system_session("bench seed") as s:
        s.execute(insert(ProcedureInstance), instances)
        for chunk in range(0, len(tasks), 2000):
            s.execute(insert(ProcedureTask), tasks[chunk:chunk + 2000])
        s.commit()


def test_manager_inbox_with_2000_open_tasks(world_a, record):
    _seed_inbox(world_a)
    actor = world_a.manager.actor
    page = svc.inbox(actor, world_a.tenant_id)
    assert page.total == N_INSTANCES * OPEN_PER_INSTANCE and len(page.items) == 25
    engine = get_engine()
    is_sqlite = engine.dialect.name == "sqlite"
    now = utcnow()
    p = {"t": world_a.tenant_id, "m": world_a.manager.membership_id,
         "n": now.astimezone(UTC).replace(tzinfo=None) if is_sqlite else now,
         "w": (now + timedelta(days=7)).astimezone(UTC).replace(tzinfo=None) if is_sqlite else now + timedelta(days=7)}
    scope = ("tenant_id = :t AND status = 'open' AND (assignee_membership_id = :m OR "
             "(assignee_membership_id IS NULL AND role IN ('manager') AND responsibility IS NULL))")
    counts = text(f"SELECT count(*), sum(CASE WHEN due_at < :n THEN 1 ELSE 0 END), "
                  f"sum(CASE WHEN due_at >= :n AND due_at < :w THEN 1 ELSE 0 END) FROM procedure_task WHERE {scope}")
    rows = text(f"SELECT * FROM procedure_task WHERE {scope} ORDER BY due_at IS NULL, due_at, id LIMIT 25")
    insts = text("SELECT id, title, code, definition, subject_type, subject_id FROM procedure_instance "
                 "WHERE tenant_id = :t AND id IN (SELECT instance_id FROM procedure_task WHERE "
                 f"{scope} ORDER BY due_at IS NULL, due_at, id LIMIT 25)")

    def bare():
        with engine.begin() as conn:
            if not is_sqlite:
                conn.execute(text("SELECT set_config('cc.tenant_id', :t, true)"), {"t": str(world_a.tenant_id)})
            return conn.execute(counts, p).one(), conn.execute(rows, p).all(), conn.execute(insts, p).all()

    assert bare()[0][0] == page.total
    median, base = compare(lambda: svc.inbox(actor, world_a.tenant_id), bare, rounds=40, warmup=3)
    r = record(Result(f"manager inbox, page of 25 ({page.total} open tasks)", "< 100 ms median", median,
                      "the same three SELECTs on a raw connection", base))
    assert r.median_s < 0.100, f"inbox took {r.median_s * 1e3:.1f} ms"


def test_start_academic_year_for_one_tenant(world_a, record):
    a = world_a
    years = []
    for k in range(8):
        y = cal.do_set_academic_year(a.manager.actor, a.tenant_id, {
            "label": f"{2030 + k}-{2031 + k}", "starts_on": date(2030 + k, 9, 14),
            "ends_on": date(2031 + k, 7, 10),
            "semesters": [{"starts_on": date(2030 + k, 9, 14), "ends_on": date(2031 + k, 1, 31)},
                          {"starts_on": date(2031 + k, 2, 8), "ends_on": date(2031 + k, 7, 10)}]})
        years.append(y.id)
    todo = iter(years)
    first = svc.start_academic_year(a.manager.actor, a.tenant_id, next(todo))
    yearly = [p for p in catalog.all_procedures() if p.trigger.type == "academic_year_start"]
    assert len(first) == len(yearly)
    n_tasks = sum(len(p.steps) for p in yearly)
    definitions = [p.model_dump(mode="json") for p in yearly]
    engine = get_engine()

    def bare():
        # the same rows written with the least machinery: one INSERT per instance, its tasks at once
        with engine.begin() as conn:
            if engine.dialect.name != "sqlite":
                conn.execute(text("SELECT set_config('cc.tenant_id', :t, true)"), {"t": str(a.tenant_id)})
            now = utcnow()
            for d in definitions:
                iid = conn.execute(insert(ProcedureInstance), {
                    "tenant_id": a.tenant_id, "code": d["code"], "version": 1, "title": d["title_fr"],
                    "definition": d, "status": RUNNING, "trigger": "academic_year_start",
                    "subject_type": "academic_year", "subject_id": None, "started_at": now}).inserted_primary_key[0]
                conn.execute(insert(ProcedureTask), [
                    {"tenant_id": a.tenant_id, "instance_id": iid, "step_n": st["n"], "title": st["title_fr"],
                     "kind": st["kind"], "status": "waiting", "role": st["actors"][0]["role"], "note": ""}
                    for st in d["steps"]])

    median, base = compare(lambda: svc.start_academic_year(a.manager.actor, a.tenant_id, next(todo)), bare,
                           rounds=5, warmup=1)
    r = record(Result(f"start the academic year ({len(yearly)} procedures, ~{n_tasks} tasks)", "< 2 s median",
                      median, "the same instance and task INSERTs on a raw connection", base))
    assert r.median_s < 2.0, f"starting the year took {r.median_s:.2f} s"
