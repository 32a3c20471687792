"""The safety brake in the preview: shown with a « forcer » box, enforced on import."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

KEEP = {b"1001", b"1002", b"1003"}


def _few_students(path: Path) -> bytes:
    """The sample Eleves export cut down to three students (the others vanish)."""
    data = path.read_bytes()
    for tag in (b"ELEVE", b"STRUCTURES_ELEVE"):
        pattern = re.compile(rb"<%s ELEVE_ID=\"(\d+)\".*?</%s>\n" % (tag, tag), re.DOTALL)
        data = pattern.sub(lambda m: m.group(0) if m.group(1) in KEEP else b"", data)
    return data


@pytest.fixture
def braked_preview(admin_client, app, ui) -> str:
    """The preview of an Eleves file that lost most students after a full import."""
    sts = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    ui.run_import(admin_client, app, sts)
    full = ui.upload(admin_client, ui.STUDENTS_URL, {"eleves": ui.ELEVES})
    ui.run_import(admin_client, app, full.get_data(as_text=True))
    few = (_few_students(ui.ELEVES), "ElevesSansAdresses.xml")
    response = ui.upload(admin_client, ui.STUDENTS_URL, {"eleves": few})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_brake_shows_force_checkbox(braked_preview: str) -> None:
    """When the brake triggers, the preview explains it and offers the « forcer » box."""
    assert "cpro-brake" in braked_preview and "Frein de sécurité" in braked_preview
    assert 'name="force" type="checkbox"' in braked_preview


def test_import_without_force_is_refused(admin_client, ui, braked_preview: str) -> None:
    """Confirming without ticking « forcer » is refused with the brake's French message."""
    response = ui.confirm(admin_client, braked_preview)
    assert response.status_code == 409
    assert "Frein de sécurité" in response.get_data(as_text=True)


def test_import_with_force_runs(admin_client, app, ui, braked_preview: str) -> None:
    """Ticking « forcer » applies the plan."""
    status = ui.run_import(admin_client, app, braked_preview, force=True)
    report = admin_client.get(f"{ui.HISTORY_URL}{status['run_id']}").get_data(as_text=True)
    assert "désactivé" in report


def test_brake_is_announced_above_the_lists(braked_preview: str) -> None:
    """The brake warning comes before the long lists of accounts, not only at the bottom."""
    top = braked_preview.index("cpro-brake-top")
    assert top < braked_preview.index("cpro-counts") < braked_preview.index('name="force"')


def test_brake_refusal_leads_back_to_the_preview(admin_client, ui, braked_preview: str) -> None:
    """The refusal page offers a way back to the preview, where the « forcer » box is."""
    html = ui.confirm(admin_client, braked_preview).get_data(as_text=True)
    assert "Revenir à l&#39;aperçu" in html or "Revenir à l'aperçu" in html
