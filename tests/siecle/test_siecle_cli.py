"""``cpro-siecle analyse``: French summary, JSON, exit codes, never a traceback."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cpro_siecle_plugin.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
DATA = Path(__file__).resolve().parents[1] / "data"
FILES = [str(SAMPLES / n) for n in ("sts_emp_0691234X_2025.xml", "ElevesSansAdresses.zip",
                                     "ResponsablesAvecAdresses.zip")]


@pytest.fixture(autouse=True)
def _no_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ledger path that does not exist: analyse runs as on a fresh machine."""
    monkeypatch.setenv("CPRO_SIECLE_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite3'}")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def test_analyse_prints_a_french_summary() -> None:
    """Every count of the issue appears with its French label, then the warnings."""
    code, out, _ = _run("analyse", *FILES, "--today", "2025-11-02")
    assert code == 0
    for line in ("Établissement (UAJ) : 0691234X", "Année scolaire : 2025-2026",
                 "Classes : 3", "Groupes : 2", "Enseignants : 4", "Direction : 2",
                 "Autres personnels : 0", "Élèves dans le fichier : 27", "Élèves actifs : 25",
                 "Sortis encore présents : 1", "Responsables : 52", "Avertissements : 2",
                 "Erreurs : 0"):
        assert line in out
    assert "Avertissement — ElevesSansAdresses.zip (ElevesSansAdresses.xml), ligne 411" in out


def test_analyse_json_gives_the_same_figures() -> None:
    """--json: summary and problems as data."""
    code, out, _ = _run("analyse", *FILES, "--json", "--today", "2025-11-02")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    assert data["summary"]["active_students"] == 25 and len(data["problems"]) == 2


def test_analyse_exits_non_zero_on_errors() -> None:
    """Students without STS: error listed, exit code 1."""
    code, out, _ = _run("analyse", FILES[1])
    assert code == 1 and "importez d'abord le fichier STS" in out
    assert "Importation impossible" in out


@pytest.mark.parametrize(("name", "problem"), [
    ("xxe_file.xml", "DTD/entité interdite"), ("billion_laughs.xml", "DTD/entité interdite"),
    ("xxe_http.xml", "DTD/entité interdite"), ("dtd_external.xml", "DTD/entité interdite"),
    ("truncated.xml", "tronqué"), ("empty.xml", "vide"), ("not_xml.xml", "pas un document XML"),
])
def test_hostile_or_broken_file_gives_a_message_not_a_traceback(name: str, problem: str) -> None:
    """Exit code 2 and a French message naming the file and the problem."""
    code, out, err = _run("analyse", str(DATA / name))
    assert code == 2 and out == ""
    assert f"« {name} »" in err and problem in err and "Traceback" not in err


def test_zip_bomb_and_slip_through_the_cli(tmp_path: Path) -> None:
    """Zip refusals reach the admin the same way."""
    bomb, slip = tmp_path / "bomb.zip", tmp_path / "slip.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("e.xml", b"<BEE_ELEVES>" + b" " * (4 * 1024 * 1024) + b"</BEE_ELEVES>")
    with zipfile.ZipFile(slip, "w") as archive:
        archive.writestr("../e.xml", b"<BEE_ELEVES/>")
    assert "bombe de décompression" in _run("analyse", str(bomb))[2]
    assert "dangereux" in _run("analyse", str(slip))[2]


def test_bad_today_is_a_usage_error() -> None:
    """An unreadable --today is refused by click with a French hint."""
    code, _, err = _run("analyse", FILES[0], "--today", "02/11/2025")
    assert code == 2 and "AAAA-MM-JJ" in err
