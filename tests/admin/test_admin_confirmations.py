"""The « nouvel établissement » and « forcer » confirmations of the upload pages."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

CORPUS = Path(__file__).resolve().parents[1] / "data" / "mistakes"
OTHER_STS = CORPUS / "other_school_sts" / "sts_emp_0759999Z_2025.xml"


def _post(ui: Any, client: FlaskClient, url: str, path: Path, field: str, **ticks: str) -> Any:
    token = ui.csrf_token(client.get(url).get_data(as_text=True))
    data: dict[str, Any] = {"csrf_token": token, field: (io.BytesIO(path.read_bytes()), path.name)}
    return client.post(url, data={**data, **ticks}, content_type="multipart/form-data")


def test_another_schools_sts_waits_for_the_new_school_box(
    admin_client: FlaskClient, app: Flask, ui: Any
) -> None:
    """Never « Aucune erreur »: « À confirmer », the box named; ticked, the preview comes."""
    page = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS})
    ui.run_import(admin_client, app, page.get_data(as_text=True))
    assert "Nouvel établissement" in admin_client.get(ui.STS_URL).get_data(as_text=True)
    refused = _post(ui, admin_client, ui.STS_URL, OTHER_STS, "sts")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Aucune erreur" not in html
    assert "À confirmer" in html and "jamais importé sur cette plateforme" in html
    assert "cochez « Nouvel établissement »" in html
    confirmed = _post(ui, admin_client, ui.STS_URL, OTHER_STS, "sts", new_school="y")
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    assert "(confirmé)" in confirmed.get_data(as_text=True)


def test_an_older_students_file_waits_for_the_force_box(
    admin_client: FlaskClient, app: Flask, ui: Any
) -> None:
    """An older export of Eleves: both dates shown; « Forcer » ticked, the preview comes."""
    for url, files in ((ui.STS_URL, {"sts": ui.STS}), (ui.STUDENTS_URL, {"eleves": ui.ELEVES})):
        ui.run_import(admin_client, app, ui.upload(admin_client, url, files).get_data(as_text=True))
    older = CORPUS / "older_export_eleves" / "ElevesSansAdresses.xml"
    html = _post(ui, admin_client, ui.STUDENTS_URL, older, "eleves").get_data(as_text=True)
    assert "01/09/2025 à 08:30" in html and "12/09/2025 à 10:11" in html
    assert "cochez « Forcer »" in html
    forced = _post(ui, admin_client, ui.STUDENTS_URL, older, "eleves", older="y")
    assert forced.status_code == 200
