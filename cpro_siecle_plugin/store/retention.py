"""How long the ledger keeps personal data, and the purge that enforces it.

Delays (``CPRO_SIECLE_*`` settings, see :class:`Retention`), initial passwords first:

- a **preview never applied** is deleted after ``PREVIEW_RETENTION_HOURS``;
- an **unfinished import** (interrupted, not continued) is closed after
  ``INTERRUPTED_RETENTION_DAYS``: the report of what it did goes to its last run, its plan
  keeps no password nor name any more;
- **initial passwords** are dropped from the reports after ``PASSWORD_RETENTION_DAYS``
  (« Identifiants » can still reset a password to its initial value);
- **reports** lose every name, login and e-mail after ``REPORT_RETENTION_DAYS``; the run
  keeps who imported, when, which files and the counts.

A plan fully applied keeps no personal data at all (its report has it). A person deleted for
good (GDPR) is scrubbed at once from every stored plan and report (:mod:`.gdpr`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import Session

from ..config import Settings
from .closing import close_plan
from .gdpr import PERSONAL
from .locks import STALE_AFTER, lock_record
from .runs import UNFINISHED
from .tables import JournalRow, LockRow, PlanPartRow, PlanRow, RunRow

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Retention:
    """The delays of the purge."""

    previews: timedelta = timedelta(hours=24)
    interrupted: timedelta = timedelta(days=7)
    passwords: timedelta = timedelta(days=30)
    reports: timedelta = timedelta(days=365)
    #: An unfinished plan whose school's lock spoke within this delay may be running.
    lock_stale_after: timedelta = STALE_AFTER

    @classmethod
    def of(cls, settings: Settings) -> Retention:
        """The delays the ``CPRO_SIECLE_*_RETENTION_*`` settings give."""
        return cls(previews=timedelta(hours=settings.preview_retention_hours),
                   interrupted=timedelta(days=settings.interrupted_retention_days),
                   passwords=timedelta(days=settings.password_retention_days),
                   reports=timedelta(days=settings.report_retention_days),
                   lock_stale_after=settings.lock_stale_after)


def purge(s: Session, policy: Retention, at: datetime) -> dict[str, int]:
    """Apply ``policy`` at ``at``; returns how many previews, plans and reports it changed."""
    counts = {"previews": _previews(s, at - policy.previews),
              "interrupted": _unfinished(s, at - policy.interrupted,
                                             policy.lock_stale_after)}
    counts["passwords"] = _reports(s, at - policy.passwords, "passwords", _no_passwords)
    counts["reports"] = _reports(s, at - policy.reports, "personal", _no_personal)
    if any(counts.values()):
        log.info("Données personnelles purgées : %s.", counts)
    return counts


def _previews(s: Session, before: datetime) -> int:
    ran = exists().where(RunRow.plan_id == PlanRow.id)
    ids = list(s.scalars(select(PlanRow.id).where(PlanRow.status == "previewed",
                                                  PlanRow.created_at < before, ~ran)))
    _delete_plans(s, ids)
    return len(ids)


def _delete_plans(s: Session, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 500):
        s.execute(delete(PlanPartRow).where(PlanPartRow.plan_id.in_(ids[start:start + 500])))
        s.execute(delete(PlanRow).where(PlanRow.id.in_(ids[start:start + 500])))


def _unfinished(s: Session, before: datetime, stale_after: timedelta) -> int:
    plans = s.scalars(select(PlanRow).where(PlanRow.status.in_(UNFINISHED),
                                            PlanRow.created_at < before)).all()
    closed = 0
    for plan in plans:
        lock = s.get(LockRow, plan.uaj)
        if lock is not None and not lock_record(lock, stale_after).stale:
            continue  # it may be running right now
        close_plan(s, plan)
        s.execute(delete(JournalRow).where(JournalRow.checksum == plan.checksum))
        closed += 1
    return closed


def _reports(s: Session, before: datetime, level: str,
             strip: Any) -> int:
    done = ("personal",) if level == "passwords" else ()
    query = select(RunRow).where(RunRow.finished < before, RunRow.report.is_not(None),
                                 or_(RunRow.redacted.is_(None),
                                     RunRow.redacted.not_in((level, *done))))
    runs = s.scalars(query).all()
    for run in runs:
        run.report = strip(run.report)
        run.redacted = level
    return len(runs)


def _no_passwords(report: Mapping[str, Any]) -> dict[str, Any]:
    return {**report, "accounts": [{**a, "password": ""} for a in report.get("accounts", ())]}


def _no_personal(report: Mapping[str, Any]) -> dict[str, Any]:
    accounts = [{**a, **{f: "" for f in PERSONAL if f in a}, "students": []}
                for a in report.get("accounts", ())]
    changes = [{**c, "name": "", "username": "", "lastname": "", "firstname": ""}
               for c in report.get("changes", ())]
    failures = [{**f, "who": ""} for f in report.get("failures", ())]
    return {**report, "accounts": accounts, "changes": changes, "failures": failures,
            "warnings": []}
