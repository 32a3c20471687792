"""Handouts on the report page: slips, guardians' letters and staff sheet, per class."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from cpro_siecle_plugin.extension import get_state

PLATFORM = "https://moodle.lycee-exemple.fr"


@pytest.fixture
def app(make_app):
    return make_app(CPRO_SIECLE_PLATFORM_URL=PLATFORM)


def _students_run(app) -> int:
    return get_state(app).service.history()[0].id


def _lines(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    return [line.strip() for page in PdfReader(io.BytesIO(data)).pages
            for line in page.extract_text().splitlines()]


def test_report_page_offers_the_handouts_per_class(admin_client, app, ui, imported) -> None:
    """The report page has a class menu (school order) and the three handouts."""
    html = admin_client.get(f"{ui.HISTORY_URL}{_students_run(app)}").get_data(as_text=True)
    assert "Fiches de connexion des élèves" in html and "Lettres aux responsables" in html
    assert html.index('<option value="2NDE1">') < html.index('<option value="1ERE1">')
    assert html.index('<option value="1ERE1">') < html.index('<option value="TLE1">')


def test_slips_of_one_class_hold_each_login_whole_with_the_address(
    admin_client, app, ui, imported
) -> None:
    """The 2NDE1 slips: every pupil of the class, login on one line, platform address."""
    run_id = _students_run(app)
    response = admin_client.get(f"{ui.HISTORY_URL}{run_id}/fiches.pdf?classe=2NDE1")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "fiches_" in response.headers["Content-Disposition"]
    lines = _lines(response.data)
    pupils = [a for a in get_state(app).service.report(run_id).students if a.division == "2NDE1"]
    assert len(pupils) == 8
    for pupil in pupils:
        assert f"Identifiant : {pupil.username}" in lines
    assert lines.count(f"Adresse : {PLATFORM}") == 8
    assert not any(a.username in " ".join(lines)
                   for a in get_state(app).service.report(run_id).students
                   if a.division != "2NDE1")


def test_letters_name_the_children_and_their_class(admin_client, app, ui, imported) -> None:
    """A guardian's letter names their child with the child's class."""
    run_id = _students_run(app)
    report = get_state(app).service.report(run_id)
    guardian = next(g for g in report.guardians if "2NDE1" in g.student_classes)
    response = admin_client.get(f"{ui.HISTORY_URL}{run_id}/lettres.pdf?classe=2NDE1")
    text = " ".join(" ".join(_lines(response.data)).split())
    assert f"Identifiant : {guardian.username}" in text and "2NDE1" in text


def test_handout_of_an_unknown_class_is_a_french_404(admin_client, app, ui, imported) -> None:
    """A class the import does not hold gives a French 404, not an empty PDF."""
    response = admin_client.get(f"{ui.HISTORY_URL}{_students_run(app)}/fiches.pdf?classe=ZZZ")
    assert response.status_code == 404
    assert "classe « ZZZ »" in response.get_data(as_text=True)


def test_handouts_are_for_admins_only(client, app, admin_client, ui, imported) -> None:
    """A non-admin gets 403 for the slips."""
    response = client.get(f"{ui.HISTORY_URL}{_students_run(app)}/fiches.pdf")
    assert response.status_code == 403
