"""The « Fichiers hors SIECLE » page: templates, upload through the same preview and import,
and the explicit switch of a school's source."""

from __future__ import annotations

import io
import zipfile
from html import unescape
from pathlib import Path

from openpyxl import load_workbook

from cpro_siecle_plugin.extension import get_state
from tests.tableur.sheets_factory import UAJ, write_xlsx

SHEETS_URL = "/admin/cpro-siecle/hors-siecle/"


def test_page_offers_both_templates_and_is_admin_only(admin_client, client) -> None:
    """The workbook and the CSV files download; a non-admin gets 403."""
    html = admin_client.get(SHEETS_URL).get_data(as_text=True)
    assert "Fichiers hors SIECLE" in html and "modele-hors-siecle.xlsx" in html
    book = admin_client.get(SHEETS_URL + "modele.xlsx")
    assert book.status_code == 200 and "attachment" in book.headers["Content-Disposition"]
    sheets = load_workbook(io.BytesIO(book.data), read_only=True).sheetnames
    assert sheets == ["Mode d'emploi", "Établissement", "Classes", "Personnels", "Élèves",
                      "Responsables"]
    csvs = zipfile.ZipFile(io.BytesIO(admin_client.get(SHEETS_URL + "modeles-csv.zip").data))
    assert len(csvs.namelist()) == 5
    assert client.get(SHEETS_URL).status_code == 403
    assert client.get(SHEETS_URL + "modele.xlsx").status_code == 403


def test_workbook_upload_previews_and_imports_like_siecle(admin_client, app, ui,
                                                          tmp_path: Path) -> None:
    """Same preview page (source shown), same import, same report."""
    book = write_xlsx(tmp_path / "cfa.xlsx")
    response = ui.upload(admin_client, SHEETS_URL, {"fichiers": book.path})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200, html
    assert "hors SIECLE (tableaux de l'établissement)" in html and "zoe.benoit" in html
    status = ui.run_import(admin_client, app, response.get_data(as_text=True))
    report = admin_client.get(f"{ui.HISTORY_URL}{status['run_id']}").get_data(as_text=True)
    assert 'class="cpro-login">zoe.benoit</td>' in report and "02092008" in report
    school = get_state(app).ledger.school(UAJ)
    assert school is not None and school.source == "hors-siecle"
    page = unescape(admin_client.get(SHEETS_URL).get_data(as_text=True))
    assert UAJ in page and "CFA des Métiers de Melun" in page


def test_siecle_export_on_this_page_is_refused_in_french(admin_client, ui) -> None:
    """An XML export dropped here is sent back to the SIECLE pages."""
    response = ui.upload(admin_client, SHEETS_URL, {"fichiers": ui.STS})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "seuls les tableaux .xlsx et .csv" in html


def test_source_switch_needs_confirmation_and_csrf(admin_client, app, ui) -> None:
    """Unticked: nothing changes; ticked: the school switches; no token: 400."""
    token = ui.csrf_token(admin_client.get(SHEETS_URL).get_data(as_text=True))
    url = SHEETS_URL + "source"
    data = {"csrf_token": token, "uaj": "0691234x", "source": "hors-siecle"}
    page = admin_client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "Cochez la case de confirmation" in unescape(page)
    assert get_state(app).ledger.school("0691234X") is None
    page = admin_client.post(url, data={**data, "confirm": "y"}, follow_redirects=True)
    assert "source changée en « hors SIECLE" in unescape(page.get_data(as_text=True))
    school = get_state(app).ledger.school("0691234X")
    assert school is not None and school.source == "hors-siecle"
    assert admin_client.post(url, data={"uaj": UAJ, "source": "siecle", "confirm": "y"}
                             ).status_code == 400
    response = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS})
    assert "est enregistré comme « hors SIECLE" in unescape(response.get_data(as_text=True))
