"""Imports on Celery with a real Redis broker: the web app enqueues, a worker runs."""

from __future__ import annotations

from pathlib import Path

from cpro_siecle_plugin.extension import get_state
from tests.runner.conftest import worker_env


def test_celery_worker_runs_the_import_the_page_enqueued(
    make_app, ui, start_worker, tmp_path: Path, redis_url: str
) -> None:
    """The web app only enqueues; a separate Celery worker applies the plan, and the page
    reads the job's end from the ledger.
    """
    start_worker()
    config = worker_env(tmp_path, redis_url)
    for same in ("CPRO_SIECLE_SECRET", "CPRO_SIECLE_DATABASE_URL"):  # make_app sets them
        config.pop(same)
    app = make_app(**config)
    client = app.test_client()
    client.environ_base["HTTP_X_TEST_ADMIN"] = "oui"
    preview = ui.upload(client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    progress_url = ui.confirm(client, preview).headers["Location"]
    job_id = progress_url.rstrip("/").rsplit("/", 1)[-1]
    job = get_state(app).jobs.wait(job_id, 90)
    assert job is not None and job.state == "done", (job, (tmp_path / "worker0.log").read_text())
    status = client.get(f"{progress_url}/status").get_json()
    assert status["run_id"] and status["percent"] == 100
    assert get_state(app).ledger.run(status["run_id"]).result == "success"
