"""The command line with « hors SIECLE » tables: templates, analyse/plan/apply, the source."""

from __future__ import annotations

from pathlib import Path

import pytest
import sheets_factory as f
from click.testing import CliRunner

from cpro_siecle_plugin.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CPRO_SIECLE_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    monkeypatch.setenv("CPRO_SIECLE_EMBEDDED_HOST_URL", f"sqlite:///{tmp_path / 'host.sqlite3'}")
    monkeypatch.setenv("CPRO_SIECLE_SECRET", "s")
    return tmp_path


def test_modele_writes_the_workbook_and_the_csv_files(tmp_path: Path) -> None:
    """Both templates, which read back with only the « example rows ignored » warnings."""
    runner = CliRunner()
    assert runner.invoke(main, ["modele", str(tmp_path / "x")]).exit_code == 0
    result = runner.invoke(main, ["modele", str(tmp_path / "c"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert names == ["classes.csv", "eleves.csv", "etablissement.csv", "personnels.csv",
                     "responsables.csv"]
    for folder in ("x", "c"):
        paths = [str(p) for p in sorted((tmp_path / folder).iterdir())]
        out = runner.invoke(main, ["analyse", *paths, "--today", "2025-10-01"])
        assert out.exit_code == 0, out.output
        assert "Source des fichiers : hors SIECLE" in out.output
        assert "ligne(s) d'exemple du modèle" in out.output


def test_analyse_plan_apply_and_the_source_flag(env: Path) -> None:
    """The same commands take the tables; etablissement --source switches explicitly."""
    runner = CliRunner()
    book = str(f.write_xlsx(env / "cfa.xlsx").path)
    out = runner.invoke(main, ["plan", book, "--today", "2025-10-01", "--host", "embedded"])
    assert out.exit_code == 0, out.output
    assert "Comptes à créer : 9" in out.output
    out = runner.invoke(main, ["apply", book, "--today", "2025-10-01", "--host", "embedded"])
    assert out.exit_code == 0, out.output
    assert "zoe.benoit" in out.output
    out = runner.invoke(main, ["etablissement", f.UAJ])
    assert "source « hors SIECLE" in out.output
    out = runner.invoke(main, ["etablissement", f.UAJ, "--source", "siecle"])
    assert "source changée en « SIECLE »" in out.output
    out = runner.invoke(main, ["plan", book, "--today", "2025-10-01", "--host", "embedded"])
    assert out.exit_code == 2 and "est enregistré comme « SIECLE »" in out.output
