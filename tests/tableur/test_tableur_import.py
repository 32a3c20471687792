"""« Hors SIECLE » imports end to end through the service: first import, re-imports, source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sheets_factory as f

from cpro_siecle_plugin.domain import SOURCE_SHEETS, SOURCE_SIECLE
from cpro_siecle_plugin.errors import AnalysisError
from cpro_siecle_plugin.reports import report_csv
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.tableur.columns import TableKind
from tests.doubles.memory_host import MemoryHost


@pytest.fixture
def host() -> MemoryHost:
    return MemoryHost()


@pytest.fixture
def service(host: MemoryHost) -> Iterator[SiecleService]:
    ledger = Ledger("sqlite://")
    yield SiecleService(f.SETTINGS, ledger, host, today=f.TODAY)
    ledger.close()


def imported(service: SiecleService, files: list[InputFile]) -> int:
    preview = service.preview(files, "admin")
    outcome = service.apply(preview.plan_id, preview.checksum, "admin")
    assert outcome.ok, outcome.failed
    assert outcome.run_id is not None
    return outcome.run_id


def test_first_import_from_a_workbook_creates_everyone(
    service: SiecleService, host: MemoryHost, tmp_path: Path
) -> None:
    """Staff, students, guardians and cohorts, as from SIECLE; the school is « hors SIECLE »."""
    run_id = imported(service, [f.write_xlsx(tmp_path / "cfa.xlsx")])
    state = service.ledger.load_state(f.UAJ)
    populations = sorted(p.population.value for p in state.people.values())
    assert populations == ["guardian", "guardian", "head", "student", "student", "student",
                           "student", "teacher", "teacher"]  # R03 is not a legal guardian
    assert host.user("zoe.benoit").idnumber == f"cpro:{f.UAJ}:eleve:E001"
    assert host.user("jerome.martin").firstname == "Jérôme"
    assert host.members(f"cpro:{f.UAJ}:CAP1A-G1") == {"zoe.benoit"}
    assert host.members(f"cpro:{f.UAJ}:CAP1A:ens") == {"helene.lefevre"}
    assert host.guardians_of("maelle.dupre") == {"ines.muller"}
    school = service.ledger.school(f.UAJ)
    assert school is not None and school.source == SOURCE_SHEETS and school.has_sts_import
    csv = report_csv(service.report(run_id))
    assert "zoe.benoit" in csv and "02092008" in csv  # the student's birth-date password


def test_reimport_with_newcomer_leaver_class_change_and_returner(
    service: SiecleService, host: MemoryHost, tmp_path: Path
) -> None:
    """The same rules as SIECLE: create, deactivate, move cohorts, reactivate."""
    imported(service, f.write_csvs(tmp_path / "1"))
    kids = [dict(k) for k in f.STUDENTS]
    kids[1]["division"] = "CAP1B"  # Jérôme changes class
    kids[2]["leaving_date"] = "30/09/2025"  # Maëlle has left
    del kids[3]  # Noé is gone from the table
    kids.append({"id": "E010", "last_name": "Nouvel", "first_name": "Anaïs",
                 "birth_date": "03/03/2009", "division": "CAP1A"})
    tables = f.with_rows(f.TABLES, TableKind.STUDENTS, kids)
    imported(service, f.write_csvs(tmp_path / "2", tables))
    state = service.ledger.load_state(f.UAJ)
    key = f"{f.UAJ}:eleve:"
    assert not state.people[key + "E003"].active and not state.people[key + "E004"].active
    assert state.people[key + "E010"].active
    assert host.members(f"cpro:{f.UAJ}:CAP1B") == {"jerome.martin"}
    assert "jerome.martin" not in host.members(f"cpro:{f.UAJ}:CAP1A")
    imported(service, f.write_csvs(tmp_path / "3"))  # everyone back, as at first
    state = service.ledger.load_state(f.UAJ)
    assert state.people[key + "E004"].active and host.user("noe.garcon").id == \
        state.people[key + "E004"].host_id
    again = service.preview(f.write_csvs(tmp_path / "4"), "admin")
    assert again.plan.is_empty


def test_siecle_files_for_a_hors_siecle_school_are_refused(
    service: SiecleService, tmp_path: Path
) -> None:
    """The school's source is kept: the other kind of files is refused, in French."""
    imported(service, [f.write_xlsx(tmp_path / "cfa.xlsx")])
    service.ledger.set_source(f.UAJ, SOURCE_SIECLE)
    with pytest.raises(AnalysisError, match=r"l'établissement 0771234A est enregistré comme "
                                            r"« SIECLE » : ces fichiers « hors SIECLE"):
        service.preview([f.write_xlsx(tmp_path / "cfa2.xlsx")], "admin")
    service.ledger.set_source(f.UAJ, SOURCE_SHEETS)
    assert service.preview([f.write_xlsx(tmp_path / "cfa3.xlsx")], "admin").plan.is_empty


def test_a_siecle_school_refuses_tables(service: SiecleService, samples: Path,
                                        tmp_path: Path) -> None:
    """A SIECLE school given tables is told to switch its source first."""
    sts = samples / "sts_emp_0691234X_2025.xml"
    imported(service, [InputFile(sts, sts.name)])
    tables = f.with_rows(f.TABLES, TableKind.SCHOOL, [{**f.SCHOOL[0], "uaj": "0691234X"}])
    analysis = service.analyse(f.write_csvs(tmp_path, tables))
    assert [p.code for p in analysis.errors] == ["wrong_source"]
    assert "changez d'abord sa source" in analysis.errors[0].message
