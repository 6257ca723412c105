"""The framework's floor for the served REST benchmark: one FastAPI route that runs the bare
conditional UPDATE taking a seat (event and tenant from the environment), nothing else."""

from __future__ import annotations

import functools
import os

from fastapi import FastAPI
from sqlalchemy import text

from integrations.db import owner_engine

BARE_UPDATE = text("UPDATE event SET registered_count = registered_count + 1 "
                   "WHERE id = :id AND tenant_id = :t AND (capacity IS NULL OR registered_count < capacity)")
_KEY = {"id": int(os.environ.get("CC_BENCH_FLOOR_EVENT", "0")), "t": int(os.environ.get("CC_BENCH_FLOOR_TENANT", "0"))}
_engine = functools.cache(owner_engine)  # made in the served process, at its first call
app = FastAPI()


@app.get("/")
def ready() -> dict:
    return {}


@app.post("/take")
def take() -> dict:
    with _engine().begin() as conn:
        if conn.execute(BARE_UPDATE, _KEY).rowcount != 1:
            raise RuntimeError("no seat taken")
    return {"status": "confirmed"}
