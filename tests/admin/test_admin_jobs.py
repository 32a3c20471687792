"""The job engine behind the progress bar: jobs enqueued, run, and followed in the ledger."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpro_siecle_plugin.errors import HostUnavailableError
from cpro_siecle_plugin.extension import get_state
from cpro_siecle_plugin.runner.jobs import ImportRequest, InProcessRunner, Jobs, execute
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.jobs import LedgerJobs


class Outcome:
    run_id = 42
    error = None


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LedgerJobs]:
    # A file, not ``sqlite://``: the in-memory ledger is one connection shared by every thread,
    # and the test polls the job while the import thread writes it (« cannot commit - no
    # transaction is active » now and then).
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    yield ledger.jobs
    # An import thread may still be closing its session after writing « done »: let it end
    # before the in-memory ledger closes under it.
    for thread in threading.enumerate():
        if thread.name.startswith("cpro-siecle-import-"):
            thread.join(10)
    ledger.close()


def _request(store: LedgerJobs) -> ImportRequest:
    store.create_job("j1", "0691234X", 1, "admin")
    return ImportRequest("j1", 1, "c" * 64, "admin")


def test_job_is_queued_then_shows_progress_then_its_run(store: LedgerJobs) -> None:
    """A job is queued, shows its progress in the ledger while it runs, then its run id."""
    gate, seen = threading.Event(), threading.Event()

    def apply(request, progress):
        progress(3, 10)
        seen.set()
        gate.wait(5)
        progress(10, 10)
        return Outcome()

    jobs = Jobs(store, InProcessRunner(apply, store))
    job_id = jobs.submit("0691234X", 1, "c" * 64, "admin", False)
    seen.wait(5)
    running = jobs.status(job_id)
    assert running.state == "running" and running.phase == "applying" and running.percent == 30
    gate.set()
    done = jobs.wait(job_id, 5)
    assert done.state == "done" and done.run_id == 42 and done.percent == 100


def test_failed_job_keeps_the_french_message(store: LedgerJobs) -> None:
    """A plugin error ends the job as failed with its French message."""
    def apply(request, progress):
        raise HostUnavailableError("La plateforme ne répond pas.")

    execute(_request(store), apply, store)
    status = store.job("j1")
    assert status.state == "failed" and status.error == "La plateforme ne répond pas."


def test_crashing_job_does_not_leak_the_exception(store: LedgerJobs, caplog) -> None:
    """An unexpected exception fails the job with a generic message, logged on the server."""
    def apply(request, progress):
        raise ValueError("secret details")

    execute(_request(store), apply, store)
    status = store.job("j1")
    assert status.state == "failed" and "secret" not in status.error
    assert "crashed" in caplog.text


def test_unknown_job_has_no_status(store: LedgerJobs) -> None:
    """An unknown job id gives no status."""
    assert store.job("nope") is None


def test_import_request_round_trips_through_json() -> None:
    """What a broker carries gives back the same request."""
    request = ImportRequest("j", 3, "c" * 64, "Mme Admin", True)
    assert ImportRequest.from_data(request.to_data()) == request


def test_two_web_workers_see_one_imports_progress(make_app, ui) -> None:
    """Two web processes on one ledger: the second shows the progress and the end of an
    import the first one started (nothing is kept in a process's memory).
    """
    first, second = make_app(), make_app()
    one, two = first.test_client(), second.test_client()
    for client in (one, two):
        client.environ_base["HTTP_X_TEST_ADMIN"] = "oui"
    preview = ui.upload(one, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    progress_url = ui.confirm(one, preview).headers["Location"]
    job_id = progress_url.rstrip("/").rsplit("/", 1)[-1]
    assert get_state(second).jobs.wait(job_id, 60).state == "done"
    status = two.get(f"{progress_url}/status").get_json()
    assert status["state"] == "done" and status["report_url"].endswith(f"/{status['run_id']}")
    assert "Importation terminée" in two.get(progress_url).get_data(as_text=True)

    get_state(first).ledger.jobs.update_job(job_id, state="running", done=5, total=10)
    assert two.get(f"{progress_url}/status").get_json()["percent"] == 50
