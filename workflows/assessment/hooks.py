"""Who hears of an evaluated assessment (the benchmark keeps its figures in step), registered on
import so the evaluation does not import its listeners."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

# called inside the transaction that stores the evaluation, with a system session
EVALUATED_HOOKS: list[Callable[[Session, object], None]] = []
