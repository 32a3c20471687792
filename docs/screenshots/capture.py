"""Take the walkthrough's screenshots: the demo platform driven by headless Chromium.

Run from the repository root: ``.venv/bin/python docs/screenshots/capture.py``.
Needs Debian's ``chromium`` (``make browser``) and the sample exports in ``../shared``.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository: bench/ and the browser tests' helpers

from bench.generate import generate_school  # noqa: E402
from cpro_siecle_plugin.demo import create_app  # noqa: E402
from tests.admin.browser import ARGS, CHROMIUM  # noqa: E402

SAMPLES = HERE.parents[1] / ".." / "shared" / "siecle-samples"


def shot(page: Page, name: str, full: bool = False) -> None:
    """Save the page as ``name``.png (the viewport, or the whole page when ``full``)."""
    page.screenshot(path=str(HERE / f"{name}.png"), full_page=full)
    print("saved", name)


def upload(page: Page, url: str, files: dict[str, Path], ticks: tuple[str, ...] = ()) -> None:
    """Open an upload page, choose the files, tick confirmations ``ticks``, ask for the analysis."""
    page.goto(url)
    for field, path in files.items():
        page.set_input_files(f"#{field}", str(path))
    for tick in ticks:
        page.check(f"#{tick}")
    page.click("#submit")
    page.wait_for_load_state()


def confirm_and_wait(page: Page) -> None:
    """Click « Importer les fichiers » and wait for the end of the import (summary shown)."""
    page.click("form.cpro-import #submit")
    page.wait_for_selector("#cpro-report:not(.d-none)", timeout=300_000)
    page.wait_for_timeout(800)  # let the bar's CSS transition end before the screenshot


def year_change(page: Page, admin: str, folder: Path) -> None:
    """A second, generated school (a new school to confirm) imported for 2025, then the
    preview of its 2026 pupils."""
    before = generate_school(folder / "2025", 240, 420, 30, uaj="0699999Z")
    after = generate_school(folder / "2026", 240, 420, 30, uaj="0699999Z", year=2026,
                            promote=True, extra_students=80)
    upload(page, f"{admin}/enseignants/", {"sts": before["sts"]})
    shot(page, "17-nouvel-etablissement")
    upload(page, f"{admin}/enseignants/", {"sts": before["sts"]}, ticks=("new_school",))
    confirm_and_wait(page)
    for files in ({"eleves": before["eleves"], "responsables": before["responsables"]},
                  {"sts": after["sts"]}):
        upload(page, f"{admin}/{'enseignants' if 'sts' in files else 'apprenants'}/", files)
        confirm_and_wait(page)
    upload(page, f"{admin}/apprenants/",
           {"eleves": after["eleves"], "responsables": after["responsables"]})
    page.click("#cpro-leaving-students details.cpro-group >> nth=0 >> summary")
    shot(page, "15-changement-d-annee")
    page.select_option("#cpro-leaving-students-c", "TLE2")
    page.locator("#cpro-leaving-students").scroll_into_view_if_needed()
    shot(page, "16-filtre-par-classe")


def walkthrough(page: Page, base: str) -> None:
    """Visit every page of the flow, saving a screenshot of each."""
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", "admin")
    shot(page, "01-connexion")
    page.click("#submit")
    page.click("a.dropdown-toggle:has-text('Importation SIECLE')")
    shot(page, "02-accueil-et-menu")
    admin = f"{base}/admin/cpro-siecle"
    upload(page, f"{admin}/apprenants/", {"eleves": SAMPLES / "ElevesSansAdresses.xml"})
    shot(page, "03-eleves-avant-sts-refuses")
    page.goto(f"{admin}/enseignants/")
    shot(page, "04-importation-enseignants")
    upload(page, f"{admin}/enseignants/", {"sts": SAMPLES / "sts_emp_0691234X_2025.xml"})
    shot(page, "05-analyse-et-apercu-enseignants", full=True)
    confirm_and_wait(page)
    shot(page, "06-progression")
    page.click("#cpro-report")
    shot(page, "07-rapport-enseignants", full=True)
    page.goto(f"{admin}/apprenants/")
    shot(page, "08-importation-apprenants")
    upload(page, f"{admin}/apprenants/", {"eleves": SAMPLES / "ResponsablesAvecAdresses.xml"})
    shot(page, "09-mauvais-fichier")
    upload(
        page,
        f"{admin}/apprenants/",
        {
            "eleves": SAMPLES / "ElevesSansAdresses.zip",
            "responsables": SAMPLES / "ResponsablesAvecAdresses.zip",
        },
    )
    shot(page, "10-apercu-apprenants")
    confirm_and_wait(page)
    shot(page, "10b-fin-de-l-importation")
    page.click("#cpro-report")
    page.select_option("#cpro-handout-class", "2NDE1")  # the handouts of one class
    shot(page, "11-rapport-apprenants")
    page.goto(f"{admin}/historique/")
    shot(page, "12-historique")
    page.goto(f"{admin}/identifiants/")
    shot(page, "13-identifiants")
    page.locator("table.cpro-guardians a:has-text('Réinitialiser le mot de passe')").first.click()
    shot(page, "13b-reinitialisation-confirmation")
    page.click("text=Confirmer la réinitialisation")
    page.wait_for_selector(".cpro-flash")
    shot(page, "13c-nouveau-mot-de-passe")
    page.goto(f"{admin}/hors-siecle/")
    shot(page, "18-hors-siecle", full=True)
    page.goto(f"{base}/admin/")
    page.fill("form.cpro-try #username", "louise.bernard")
    page.fill("form.cpro-try #password", "07112009")
    page.click("form.cpro-try #submit")
    shot(page, "14-essai-compte")
    with tempfile.TemporaryDirectory() as folder:
        year_change(page, admin, Path(folder))


def main() -> int:
    with tempfile.TemporaryDirectory() as instance:
        server = make_server("127.0.0.1", 0, create_app(instance_path=instance), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="fr-FR")
                page.set_default_timeout(20_000)
                walkthrough(page, f"http://127.0.0.1:{server.server_port}")
                browser.close()
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
