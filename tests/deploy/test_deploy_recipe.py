"""The README's deployment, for real on loopback: 3 gunicorn workers, a Celery worker,
Redis and PostgreSQL; a real browser goes through an import, reloads its progress page
across web workers, and a web worker is killed during the import, which finishes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.generate import generate_school
from cpro_siecle_plugin.store import Ledger
from tests.servers import deployed_platform

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.deploy, pytest.mark.browser]


@pytest.fixture
def platform(tmp_path: Path, pg_cluster) -> Iterator[dict[str, object]]:
    """The deployment of the README (see ``tests.servers.deployed_platform``)."""
    with deployed_platform(tmp_path, pg_cluster) as running:
        yield running


def _web_workers(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def _preview_and_confirm(tab, url: str, files: dict[str, Path]) -> str:
    tab.goto(url)
    for field, path in files.items():
        tab.set_input_files(f"#{field}", str(path))
    tab.click("#submit")
    tab.wait_for_selector("form.cpro-import", timeout=120_000)
    tab.click("form.cpro-import #submit")
    tab.wait_for_url(re.compile(r".*/import/[0-9a-f]{32}$"))
    return str(tab.url)


def test_deployment_recipe_runs_an_import_across_web_workers(platform, tmp_path: Path) -> None:
    """Import through the browser on the deployed platform; the progress page, reloaded,
    is served by several web workers; killing one mid-import leaves the import running.
    """
    if not CHROMIUM.exists():
        pytest.skip("Chromium absent (/usr/bin/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    school = generate_school(tmp_path / "school", n_students=300, n_guardians=500,
                             n_staff=20, uaj="0691234X")
    base = f"{platform['url']}/admin/cpro-siecle"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        tab = browser.new_page()
        tab.set_default_timeout(60_000)
        tab.goto(f"{platform['url']}/login")
        tab.fill("#username", "admin")
        tab.fill("#password", "admin")
        tab.click("#submit")
        tab.wait_for_url(re.compile(r".*/admin/$"))

        _preview_and_confirm(tab, f"{base}/enseignants/", {"sts": school["sts"]})
        tab.wait_for_selector("#cpro-report:not(.d-none)", timeout=120_000)

        progress = _preview_and_confirm(tab, f"{base}/apprenants/", {
            "eleves": school["eleves"], "responsables": school["responsables"]})
        killed = _web_workers(platform["web"].pid)[0]
        os.kill(killed, signal.SIGKILL)  # a web worker dies mid-import; gunicorn respawns one
        killed_at = datetime.now(UTC).replace(tzinfo=None)
        for _ in range(12):
            tab.goto(progress)
            assert tab.locator("#cpro-title").inner_text() in (
                "Importation en cours", "Importation terminée")
        tab.wait_for_selector("#cpro-report:not(.d-none)", timeout=600_000)
        assert tab.locator("#cpro-warning.d-none").count() == 1
        tab.click("#cpro-report")
        tab.wait_for_selector("h1:has-text('Rapport')")
        tab.goto(f"{base}/historique/")
        rows = tab.locator("table.cpro-history tbody tr").all_inner_texts()
        browser.close()
    assert len(rows) == 2 and all("réussie" in row for row in rows), rows
    served = {line.split()[0] for line in (tmp_path / "access.log").read_text().splitlines()
              if re.search(r" 200 /admin/cpro-siecle/import/[0-9a-f]{32}$", line)}
    assert len(served) >= 2, "the progress page was served by one web worker only"
    assert killed not in _web_workers(platform["web"].pid)
    ledger = Ledger(str(platform["ledger"]))
    last = ledger.history()[0]
    ledger.close()
    assert last.result == "success" and last.finished and last.finished > killed_at
