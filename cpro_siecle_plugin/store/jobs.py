"""Import jobs in the ledger: phase, progress, result and errors, readable by every process.

The runner's :class:`~cpro_siecle_plugin.runner.jobs.JobStore`, kept in the ``jobs`` table:
the web worker that enqueued an import, any other web worker and the worker running it all
read and write the same row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from ..runner.jobs import JobStatus
from .journal import now
from .tables import JobRow

#: Fields :meth:`LedgerJobs.update_job` may change.
FIELDS = frozenset({"state", "phase", "done", "total", "run_id", "error", "warning"})


class LedgerJobs:
    """The jobs of one ledger (see the module docstring)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create_job(self, job_id: str, uaj: str, plan_id: int, user: str) -> None:
        with self._sessions.begin() as s:
            s.add(JobRow(id=job_id, uaj=uaj, plan_id=plan_id, user=user, state="running",
                         phase="queued", done=0, total=0, created=now(), updated=now()))

    def update_job(self, job_id: str, **values: Any) -> None:
        unknown = set(values) - FIELDS
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        with self._sessions.begin() as s:
            s.execute(update(JobRow).where(JobRow.id == job_id)
                      .values(**values, updated=now()))

    def job(self, job_id: str) -> JobStatus | None:
        with self._sessions() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                return None
            return JobStatus(row.id, row.uaj, row.user, row.state, row.phase, row.done,
                             row.total, row.run_id, row.error, row.warning)
