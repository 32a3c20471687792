"""Bad and hostile uploads end in a French message on the page, never a 500."""

from __future__ import annotations

import io
import zipfile
from html import unescape

import pytest

XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE STS_EDT [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<STS_EDT><PARAMETRES><UAJ CODE="&xxe;"/></PARAMETRES></STS_EDT>\n'
)


def _zip_of(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (XXE, "sts_emp_xxe.xml"),
        (b"PK\x03\x04 this is not a zip at all", "sts_emp.zip"),
        (b"<STS_EDT><PARAMETRES>", "tronque.xml"),
        (b"bonjour", "notes.txt"),
    ],
)
def test_hostile_sts_upload_shows_french_error(admin_client, ui, content: bytes, name: str) -> None:
    """XXE, a fake zip, a truncated file or a text file: refused with a French message."""
    response = ui.upload(admin_client, ui.STS_URL, {"sts": (content, name)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert name in html and ("refusé" in html or "Erreur" in html)
    assert "root:" not in html


def test_responsables_file_in_eleves_slot_is_refused(admin_client, ui) -> None:
    """A Responsables export dropped in the Eleves slot is named in the French error."""
    response = ui.upload(admin_client, ui.STUDENTS_URL, {"eleves": ui.RESPONSABLES})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ui.RESPONSABLES.name in html


def test_students_file_in_sts_slot_is_refused(admin_client, ui) -> None:
    """An Eleves export given as the teachers' file is refused, not imported."""
    response = ui.upload(admin_client, ui.STS_URL, {"sts": ui.ELEVES})
    assert response.status_code == 422
    assert ui.ELEVES.name in response.get_data(as_text=True)


def test_zip_holding_both_student_files_is_accepted(admin_client, app, ui) -> None:
    """One zip with Eleves and Responsables inside is analysed like the two files."""
    ui.run_import(
        admin_client,
        app,
        ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True),
    )
    both = _zip_of(
        **{
            ui.ELEVES.name: ui.ELEVES.read_bytes(),
            ui.RESPONSABLES.name: ui.RESPONSABLES.read_bytes(),
        }
    )
    response = ui.upload(admin_client, ui.STUDENTS_URL, {"eleves": (both, "siecle.zip")})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Importer les fichiers" in response.get_data(as_text=True)


def test_no_file_is_a_french_error(admin_client, ui) -> None:
    """Submitting the form without a file asks for one."""
    response = ui.upload(admin_client, ui.STS_URL, {})
    assert response.status_code == 422
    assert "Aucun fichier reçu" in response.get_data(as_text=True)


def test_upload_over_the_limit_is_refused_in_french(make_app, ui) -> None:
    """A body larger than CPRO_SIECLE_MAX_UPLOAD_BYTES gets a French 413 page."""
    client = make_app(CPRO_SIECLE_MAX_UPLOAD_BYTES=2048).test_client()
    client.environ_base["HTTP_X_TEST_ADMIN"] = "oui"
    response = ui.upload(client, ui.STS_URL, {"sts": (b"x" * 10_000, "gros.xml")})
    assert response.status_code == 413
    assert "trop volumineux" in response.get_data(as_text=True)


def test_temporary_files_are_removed(admin_client, ui, tmp_path, monkeypatch) -> None:
    """Uploads are saved under a temporary folder that is gone after the request."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS})
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("cpro_siecle_")]


@pytest.mark.parametrize(
    ("url", "field", "path", "found", "needed"),
    [
        ("STS_URL", "sts", "ELEVES", "des élèves (ElevesSansAdresses)", "STS-web (sts_emp)"),
        ("STUDENTS_URL", "eleves", "STS", "STS-web (sts_emp)", "SIECLE des élèves"),
        (
            "STUDENTS_URL",
            "responsables",
            "ELEVES",
            "SIECLE des élèves",
            "SIECLE des responsables (ResponsablesAvecAdresses).",
        ),
        ("STUDENTS_URL", "eleves", "RESPONSABLES", "des responsables", "SIECLE des élèves"),
    ],
)
def test_every_wrong_slot_says_it_the_same_way(
    admin_client, ui, url: str, field: str, path: str, found: str, needed: str
) -> None:
    """Whatever the slot, a wrong export is refused with one and the same French wording."""
    response = ui.upload(admin_client, getattr(ui, url), {field: getattr(ui, path)})
    text = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "ce fichier contient l'export " in text and found in text
    assert f"alors qu'on attend ici l'export {needed}" in text
