"""The corpus of real mistakes (tests/data/mistakes): each refused or held for confirmation,
in French, with nothing written; confirmed (or forced) where that makes sense."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cpro_siecle_plugin.cli import main
from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.errors import AnalysisError, SafetyBrakeError
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.tables import PlanRow, RunRow
from tests.doubles.memory_host import MemoryHost

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT / "data" / "mistakes"
SAMPLES = ROOT.parent / ".." / "shared" / "siecle-samples"
UAJ = "0691234X"


@dataclass(frozen=True)
class Mistake:
    folder: str
    code: str  # problem code, or "brake"
    message: str  # a fragment of the French message
    confirm: str | None = None  # the confirmation that lets it through (None: refused)


MISTAKES = [
    Mistake("other_school_sts", "new_school", "établissement 0759999Z (LYCEE PROFESSIONNEL "
            "VOLTAIRE) jamais importé sur cette plateforme (déjà importé(s) : 0691234X)",
            "new_school"),
    Mistake("other_school_eleves", "other_school", "fichier de l'établissement 0759999Z, "
            "jamais importé sur cette plateforme (déjà importé(s) : 0691234X)"),
    Mistake("older_year_sts", "older_year", "fichier de l'année scolaire 2024-2025, antérieure "
            "à celle du dernier import de ce fichier (2025-2026, export du 10/09/2025)",
            "older_year"),
    Mistake("older_year_eleves", "older_year", "année scolaire 2024-2025, antérieure à celle "
            "du dernier import de ce fichier (2025-2026, export du 12/09/2025 à 10:11)",
            "older_year"),
    Mistake("older_export_eleves", "older_export", "export du 01/09/2025 à 08:30, plus ancien "
            "que celui du dernier import de ce fichier (export du 12/09/2025 à 10:11)",
            "older_export"),
    Mistake("zero_width_names", "missing_name", "sans prénom"),
    Mistake("colliding_codes", "duplicate_id", "code de classe ou de groupe « 2NDE1 » en double"),
    Mistake("truncated_year_change", "brake", "au-delà du seuil de 60 % (changement d'année "
            "scolaire : 2025-2026 → 2026-2027", "force"),
]


@pytest.fixture
def host() -> MemoryHost:
    return MemoryHost()


@pytest.fixture
def service(host: MemoryHost) -> Iterator[SiecleService]:
    """A platform where the sample school's three files were imported."""
    ledger = Ledger("sqlite://")
    service = SiecleService(Settings(secret="s", host="memory"), ledger, host,
                            today=date(2025, 9, 15))
    for names in (("sts_emp_0691234X_2025.xml",),
                  ("ElevesSansAdresses.xml", "ResponsablesAvecAdresses.xml")):
        preview = service.preview([InputFile(SAMPLES / n, n) for n in names], "admin")
        assert service.apply(preview.plan_id, preview.checksum, "admin").ok
    yield service
    ledger.close()


def _files(mistake: Mistake) -> list[InputFile]:
    return [InputFile(p, p.name) for p in sorted((CORPUS / mistake.folder).iterdir())]


def _written(service: SiecleService, host: MemoryHost) -> tuple[object, ...]:
    ledger = service.ledger
    return (copy.deepcopy(host.users), copy.deepcopy(host.cohorts), len(host.memberships),
            ledger.load_state(UAJ), ledger.count(RunRow))


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.folder)
def test_each_mistake_is_refused_in_french_with_nothing_written(
    mistake: Mistake, service: SiecleService, host: MemoryHost
) -> None:
    """Refused (or held for a confirmation) with its French message; host and ledger intact."""
    before, plans = _written(service, host), service.ledger.count(PlanRow)
    if mistake.code == "brake":
        preview = service.preview(_files(mistake), "admin")
        with pytest.raises(SafetyBrakeError):
            service.apply(preview.plan_id, preview.checksum, "admin")
        assert mistake.message in preview.brake["message"]
    else:
        with pytest.raises(AnalysisError) as refused:
            service.preview(_files(mistake), "admin")
        found = [p for p in refused.value.problems if p.code == mistake.code]
        assert found and mistake.message in found[0].message, refused.value.problems
        assert found[0].file and found[0].file.endswith(".xml")
        assert found[0].needs_confirmation == (mistake.confirm is not None)
        assert service.ledger.count(PlanRow) == plans
    assert _written(service, host) == before


@pytest.mark.parametrize("mistake", [m for m in MISTAKES if m.confirm],
                         ids=lambda m: m.folder)
def test_a_confirmed_mistake_goes_through(mistake: Mistake, service: SiecleService) -> None:
    """« nouvel établissement » or « forcer » lets the file through, the warning kept."""
    confirm = {mistake.confirm} if mistake.confirm != "force" else set()
    preview = service.preview(_files(mistake), "admin", confirm=confirm)
    outcome = service.apply(preview.plan_id, preview.checksum, "admin",
                            force=mistake.confirm == "force")
    assert outcome.ok
    if mistake.confirm != "force":
        kept = [p for p in preview.analysis.problems if p.code == mistake.code]
        assert kept and kept[0].severity == "warning" and "(confirmé)" in kept[0].message


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI whose ledger and embedded host live in ``tmp_path``."""
    monkeypatch.setenv("CPRO_SIECLE_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    monkeypatch.setenv("CPRO_SIECLE_EMBEDDED_HOST_URL", f"sqlite:///{tmp_path / 'host.sqlite3'}")
    monkeypatch.setenv("CPRO_SIECLE_SECRET", "test")
    monkeypatch.delenv("CPRO_SIECLE_HOST", raising=False)
    return CliRunner()


def test_cli_asks_for_the_new_school_flag_then_accepts_it(runner: CliRunner) -> None:
    """Another school's STS: refused, naming ``--nouvel-etablissement``; accepted with it."""
    day = ["--today", "2025-09-15"]
    assert runner.invoke(main, ["apply", str(SAMPLES / "sts_emp_0691234X_2025.xml"),
                                *day]).exit_code == 0
    other = str(next((CORPUS / "other_school_sts").iterdir()))
    refused = runner.invoke(main, ["apply", other, *day])
    assert refused.exit_code == 2
    assert "jamais importé sur cette plateforme" in refused.output
    assert "relancez la même commande avec --nouvel-etablissement" in refused.output
    assert runner.invoke(main, ["apply", other, "--new-school", *day]).exit_code == 0


def test_cli_analyse_holds_an_older_export_until_forced(runner: CliRunner) -> None:
    """``analyse`` says both dates and ``--force``; with it the analysis passes."""
    day = ["--today", "2025-09-15"]
    for names in (("sts_emp_0691234X_2025.xml",), ("ElevesSansAdresses.xml",)):
        assert runner.invoke(main, ["apply", *(str(SAMPLES / n) for n in names),
                                    *day]).exit_code == 0
    older = str(CORPUS / "older_export_eleves" / "ElevesSansAdresses.xml")
    held = runner.invoke(main, ["analyse", older, *day])
    assert held.exit_code == 1 and "À confirmer" in held.output
    assert "01/09/2025 à 08:30" in held.output and "12/09/2025 à 10:11" in held.output
    assert "--force" in held.output
    assert runner.invoke(main, ["analyse", older, "--force", *day]).exit_code == 0
