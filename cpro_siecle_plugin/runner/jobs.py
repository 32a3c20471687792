"""The job engine's interface: an import is enqueued, run by a runner, followed in the ledger.

The web request that confirms an import only records a job and hands an
:class:`ImportRequest` to a :class:`Runner`; it never runs the import. Whoever runs it
(a thread of the same process with :class:`InProcessRunner`, a Celery worker with
:class:`~cpro_siecle_plugin.runner.celery.CeleryRunner`) calls :func:`execute`, which writes
phase, progress, result and errors to a :class:`JobStore` — the ledger in production. So any
web worker shows the same progress, a reload shows it again, and restarting a web worker
does not touch an import a Celery worker is running.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from ..errors import SiecleError

log = logging.getLogger(__name__)

#: Seconds between two progress writes to the store (the last one is always written).
PROGRESS_EVERY = 0.5

#: Generic French message of a crashed job (the exception stays in the server's log).
CRASHED = "erreur interne, voir le journal du serveur"


@dataclass(frozen=True)
class ImportRequest:
    """What an import job runs: apply stored plan ``plan_id`` as previewed (``checksum``)."""

    job_id: str
    plan_id: int
    checksum: str
    user: str
    force: bool = False

    def to_data(self) -> dict[str, Any]:
        """JSON-able form, for a message broker."""
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ImportRequest:
        """Inverse of :meth:`to_data`."""
        return cls(str(data["job_id"]), int(data["plan_id"]), str(data["checksum"]),
                   str(data["user"]), bool(data.get("force")))


@dataclass(frozen=True)
class JobStatus:
    """One job as the progress page shows it.

    ``state`` is ``running`` (``phase`` ``queued`` then ``applying``), ``done`` or
    ``failed``; ``warning`` says a done run ended early or with refusals.
    """

    id: str
    uaj: str
    user: str
    state: str = "running"
    phase: str = "queued"
    done: int = 0
    total: int = 0
    run_id: int | None = None
    error: str | None = None
    warning: str | None = None

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def to_data(self) -> dict[str, Any]:
        """JSON-able view, with the percentage done."""
        return {**asdict(self), "percent": self.percent}


class JobStore(Protocol):
    """Where jobs live (the ledger); every method is safe across processes."""

    def create_job(self, job_id: str, uaj: str, plan_id: int, user: str) -> None:
        """Record a new job, queued."""

    def update_job(self, job_id: str, **values: Any) -> None:
        """Change some of a job's fields (``state``, ``phase``, ``done``, ``total``...)."""

    def job(self, job_id: str) -> JobStatus | None:
        """The job, or ``None`` when unknown."""


class Runner(Protocol):
    """Something that runs an :class:`ImportRequest` somewhere, soon."""

    def submit(self, request: ImportRequest) -> None:
        """Hand the request over; returns at once."""


#: Applies a request; gets a ``progress(done, total)`` callback; returns an outcome with
#: ``run_id`` and ``error`` attributes (``ApplyOutcome``).
Apply = Callable[[ImportRequest, Callable[[int, int], None]], Any]


def execute(request: ImportRequest, apply: Apply, store: JobStore) -> None:
    """Run one import job, writing its phase, progress and result to ``store``.

    Never raises: a plugin error ends the job with its French message, anything else with
    :data:`CRASHED` (and the traceback in the log).
    """
    store.update_job(request.job_id, state="running", phase="applying", error=None)
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_EVERY or done >= total:
            last = time.monotonic()
            store.update_job(request.job_id, done=done, total=total)

    try:
        outcome = apply(request, progress)
    except SiecleError as exc:
        store.update_job(request.job_id, state="failed", phase="finished", error=str(exc))
    except Exception:  # a bug must not leave the page spinning forever
        log.exception("import job %s crashed", request.job_id)
        store.update_job(request.job_id, state="failed", phase="finished", error=CRASHED)
    else:
        store.update_job(request.job_id, state="done", phase="finished",
                         run_id=getattr(outcome, "run_id", None),
                         warning=getattr(outcome, "error", None))


class InProcessRunner:
    """Runs each request in a daemon thread of this process (the demo's and the tests').

    :param apply: what runs a request (see :data:`Apply`).
    :param store: where the jobs' state is written.
    """

    def __init__(self, apply: Apply, store: JobStore) -> None:
        self._apply = apply
        self._store = store

    def submit(self, request: ImportRequest) -> None:
        thread = threading.Thread(target=execute, args=(request, self._apply, self._store),
                                  daemon=True, name=f"cpro-siecle-import-{request.job_id[:8]}")
        thread.start()


class Jobs:
    """What the pages use: enqueue an import, read a job's state, wait for its end."""

    def __init__(self, store: JobStore, runner: Runner) -> None:
        self.store = store
        self.runner = runner

    def submit(self, uaj: str, plan_id: int, checksum: str, user: str, force: bool) -> str:
        """Record a queued job and hand it to the runner; returns the job id."""
        request = ImportRequest(uuid.uuid4().hex, plan_id, checksum, user, force)
        self.store.create_job(request.job_id, uaj, plan_id, user)
        self.runner.submit(request)
        return request.job_id

    def status(self, job_id: str) -> JobStatus | None:
        """The job's state, or ``None`` when unknown."""
        return self.store.job(job_id)

    def wait(self, job_id: str, timeout: float = 60.0) -> JobStatus | None:
        """Poll until the job ends or ``timeout`` seconds pass (tests, the CLI)."""
        deadline = time.monotonic() + timeout
        status = self.status(job_id)
        while status is not None and status.state == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
            status = self.status(job_id)
        return status
