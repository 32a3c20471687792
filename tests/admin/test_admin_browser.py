"""A real browser (Debian's headless Chromium, driven by Playwright) through the demo platform.

The whole flow on the sample exports, with axe-core run on every page type it meets (login,
home, upload, preview, progress, report, history, logins, reset confirmation): no serious or
critical violation, and none of them scrolls sideways at 390 px.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.admin.browser import chromium, serious_violations, served, sideways_overflow

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The demo platform served on a free local port for the duration of a test."""
    from cpro_siecle_plugin.demo import create_app

    for key in ("CPRO_SIECLE_DEMO_ADMIN", "CPRO_SIECLE_DEMO_PASSWORD", "CPRO_SIECLE_HOST"):
        monkeypatch.delenv(key, raising=False)
    with served(create_app(instance_path=str(tmp_path / "instance"))) as url:
        yield url


@pytest.fixture
def page(demo_url: str) -> Iterator[object]:
    """A logged-in browser page on the demo platform (the login page checked by axe)."""
    with chromium() as browser:
        tab = browser.new_page()
        tab.set_default_timeout(30_000)
        tab.goto(f"{demo_url}/login")
        assert serious_violations(tab) == [], "login"
        tab.fill("#username", "admin")
        tab.fill("#password", "admin")
        tab.click("#submit")
        tab.wait_for_url(re.compile(r".*/admin/$"))
        yield tab


def _checked(tab, name: str) -> None:
    """axe finds nothing serious, one ``<h1>``, and at 390 px nothing scrolls sideways."""
    assert serious_violations(tab) == [], name
    assert tab.locator("h1").count() == 1, name
    size = tab.viewport_size
    tab.set_viewport_size({"width": 390, "height": 844})
    try:
        assert sideways_overflow(tab) == 0, name
    finally:
        tab.set_viewport_size(size)


def _import(tab, url: str, files: dict[str, Path]) -> None:
    tab.goto(url)
    for field, path in files.items():
        tab.set_input_files(f"#{field}", str(path))
    tab.click("#submit")
    tab.wait_for_selector("form.cpro-import")
    _checked(tab, "preview")
    tab.click("form.cpro-import #submit")
    tab.wait_for_selector("#cpro-report:not(.d-none)")
    _checked(tab, "progress")
    tab.click("#cpro-report")
    tab.wait_for_selector("h1:has-text('Rapport')")
    _checked(tab, "report")


def test_browser_imports_samples_and_report_shows_a_login(page, demo_url: str) -> None:
    """Log in, import STS then students, and find a created login in the report."""
    _checked(page, "home")
    base = f"{demo_url}/admin/cpro-siecle"
    _import(page, f"{base}/enseignants/", {"sts": SAMPLES / "sts_emp_0691234X_2025.xml"})
    _import(
        page,
        f"{base}/apprenants/",
        {
            "eleves": SAMPLES / "ElevesSansAdresses.zip",
            "responsables": SAMPLES / "ResponsablesAvecAdresses.zip",
        },
    )
    logins = [t.strip() for t in page.locator("td.cpro-login").all_text_contents()]
    assert logins and all(re.fullmatch(r"[a-z0-9.\-]+", login) for login in logins)
    _slips_of_one_class(page, demo_url)
    _guardian_reset_is_confirmed(page, base)
    page.goto(f"{base}/historique/")
    assert page.locator("table.cpro-history tbody tr").count() == 2
    _checked(page, "history")
    page.goto(f"{base}/identifiants/")
    _checked(page, "logins")
    page.goto(f"{demo_url}/admin/")
    _checked(page, "home with accounts")


def _slips_of_one_class(tab, demo_url: str) -> None:
    """On the report page: 2NDE1's slips download; each login is whole on a line."""
    from pypdf import PdfReader

    tab.select_option("#cpro-handout-class", "2NDE1")
    with tab.expect_download() as download:
        tab.click("text=Fiches de connexion des élèves")
    reader = PdfReader(download.value.path())
    lines = [line.strip() for p in reader.pages for line in p.extract_text().splitlines()]
    logins = [line.removeprefix("Identifiant : ") for line in lines
              if line.startswith("Identifiant : ")]
    assert len(logins) == 8 and all(re.fullmatch(r"[a-z0-9.\-]+", x) for x in logins)
    assert lines.count(f"Adresse : {demo_url}") == 8


def _guardian_reset_is_confirmed(tab, base: str) -> None:
    """« Identifiants »: a guardian's reset asks first, then shows the new password once."""
    tab.goto(f"{base}/identifiants/")
    tab.locator("table.cpro-guardians a:has-text('Réinitialiser le mot de passe')").first.click()
    tab.wait_for_selector("h1:has-text('Réinitialiser le mot de passe de')")
    _checked(tab, "reset confirmation")
    tab.click("text=Confirmer la réinitialisation")
    tab.wait_for_selector("text=Nouveau mot de passe de")
    assert re.search(r"/identifiants/(\?[^#]*)?#p-0691234X-resp-", tab.url)
