"""The kinds of case of the handler isolation matrix (tests/ui/test_handler_isolation.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Probe:
    """Called with A's ids. `expect`: the error shown ('not_found'), or 'nothing' for a
    handler that only looks in rows already on screen and must simply do nothing."""

    path: str | Callable[[dict], str]
    args: Callable[[dict], tuple]
    snapshot: Callable[[dict], object]
    expect: str = "not_found"
    # who in A may do it (the positive control)
    owner: str = "manager"


@dataclass
class View:
    """A page load or a listing, called as B: must not reveal anything of A."""

    path: str | Callable[[dict], str]
    args: Callable[[dict], tuple] = field(default=lambda a: ())


@dataclass
class Public:
    """No tenant data behind it (or only what a public page shows): declared, not probed."""

    reason: str
