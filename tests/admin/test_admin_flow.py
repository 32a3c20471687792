"""The whole flow in the admin: upload, analyse, preview, import, report, history."""

from __future__ import annotations

import re
from html import unescape

import pytest

from cpro_siecle_plugin.collation import class_key


@pytest.fixture
def sts_done(admin_client, app, ui):
    """The teachers' export imported, as an administrator would do it first."""
    preview = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS})
    assert preview.status_code == 200, preview.get_data(as_text=True)
    return ui.run_import(admin_client, app, preview.get_data(as_text=True))


def test_sts_preview_shows_analysis_plan_and_preflight(admin_client, ui) -> None:
    """The STS analysis shows the summary, the accounts to create and the host check."""
    html = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    assert "0691234X" in html and "Classes et groupes à créer" in html
    assert "Comptes à créer" in html and "Vérification de la plateforme" in html
    assert "Importer les fichiers" in html


def test_whole_flow_creates_logins_and_reports_them(admin_client, app, ui, sts_done) -> None:
    """STS then students: the report lists logins and passwords; history lists both runs."""
    preview = ui.upload(
        admin_client, ui.STUDENTS_URL, {"eleves": ui.ELEVES, "responsables": ui.RESPONSABLES}
    )
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert "louise.bernard" in preview.get_data(as_text=True)
    status = ui.run_import(admin_client, app, preview.get_data(as_text=True))
    html = admin_client.get(f"{ui.HISTORY_URL}{status['run_id']}").get_data(as_text=True)
    assert 'class="cpro-login">louise.bernard</td>' in html and "07112009" in html
    assert "Classe 1ERE1" in html and "Responsables légaux" in html
    assert app.extensions["cpro_siecle"].host.find_users("username", ["louise.bernard"])
    history = admin_client.get(ui.HISTORY_URL).get_data(as_text=True)
    assert history.count("Rapport</a>") == 2 and "ElevesSansAdresses.xml" in history


def test_progress_page_and_status_endpoint(admin_client, app, ui) -> None:
    """The import redirects to a progress page whose JSON status ends with the report link."""
    preview = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    response = ui.confirm(admin_client, preview)
    progress_url = response.headers["Location"]
    job_id = progress_url.rstrip("/").rsplit("/", 1)[-1]
    app.extensions["cpro_siecle"].jobs.wait(job_id, 60)
    page = admin_client.get(progress_url).get_data(as_text=True)
    assert "progress-bar" in page and "Voir le rapport" in page
    status = admin_client.get(f"{progress_url}/status").get_json()
    assert status["state"] == "done" and status["percent"] == 100
    assert "/historique/" in status["report_url"]


def test_second_import_without_change_says_so(admin_client, ui, sts_done) -> None:
    """Importing the same STS file again shows « aucun changement »."""
    html = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    assert "Aucun changement" in html
    assert "Importer les fichiers" not in html


def test_checksum_mismatch_is_refused(admin_client, ui) -> None:
    """A plan posted with another checksum is not applied."""
    preview = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    response = ui.confirm(admin_client, preview, checksum="0" * 64)
    assert response.status_code == 409
    assert "ne correspond plus" in response.get_data(as_text=True)


def test_students_before_sts_are_refused(admin_client, ui) -> None:
    """Student files are refused while no STS import exists for the school."""
    response = ui.upload(admin_client, ui.STUDENTS_URL, {"eleves": ui.ELEVES})
    assert response.status_code == 422
    assert "importez d&#39;abord le fichier STS" in response.get_data(as_text=True)


def test_report_downloads_as_csv_and_pdf(admin_client, ui, sts_done) -> None:
    """The report downloads as CSV and as a PDF."""
    url = f"{ui.HISTORY_URL}{sts_done['run_id']}"
    csv = admin_client.get(f"{url}/rapport.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    pdf = admin_client.get(f"{url}/rapport.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_unknown_run_is_404(admin_client, ui) -> None:
    """A report that does not exist is a 404, not a 500."""
    assert admin_client.get(f"{ui.HISTORY_URL}999").status_code == 404


def test_unknown_job_sends_to_the_history(admin_client, ui) -> None:
    """A progress page the server no longer knows (restart) points to the history."""
    response = admin_client.get(f"{ui.IMPORT_URL}inconnu", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "plus suivie" in html
    assert admin_client.get(f"{ui.IMPORT_URL}inconnu/status").status_code == 404


def test_preview_names_the_host_in_french(make_app, ui, tmp_path) -> None:
    """The preflight heading names the host in French, not by the adapter's code name."""
    app = make_app(CPRO_SIECLE_HOST="embedded",
                   CPRO_SIECLE_EMBEDDED_HOST_URL=f"sqlite:///{tmp_path / 'host.sqlite3'}")
    client = app.test_client()
    client.environ_base["HTTP_X_TEST_ADMIN"] = "oui"
    page = ui.upload(client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    html = unescape(page)
    assert "Vérification de la plateforme (plateforme intégrée)" in html
    assert "(embedded)" not in html


def test_report_date_is_written_the_french_way(admin_client, ui, sts_done) -> None:
    """The report page shows its date as jj/mm/aaaa, like the history, not 2025-09-12."""
    html = admin_client.get(f"{ui.HISTORY_URL}{sts_done['run_id']}").get_data(as_text=True)
    assert re.search(r"Date : \d\d/\d\d/\d{4} ·", html), html


def test_finished_import_page_no_longer_says_in_progress(admin_client, app, ui) -> None:
    """Reloading the progress page after the end shows « Importation terminée » as its title."""
    preview = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    progress_url = ui.confirm(admin_client, preview).headers["Location"]
    app.extensions["cpro_siecle"].jobs.wait(progress_url.rstrip("/").rsplit("/", 1)[-1], 60)
    page = admin_client.get(progress_url).get_data(as_text=True)
    assert '<span id="cpro-title">Importation terminée</span>' in page
    assert "Importation en cours" not in page.split("<script")[0]
    body = unescape(page.split("<script")[0])
    assert "Ce qui a été fait" in body and "Comptes créés : " in body
    assert "rapport.csv" in body and "rapport.pdf" in body
    assert "Étape suivante" in body and "/admin/cpro-siecle/apprenants/" in body


def test_report_csv_has_one_byte_order_mark_and_one_charset(admin_client, ui, sts_done) -> None:
    """Excel opens the CSV with its accents: one UTF-8 BOM (not two), charset said once."""
    response = admin_client.get(f"{ui.HISTORY_URL}{sts_done['run_id']}/rapport.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.data.decode("utf-8-sig")
    assert text.startswith("type;profil;nom;prénom;identifiant")
    assert "FAURÉ;Léo;leo.faure" in text


def test_preview_lists_new_students_by_class_then_name(admin_client, ui, sts_done) -> None:
    """New students appear class by class in school order (2NDE, 1ERE, TLE), then by name."""
    files = {"eleves": ui.ELEVES, "responsables": ui.RESPONSABLES}
    html = ui.upload(admin_client, ui.STUDENTS_URL, files).get_data(as_text=True)
    created = html.split('id="cpro-created-students"', 1)[1].split("</details>\n  </details>")[0]
    classes = re.findall(r'<details class="cpro-group" data-class="([^"]+)"', created)
    assert classes == sorted(classes, key=class_key) and classes[0].startswith("2NDE")
    assert html.index(">emma.benoit-dupre<") < html.index(">ines.chevalier<")


def test_history_shows_times_in_the_schools_time_zone(make_app, ui) -> None:
    """The ledger keeps UTC; the history shows the time of CPRO_SIECLE_TIMEZONE."""
    from datetime import timedelta

    app = make_app(CPRO_SIECLE_TIMEZONE="Asia/Kolkata")  # UTC+05:30, no summer time
    client = app.test_client()
    client.environ_base["HTTP_X_TEST_ADMIN"] = "oui"
    preview = ui.upload(client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    ui.run_import(client, app, preview)
    (run,) = app.extensions["cpro_siecle"].service.history()
    html = client.get(ui.HISTORY_URL).get_data(as_text=True)
    local = run.started + timedelta(hours=5, minutes=30)
    assert f"<td>{local.strftime('%d/%m/%Y %H:%M')}</td>" in html


def test_upload_pages_say_what_is_already_imported(admin_client, ui, sts_done) -> None:
    """Each import page names the last import of its files: date, school year, what was done."""
    def text(url: str) -> str:
        page = re.sub(r"<[^>]+>", "", admin_client.get(url).get_data(as_text=True))
        return " ".join(unescape(page).split())

    sts_page = text(ui.STS_URL)
    assert "Dernière importation des enseignants : le " in sts_page
    assert "année scolaire 2025-2026" in sts_page and "comptes créés : " in sts_page
    students_page = text(ui.STUDENTS_URL)
    assert "Dernière importation des élèves et des responsables : aucune pour l'instant." in (
        students_page)
