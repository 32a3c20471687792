"""Background imports: one thread per import, progress kept in memory for the status endpoint.

The web request that confirms an import only starts a job and redirects to its progress
page; the page polls :meth:`JobRunner.status` (as JSON), so it survives a reload. Jobs live
as long as the process: after a restart the history page still has every finished run.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import SiecleError

log = logging.getLogger(__name__)

#: What a job runs: it receives a ``progress(done, total)`` callback and returns a run id
#: (or an object with ``run_id`` and ``error`` attributes, such as ``ApplyOutcome``).
Work = Callable[[Callable[[int, int], None]], Any]


@dataclass
class Job:
    """The state of one import, as the status endpoint shows it."""

    id: str
    user: str
    state: str = "running"  # running | done | failed
    done: int = 0
    total: int = 0
    run_id: Any = None
    error: str | None = None
    warning: str | None = None  # the run ended early or with failures; its report says more
    thread: threading.Thread | None = field(default=None, repr=False)
    #: (time, actions done) at the first progress report: the pace is measured from there.
    mark: tuple[float, int] | None = field(default=None, repr=False)

    @property
    def phase(self) -> str:
        """``preparing`` (checks, before any action), ``applying``, ``reporting``, or the state."""
        if self.state != "running":
            return self.state
        if not self.total:
            return "preparing"
        return "reporting" if self.done >= self.total else "applying"

    def eta(self, now: float | None = None) -> int | None:
        """Seconds left at the pace of the actions done so far (``None`` before any)."""
        if self.state != "running" or self.mark is None or self.done <= self.mark[1]:
            return None
        elapsed = (now if now is not None else time.monotonic()) - self.mark[0]
        pace = elapsed / (self.done - self.mark[1])
        return max(0, round(pace * (self.total - self.done)))

    def to_data(self) -> dict[str, Any]:
        """JSON-able view of the job, with the percentage done, the phase and the time left."""
        hidden = {"thread", "mark"}
        data: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden
        }
        data["phase"] = self.phase
        data["eta"] = self.eta()
        data["percent"] = (
            100
            if self.state == "done"
            else (int(100 * self.done / self.total) if self.total else 0)
        )
        return data


class JobRunner:
    """Runs imports in daemon threads and remembers their progress (thread-safe)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, work: Work, user: str) -> str:
        """Start ``work`` in a thread.

        :param work: the import to run; gets a progress callback, returns a run id.
        :param user: who started it (shown on the progress page).
        :returns: the job id, for :meth:`status`.
        """
        job = Job(id=uuid.uuid4().hex, user=user)
        job.thread = threading.Thread(
            target=self._run, args=(job, work), daemon=True, name=f"cpro-siecle-import-{job.id[:8]}"
        )
        with self._lock:
            self._jobs[job.id] = job
        job.thread.start()
        return job.id

    def _run(self, job: Job, work: Work) -> None:
        def progress(done: int, total: int) -> None:
            with self._lock:
                job.done, job.total = done, total
                if job.mark is None:
                    job.mark = (time.monotonic(), done)

        try:
            result = work(progress)
        except SiecleError as exc:
            self._finish(job, "failed", error=str(exc))
        except Exception:  # a bug must not leave the page spinning forever
            log.exception("import job %s crashed", job.id)
            self._finish(job, "failed", error="erreur interne, voir le journal du serveur")
        else:
            # ``result`` is a run id, or an outcome carrying ``run_id`` and maybe ``error``.
            self._finish(
                job,
                "done",
                run_id=getattr(result, "run_id", result),
                warning=getattr(result, "error", None),
            )

    def _finish(
        self,
        job: Job,
        state: str,
        *,
        run_id: Any = None,
        error: str | None = None,
        warning: str | None = None,
    ) -> None:
        with self._lock:
            job.state, job.run_id, job.error, job.warning = state, run_id, error, warning

    def status(self, job_id: str) -> dict[str, Any] | None:
        """The job's state as plain data, or ``None`` when the job is unknown."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.to_data() if job else None

    def wait(self, job_id: str, timeout: float | None = None) -> dict[str, Any] | None:
        """Block until the job ends (used by tests and the CLI), then return its status."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job and job.thread:
            job.thread.join(timeout)
        return self.status(job_id)
