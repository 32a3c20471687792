"""What is already imported: the last import of the teachers' and of the pupils' files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain import SchoolScope
from ..french import school_year
from ..service import SiecleService
from ..store.ledger import Ledger
from .presenters import count_rows

#: How many past runs are looked at, latest first, to find the last import of each kind.
LOOK_BACK = 10


def _kinds(populations: list[str]) -> set[str]:
    """``sts`` and/or ``students`` for the populations of a plan's files."""
    kinds = {"sts"} if "sts" in populations else set()
    if {"eleves", "responsables"} & set(populations):
        kinds.add("students")
    return kinds


def last_imports(
    service: SiecleService,
    ledger: Ledger,
    local_time: Callable[[datetime], str],
    scope: SchoolScope | None = None,
) -> dict[str, dict[str, Any]]:
    """The last completed import of each kind: ``sts`` and ``students`` (absent if none),
    among the schools in ``scope`` (every school when ``None``).

    Each value: ``run_id``, ``when`` (local time), ``user``, ``year`` (``2025-2026``),
    ``files`` and ``counts`` ((French label, number) of what was done).
    """
    found: dict[str, dict[str, Any]] = {}
    for run in service.history(scope=scope)[:LOOK_BACK]:
        if run.result not in ("success", "partial"):
            continue
        meta = ledger.plan_record(run.plan_id).data.get("meta") or {}
        row = {
            "run_id": run.id,
            "when": local_time(run.finished or run.started),
            "user": run.user,
            "year": school_year(meta.get("year")),
            "files": run.files,
            "counts": count_rows(run.counts, done=True),
        }
        for kind in _kinds(list(meta.get("populations") or ())):
            found.setdefault(kind, row)
        if len(found) == 2:
            break
    return found
