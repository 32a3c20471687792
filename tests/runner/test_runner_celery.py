"""Imports on Celery with a real Redis broker: the web app enqueues, a worker runs."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cpro_siecle_plugin.extension import get_state
from cpro_siecle_plugin.store.report_data import report_from_data
from tests.runner.conftest import worker_env

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "tests" / "faults" / "killhook"


def _web(make_app: Any, tmp_path: Path, redis_url: str) -> tuple[Flask, FlaskClient]:
    """The web app enqueuing on the workers' broker, and an administrator's client."""
    config = worker_env(tmp_path, redis_url)
    for same in ("CPRO_SIECLE_SECRET", "CPRO_SIECLE_DATABASE_URL"):  # make_app sets them
        config.pop(same)
    app = make_app(**config)
    client = app.test_client()
    client.environ_base["HTTP_X_TEST_ADMIN"] = "oui"
    return app, client


def test_celery_worker_runs_the_import_the_page_enqueued(
    make_app, ui, start_worker, tmp_path: Path, redis_url: str
) -> None:
    """The web app only enqueues; a separate Celery worker applies the plan, and the page
    reads the job's end from the ledger.
    """
    start_worker()
    app, client = _web(make_app, tmp_path, redis_url)
    preview = ui.upload(client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    progress_url = ui.confirm(client, preview).headers["Location"]
    job_id = progress_url.rstrip("/").rsplit("/", 1)[-1]
    job = get_state(app).jobs.wait(job_id, 90)
    assert job is not None and job.state == "done", (job, (tmp_path / "worker0.log").read_text())
    status = client.get(f"{progress_url}/status").get_json()
    assert status["run_id"] and status["percent"] == 100
    assert get_state(app).ledger.run(status["run_id"]).result == "success"


def test_worker_killed_mid_import_its_next_process_resumes_it_with_one_report(
    make_app, ui, start_worker, tmp_path: Path, redis_url: str
) -> None:
    """The pool process running the import is killed (SIGKILL) after its third write to the
    host: the task, acknowledged late, goes back to the queue; the worker's next process
    takes over the dead process's lock at once, continues the plan from the journal and
    makes one report of every account; the killed run is « interrompue » and leads to it.
    """
    marker = tmp_path / "killed"
    start_worker(PYTHONPATH=os.pathsep.join([str(HOOK), str(ROOT)]),
                 CPRO_SIECLE_TEST_KILL_AFTER="3", CPRO_SIECLE_TEST_KILL_ONCE=str(marker),
                 CPRO_SIECLE_BATCH_SIZE="1")
    app, client = _web(make_app, tmp_path, redis_url)
    preview = ui.upload(client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    progress_url = ui.confirm(client, preview).headers["Location"]
    job = get_state(app).jobs.wait(progress_url.rstrip("/").rsplit("/", 1)[-1], 120)
    assert job is not None and job.state == "done", (job, (tmp_path / "worker0.log").read_text())
    assert marker.exists()  # a pool process was killed mid-import
    ledger = get_state(app).ledger
    final, killed = (ledger.run(r.id) for r in ledger.history())  # history() has no reports
    assert killed.result == "interrupted" and killed.resumed_by == final.id
    assert final.result == "success" and killed.report is None
    assert final.report is not None
    accounts = report_from_data(final.report).accounts
    with sqlite3.connect(tmp_path / "host.sqlite3") as db:
        idnumbers = [row[0] for row in db.execute("SELECT idnumber FROM host_user")]
    assert len(idnumbers) == len(set(idnumbers)) == len(accounts) > 0
    assert all(a.password for a in accounts)  # every account's initial password, once
