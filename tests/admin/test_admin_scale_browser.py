"""A lycée's size in a real browser: 1,200 pupils, then their next school year.

One generated school (bench/generate.py) is imported once for the module through the
service (year 2025-2026, then the 2026 STS export); the browser then analyses the 2026 pupils'
files and checks the preview as an administrator reads it: summary and import button on the
first screen, search, class filter, the year change named and leavers by former class. On the
2025 pupils' report one class's slips are downloaded and read back; a guardian's password is
reset from « Identifiants » (confirmed, back to their row). Every page fits a 390 px phone and
axe-core finds no serious or critical violation on it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_admin import Admin

from bench.generate import generate_school
from cpro_siecle_plugin.extension import SieclePlugin, get_state
from cpro_siecle_plugin.siecle.archive import InputFile
from tests.admin.browser import chromium, serious_violations, served, sideways_overflow
from tests.doubles.memory_host import MemoryHost

pytestmark = pytest.mark.browser

PUPILS, GUARDIANS, STAFF, NEWCOMERS = 1200, 2090, 100, 360
BASE = "/admin/cpro-siecle"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PLATFORM = "https://moodle.lycee-exemple.fr"
OTHER = "0759999Z"


def _files(*paths: Path) -> list[InputFile]:
    return [InputFile(path=p, name=p.name) for p in paths]


def _import(app: Flask, *paths: Path) -> None:
    service = get_state(app).service
    preview = service.preview(_files(*paths), "admin")
    service.apply(preview.plan_id, preview.checksum, "admin", force=True)


@pytest.fixture(scope="module")
def school() -> Iterator[dict[str, Any]]:
    """The school imported for 2025-2026 and its 2026 STS export; the 2026 pupils' files."""
    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(prefix="cpro_scale_", dir=shm if shm.is_dir() else None))
    try:
        year1 = generate_school(root / "2025", PUPILS, GUARDIANS, STAFF)
        year2 = generate_school(root / "2026", PUPILS, GUARDIANS, STAFF, year=2026, promote=True,
                                extra_students=NEWCOMERS)
        other = generate_school(root / "other", 10, 10, 5, uaj=OTHER)
        app = Flask("lycee")
        app.config.update(SECRET_KEY="test", CPRO_SIECLE_SECRET="s3cret",
                          CPRO_SIECLE_PLATFORM_URL=PLATFORM,
                          CPRO_SIECLE_DATABASE_URL=f"sqlite:///{root / 'ledger.sqlite3'}")
        SieclePlugin(app, Admin(app, name="Plateforme"), is_admin=lambda: True, host=MemoryHost())
        _import(app, year1["sts"])
        _import(app, year1["eleves"], year1["responsables"])
        _import(app, year2["sts"])
        students_run = get_state(app).service.history()[1].id  # the 2025 pupils' import
        with served(app) as url:
            yield {"url": url, "year2": year2, "app": app, "students_run": students_run,
                   "other_sts": other["sts"]}
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(school: dict[str, Any]) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def preview(browser: Any, school: dict[str, Any]) -> Iterator[Any]:
    """The preview of the 2026 pupils' files, on a desktop window."""
    page = browser.new_page(viewport=DESKTOP, locale="fr-FR")
    page.set_default_timeout(60_000)
    page.goto(f"{school['url']}{BASE}/apprenants/")
    page.set_input_files("#eleves", str(school["year2"]["eleves"]))
    page.set_input_files("#responsables", str(school["year2"]["responsables"]))
    page.click("#submit")
    page.wait_for_selector("form.cpro-import")
    yield page
    page.close()


def _in_first_screen(page: Any, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= DESKTOP["height"]


def _visible_rows(page: Any, section: str) -> Any:
    return page.locator(f"#{section} tbody tr:visible")


def test_first_screen_shows_the_summary_and_the_import_button(preview: Any) -> None:
    """No scrolling to read what the import does, nor to confirm or cancel it."""
    preview.evaluate("window.scrollTo(0, 0)")
    assert _in_first_screen(preview, "table.cpro-summary-figures")
    assert _in_first_screen(preview, "form.cpro-import #submit")
    assert _in_first_screen(preview, "form.cpro-import .cpro-cancel")
    assert preview.locator("h1").count() == 1


def test_year_change_is_named_and_leavers_are_grouped_by_former_class(preview: Any) -> None:
    """The banner names both school years; the graduates are listed by their TLE class."""
    banner = preview.locator(".cpro-year-change").inner_text()
    assert "Changement d'année scolaire : 2025-2026 → 2026-2027" in banner
    classes = preview.locator("#cpro-leaving-students details.cpro-group").evaluate_all(
        "groups => groups.map(g => g.dataset.class)")
    assert classes and all(code.startswith("TLE") for code in classes)
    assert classes.index("TLE2") < classes.index("TLE10")
    promoted = preview.locator("#cpro-promotions tbody tr").first.text_content()
    assert "2NDE" in promoted and "1ERE" in promoted


def test_search_finds_one_pupil_by_ine(preview: Any) -> None:
    """Typing a newcomer's INE leaves exactly that pupil in the list."""
    preview.click("#cpro-created-students > summary")
    cells = preview.locator("#cpro-created-students td[data-label='INE']")
    ine = cells.nth(7).text_content().strip()
    preview.fill("#cpro-created-students-q", ine)
    rows = _visible_rows(preview, "cpro-created-students")
    assert rows.count() == 1 and ine in rows.first.inner_text()
    preview.fill("#cpro-created-students-q", "")


def test_class_filter_shows_one_class(preview: Any) -> None:
    """Choosing TLE3 hides every other class of the leavers."""
    preview.select_option("#cpro-leaving-students-c", "TLE3")
    groups = preview.locator("#cpro-leaving-students details.cpro-group:visible")
    assert groups.count() == 1 and groups.first.get_attribute("data-class") == "TLE3"
    rows = _visible_rows(preview, "cpro-leaving-students")
    assert rows.count() > 10
    preview.select_option("#cpro-leaving-students-c", "")


def test_preview_has_no_serious_accessibility_violation(preview: Any) -> None:
    """axe-core on the preview of a year change at a lycée's size."""
    assert serious_violations(preview) == []


def _lines(path: Path) -> list[str]:
    """A PDF's text, line by line (pypdf)."""
    from pypdf import PdfReader

    return [line.strip() for page in PdfReader(path).pages
            for line in page.extract_text().splitlines()]


def test_slips_of_one_class_download_with_each_login_whole(
    browser: Any, school: dict[str, Any]
) -> None:
    """On the 2025 pupils' report, 2NDE3's slips downloaded through the browser: each pupil's
    login whole on one line of the PDF's text, each slip with the platform's address."""
    page = browser.new_page(viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{school['url']}{BASE}/historique/{school['students_run']}")
        page.select_option("#cpro-handout-class", "2NDE3")
        with page.expect_download() as download:
            page.click("text=Fiches de connexion des élèves")
        assert download.value.suggested_filename == f"fiches_{school['students_run']}_2NDE3.pdf"
        lines = _lines(Path(download.value.path()))
    finally:
        page.close()
    report = get_state(school["app"]).service.report(school["students_run"])
    pupils = [a.username for a in report.students if a.division == "2NDE3"]
    assert len(pupils) >= 20
    assert sorted(line.removeprefix("Identifiant : ") for line in lines
                  if line.startswith("Identifiant : ")) == sorted(pupils)
    assert lines.count(f"Adresse : {PLATFORM}") == len(pupils)


def test_guardian_reset_is_confirmed_and_comes_back_to_the_row(
    browser: Any, school: dict[str, Any]
) -> None:
    """« Identifiants » of some 2,000 guardians, listed part by part: one found by login on a
    page far down the guardians, its reset asks for confirmation naming them, then shows the
    new password back at their row, on their page."""
    page = browser.new_page(viewport=DESKTOP, locale="fr-FR")
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{school['url']}{BASE}/identifiants/")
        assert page.locator(".cpro-parts a").count() > 40  # staff, each class, guardians' pages
        page.click(".cpro-parts a:has-text('Responsables légaux, page 5')")
        rows = page.locator("#cpro-guardians tbody tr")
        assert rows.count() == 300
        row_id = rows.nth(200).get_attribute("id")  # page 5 of the search's own pages
        login = page.locator(f"[id='{row_id}'] td.cpro-login").text_content().strip()
        page.fill("#cpro-guardians-q", login)
        assert page.locator("#cpro-guardians tbody tr:visible").count() == 1
        name = page.locator(f"[id='{row_id}'] td[data-label='Prénom']").text_content().strip()
        page.click(f"[id='{row_id}'] a:has-text('Réinitialiser le mot de passe')")
        heading = page.locator("h1").inner_text()
        assert heading.startswith("Réinitialiser le mot de passe de ") and name in heading
        assert "Responsable de" in page.locator(".cpro-reset-person").inner_text()
        assert sideways_overflow(page) == 0 and serious_violations(page) == []
        page.click("text=Confirmer la réinitialisation")
        page.wait_for_url(re.compile(rf".*/identifiants/\?[^#]*#{re.escape(row_id)}$"))
        assert "partie=responsables" in page.url and "page=5" in page.url
        assert "Nouveau mot de passe de" in page.locator(".cpro-flash").inner_text()
        row = page.locator(f"[id='{row_id}']")
        assert row.is_visible() and login in row.inner_text()
        box = row.bounding_box()
        assert box is not None and 0 <= box["y"] <= DESKTOP["height"] - box["height"]
        assert page.locator(".cpro-flash").bounding_box()["y"] >= 0
    finally:
        page.close()


def _guardian(school: dict[str, Any]) -> str:
    people = get_state(school["app"]).ledger.people("0691234X")
    return next(p.key for p in people if p.population == "guardian")


@pytest.mark.parametrize(
    "path",
    [
        "apprenants/", "enseignants/", "hors-siecle/", "historique/", "historique/{run}",
        "identifiants/", "identifiants/reinitialiser?personne={guardian}", "historique/999999",
    ],
)
def test_pages_fit_a_phone_and_pass_axe(browser: Any, school: dict[str, Any], path: str) -> None:
    """At 390 px nothing scrolls sideways; no serious or critical axe violation (the upload
    pages, « hors SIECLE », history, a report with its handouts, « Identifiants », a reset's
    confirmation, the French 404)."""
    path = path.format(run=school["students_run"],
                       guardian=_guardian(school) if "{guardian}" in path else "")
    page = browser.new_page(viewport=PHONE, locale="fr-FR")
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{school['url']}{BASE}/{path}")
        assert sideways_overflow(page) == 0
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("h1").count() == 1
        assert serious_violations(page) == []
    finally:
        page.close()


def test_new_school_confirmation_fits_a_phone_and_passes_axe(
    browser: Any, school: dict[str, Any]
) -> None:
    """Another school's STS export asks to confirm a new school; that page fits 390 px."""
    page = browser.new_page(viewport=PHONE, locale="fr-FR")
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{school['url']}{BASE}/enseignants/")
        page.set_input_files("#sts", str(school["other_sts"]))
        page.click("#submit")
        page.wait_for_selector("text=Nouvel établissement")
        assert OTHER in page.content()
        assert sideways_overflow(page) == 0
        assert serious_violations(page) == []
    finally:
        page.close()


def test_preview_fits_a_phone(preview: Any) -> None:
    """The preview itself at 390 px: its tables stack, the import bar stays reachable."""
    preview.set_viewport_size(PHONE)
    try:
        preview.click("#cpro-leaving-students details.cpro-group >> nth=0 >> summary")
        assert sideways_overflow(preview) == 0
        assert preview.locator("form.cpro-import #submit").is_visible()
    finally:
        preview.set_viewport_size(DESKTOP)
