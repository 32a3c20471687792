"""The background job runner behind the progress bar."""

from __future__ import annotations

import threading

from cpro_siecle_plugin.errors import HostUnavailableError
from cpro_siecle_plugin.runner.jobs import JobRunner


def test_job_reports_progress_then_run_id() -> None:
    """A job's status shows its progress while it runs, then its run id."""
    runner, gate, seen = JobRunner(), threading.Event(), threading.Event()

    def work(progress):
        progress(3, 10)
        seen.set()
        gate.wait(5)
        progress(10, 10)
        return 42

    job_id = runner.start(work, "admin")
    seen.wait(5)
    running = runner.status(job_id)
    assert running["state"] == "running" and running["percent"] == 30
    gate.set()
    done = runner.wait(job_id, 5)
    assert done["state"] == "done" and done["run_id"] == 42 and done["percent"] == 100


def test_failed_job_keeps_the_french_message() -> None:
    """A plugin error ends the job as failed with its French message."""
    runner = JobRunner()

    def work(progress):
        raise HostUnavailableError("La plateforme ne répond pas.")

    status = runner.wait(runner.start(work, "admin"), 5)
    assert status["state"] == "failed" and status["error"] == "La plateforme ne répond pas."


def test_crashing_job_does_not_leak_the_exception(caplog) -> None:
    """An unexpected exception fails the job with a generic message, logged on the server."""
    runner = JobRunner()

    def work(progress):
        raise ValueError("secret details")

    status = runner.wait(runner.start(work, "admin"), 5)
    assert status["state"] == "failed" and "secret" not in status["error"]
    assert "crashed" in caplog.text


def test_unknown_job_has_no_status() -> None:
    """An unknown job id gives no status."""
    assert JobRunner().status("nope") is None


def test_job_names_its_phase_and_estimates_the_time_left() -> None:
    """Preparing before any action, applying with a time left at the pace so far, then done."""
    from cpro_siecle_plugin.runner.jobs import Job

    job = Job(id="j", user="admin")
    assert (job.phase, job.eta()) == ("preparing", None)
    job.total, job.done, job.mark = 1000, 100, (10.0, 100)
    assert job.phase == "applying" and job.eta(now=10.0) is None
    job.done = 300  # 200 actions in 20 s: 700 left take 70 s
    assert job.eta(now=30.0) == 70
    job.done = 1000
    assert job.phase == "reporting"
    job.state = "done"
    assert (job.phase, job.eta()) == ("done", None)
