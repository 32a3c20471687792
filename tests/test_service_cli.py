"""The ``plan`` and ``apply`` commands, on the embedded host, with the sample exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cpro_siecle_plugin.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "siecle-samples"
STS = str(SAMPLES / "sts_emp_0691234X_2025.xml")
ELEVES = str(SAMPLES / "ElevesSansAdresses.xml")
RESP = str(SAMPLES / "ResponsablesAvecAdresses.xml")
DAY = ["--today", "2025-09-15"]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose ledger and embedded host live in ``tmp_path``."""
    monkeypatch.setenv("CPRO_SIECLE_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    monkeypatch.setenv("CPRO_SIECLE_EMBEDDED_HOST_URL", f"sqlite:///{tmp_path / 'host.sqlite3'}")
    monkeypatch.setenv("CPRO_SIECLE_SECRET", "test")
    monkeypatch.delenv("CPRO_SIECLE_HOST", raising=False)
    return CliRunner()


def test_plan_is_a_dry_run_in_french(runner: CliRunner) -> None:
    """``plan`` prints the counts and changes nothing: planning again gives the same."""
    first = runner.invoke(main, ["plan", STS, *DAY])
    assert first.exit_code == 0, first.output
    assert "Essai à blanc" in first.output and "Comptes à créer : 6" in first.output
    assert runner.invoke(main, ["plan", STS, *DAY]).output == first.output


def test_plan_json_gives_every_action(runner: CliRunner) -> None:
    """``--json`` prints the whole plan with its checksum."""
    result = runner.invoke(main, ["plan", "--json", STS, *DAY])
    data = json.loads(result.output)
    assert data["counts"]["create_user"] == 6 and len(data["checksum"]) == 64


def test_apply_imports_then_same_files_change_nothing(runner: CliRunner) -> None:
    """``apply`` prints the report with logins; the same files again plan nothing."""
    result = runner.invoke(main, ["apply", STS, ELEVES, RESP, *DAY])
    assert result.exit_code == 0, result.output
    assert "importation appliquée" in result.output and "identifiant :" in result.output
    again = runner.invoke(main, ["plan", STS, ELEVES, RESP, *DAY])
    assert "Aucun changement" in again.output


def test_refused_import_exits_with_a_french_message(runner: CliRunner) -> None:
    """Students before any STS import are refused, without a traceback."""
    result = runner.invoke(main, ["apply", ELEVES, *DAY])
    assert result.exit_code == 2
    assert "Erreur :" in result.output and "Traceback" not in result.output
