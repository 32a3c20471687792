"""The ``plan`` and ``apply`` commands, on the embedded host, with the sample exports."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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


def _eleves_copy(folder: Path, name: str, edit: Callable[[str], str]) -> str:
    """A copy of the sample Eleves file, edited as text (ISO-8859-15 kept)."""
    text = Path(ELEVES).read_text(encoding="iso-8859-15")
    path = folder / name
    path.write_text(edit(text), encoding="iso-8859-15")
    return str(path)


def _without(text: str, eleve_id: str) -> str:
    """The Eleves text without one student (record and structures)."""
    text, n = re.subn(rf'<ELEVE ELEVE_ID="{eleve_id}".*?</ELEVE>\n', "", text, flags=re.S)
    assert n == 1
    return re.sub(rf'<STRUCTURES_ELEVE ELEVE_ID="{eleve_id}".*?</STRUCTURES_ELEVE>\n', "",
                  text, flags=re.S)


def _moved(text: str, eleve_id: str, old: str, new: str) -> str:
    """The Eleves text with one student's division changed."""
    pattern = rf'(<STRUCTURES_ELEVE ELEVE_ID="{eleve_id}".*?<CODE_STRUCTURE>){old}<'
    text, n = re.subn(pattern, rf"\g<1>{new}<", text, count=1, flags=re.S)
    assert n == 1
    return text


def test_leaver_class_change_and_returner_as_a_user_runs_them(
        runner: CliRunner, tmp_path: Path) -> None:
    """A leaver is deactivated (login kept), a class change moves one membership, the
    returner months later gets the same account back."""
    assert runner.invoke(main, ["apply", STS, ELEVES, RESP, *DAY]).exit_code == 0
    gone = _eleves_copy(tmp_path, "gone.xml", lambda t: _moved(_without(t, "1001"),
                                                                "1002", "1ERE1", "TLE1"))
    left = runner.invoke(main, ["apply", gone, "--today", "2025-11-01"])
    assert left.exit_code == 0, left.output
    assert "Comptes à désactiver : 2" in left.output
    assert "FAURÉ Théo (theo.faure) — absent des fichiers ; connexion conservée 12 mois" \
        in left.output
    assert "PARTI Déjà (deja.parti) — sortie le 15/10/2025" in left.output
    assert "Inscriptions à retirer (classes et groupes) : 3" in left.output
    assert "Inscriptions à ajouter (classes et groupes) : 1" in left.output
    back = runner.invoke(main, ["apply", ELEVES, "--today", "2026-03-01"])
    assert back.exit_code == 0, back.output
    assert "Comptes à réactiver : 1" in back.output and "Comptes à créer" not in back.output
    assert "FAURÉ Théo (theo.faure) — réactivé" in back.output
    assert "Aucun changement" in runner.invoke(
        main, ["plan", ELEVES, "--today", "2026-03-01"]).output


def test_homonym_arriving_later_gets_the_next_free_suffix(
        runner: CliRunner, tmp_path: Path) -> None:
    """A third Théo FAURÉ arriving mid-year gets ``theo.faure3``; the others keep theirs."""
    assert runner.invoke(main, ["apply", STS, ELEVES, *DAY]).exit_code == 0

    def add_homonym(text: str) -> str:
        record = re.search(r'<ELEVE ELEVE_ID="1001".*?</ELEVE>\n', text, flags=re.S)
        assert record is not None
        new = (record.group(0).replace("1001", "1050").replace("236758", "236799")
               .replace("397236329KH", "397236329ZZ"))
        structure = ('<STRUCTURES_ELEVE ELEVE_ID="1050" ELENOET="236799">\n<STRUCTURE>'
                     "<CODE_STRUCTURE>2NDE1</CODE_STRUCTURE><TYPE_STRUCTURE>D</TYPE_STRUCTURE>"
                     "</STRUCTURE>\n</STRUCTURES_ELEVE>\n</STRUCTURES>")
        return text.replace("</ELEVES>", new + "</ELEVES>").replace("</STRUCTURES>", structure)

    result = runner.invoke(main, ["apply", _eleves_copy(tmp_path, "e.xml", add_homonym), *DAY])
    assert result.exit_code == 0, result.output
    assert "Comptes à créer : 1" in result.output
    assert "FAURÉ Théo — identifiant : theo.faure3" in result.output


def test_truncated_eleves_is_braked_with_the_cli_option_named(
        runner: CliRunner, tmp_path: Path) -> None:
    """A truncated Eleves file is refused (exit 2) naming ``--force``; forced, it goes through."""
    assert runner.invoke(main, ["apply", STS, ELEVES, *DAY]).exit_code == 0

    def keep_five(text: str) -> str:
        for number in range(1006, 1028):
            text = _without(text, str(number))
        return text

    short = _eleves_copy(tmp_path, "short.xml", keep_five)
    braked = runner.invoke(main, ["apply", short, *DAY])
    assert braked.exit_code == 2
    assert "Frein de sécurité" in braked.output and "--force" in braked.output
    assert "Traceback" not in braked.output
    assert "Aucun changement" in runner.invoke(main, ["plan", ELEVES, *DAY]).output
    forced = runner.invoke(main, ["apply", short, "--force", *DAY])
    assert forced.exit_code == 0, forced.output
    assert "Comptes désactivés (21)" in forced.output


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: t.replace("<UAJ>0691234X</UAJ>", "<UAJ>0699999Z</UAJ>"),
     "deux établissements différents"),
    (lambda t: t.replace("<ANNEE_SCOLAIRE>2025</ANNEE_SCOLAIRE>",
                         "<ANNEE_SCOLAIRE>2024</ANNEE_SCOLAIRE>"), "années scolaires"),
    (lambda t: t.replace("<ID_NATIONAL>205883657HJ</ID_NATIONAL>",
                         "<ID_NATIONAL>397236329KH</ID_NATIONAL>"), "en double"),
])
def test_mixed_or_inconsistent_files_are_refused_before_any_change(
        runner: CliRunner, tmp_path: Path, edit: Callable[[str], str], expected: str) -> None:
    """Eleves from another school or year beside STS, or one INE for two students: exit 2."""
    result = runner.invoke(main, ["apply", STS, _eleves_copy(tmp_path, "e.xml", edit), *DAY])
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output
    assert "Comptes à créer : 6" in runner.invoke(main, ["plan", STS, *DAY]).output


def test_analyse_of_students_alone_uses_the_last_sts_import(
        runner: CliRunner, tmp_path: Path) -> None:
    """Before any import, Eleves alone needs STS (exit 1) and no ledger is created; once STS
    is imported, the same analysis passes against the ledger's classes."""
    before = runner.invoke(main, ["analyse", ELEVES, *DAY])
    assert before.exit_code == 1 and "importez d'abord le fichier STS" in before.output
    assert not (tmp_path / "ledger.sqlite3").exists()
    assert runner.invoke(main, ["apply", STS, *DAY]).exit_code == 0
    after = runner.invoke(main, ["analyse", ELEVES, *DAY])
    assert after.exit_code == 0, after.output
    assert "Analyse réussie" in after.output
