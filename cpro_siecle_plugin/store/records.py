"""Plain records the ledger hands out, so callers never hold a database row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class SchoolRecord:
    """A school as the ledger knows it; ``version`` changes with every import applied."""

    uaj: str
    name: str | None = None
    last_year: int | None = None
    has_sts_import: bool = False
    version: int = 0
    version_plan_id: int | None = None
    structures: tuple[str, ...] = ()
    source: str = "siecle"


@dataclass(frozen=True)
class PlanRecord:
    """A stored plan's bookkeeping (``data`` is ``Plan.to_data()``)."""

    id: int
    uaj: str
    checksum: str
    data: dict[str, Any]
    extra: dict[str, Any]
    state_version: int
    created_by: str
    created_at: datetime
    files: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class RunRecord:
    """One apply of a plan, for the import history."""

    id: int
    uaj: str
    plan_id: int
    user: str
    started: datetime
    finished: datetime | None
    files: tuple[str, ...]
    counts: dict[str, Any]
    #: ``running``, ``success``, ``partial`` (some records refused), ``failed`` (the host
    #: failed mid-way) or ``interrupted`` (its process died, or its lock was released).
    result: str
    error: str | None = None
    report: dict[str, Any] | None = field(default=None, repr=False)
    #: The later run of the same plan whose report is the complete one.
    resumed_by: int | None = None

    @property
    def result_label(self) -> str:
        """French label of ``result``."""
        return {
            "running": "en cours",
            "success": "réussie",
            "partial": "terminée avec des refus",
            "failed": "interrompue",
            "interrupted": "interrompue",
        }.get(self.result, self.result)


@dataclass(frozen=True)
class PersonRecord:
    """A person of the ledger, with what a password reset or a login list needs."""

    key: str
    uaj: str
    population: str
    username: str
    firstname: str
    lastname: str
    host_id: int | None
    active: bool
    suspended: bool
    birth_date: date | None = field(default=None, repr=False)
    deactivated_on: date | None = None
    cohorts: tuple[str, ...] = ()
