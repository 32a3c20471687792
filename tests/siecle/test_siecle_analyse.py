"""Cross-file analysis: every problem collected, then one verdict and a Snapshot."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bench.generate import generate_school
from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.domain import ExportKind
from cpro_siecle_plugin.errors import AnalysisError, InputError, WrongSlotError
from cpro_siecle_plugin.siecle.analyse import Analysis, analyse_files
from cpro_siecle_plugin.siecle.archive import InputFile

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
DATA = Path(__file__).resolve().parents[1] / "data"
TODAY = date(2025, 11, 2)
SETTINGS = Settings()
STS, ELEVES, RESP = ("sts_emp_0691234X_2025.xml", "ElevesSansAdresses.zip",
                     "ResponsablesAvecAdresses.zip")


def _analyse(*paths: Path, today: date = TODAY, **kwargs: object) -> Analysis:
    files = [InputFile(p, p.name) for p in paths]
    return analyse_files(files, today=today, settings=SETTINGS, **kwargs)  # type: ignore[arg-type]


def _codes(analysis: Analysis) -> list[tuple[str, str]]:
    return [(p.severity, p.code) for p in analysis.problems]


def test_samples_summary_and_snapshot() -> None:
    """The three samples agree; the summary gives every count; two warnings only."""
    analysis = _analyse(SAMPLES / STS, SAMPLES / ELEVES, SAMPLES / RESP)
    assert analysis.ok and analysis.snapshot is not None
    assert analysis.summary == {
        "uaj": "0691234X", "year": 2025, "school_name": "LYCEE PROFESSIONNEL JEAN MOULIN",
        "files": [STS, f"{ELEVES} (ElevesSansAdresses.xml)",
                  f"{RESP} (ResponsablesAvecAdresses.xml)"],
        "divisions": 3, "groups": 2, "teachers": 4, "heads": 2, "other_staff": 0,
        "students": 27, "active_students": 25, "leavers": 1, "no_division": 1,
        "guardians": 52, "legal_links": 55, "other_links": 1, "warnings": 2, "errors": 0,
        "source": "siecle",
    }
    assert _codes(analysis) == [("warning", "no_division"), ("warning", "unknown_student")]
    assert all(p.file and p.line for p in analysis.problems)
    snapshot = analysis.snapshot
    assert (snapshot.uaj, snapshot.year) == ("0691234X", 2025)
    assert snapshot.structures == snapshot.sts.structures  # type: ignore[union-attr]
    assert len(snapshot.files) == 3


def test_files_from_two_schools_are_refused_naming_both(tmp_path: Path) -> None:
    """Another school's students: the error names both files and both UAJ."""
    other = generate_school(tmp_path, 40, 80, 5, uaj="0759999Z")
    analysis = _analyse(SAMPLES / STS, other["eleves"])
    assert analysis.snapshot is None and not analysis.ok
    mismatch = next(p for p in analysis.errors if p.code == "uaj_mismatch")
    assert STS in mismatch.message and "ElevesSansAdresses.xml" in mismatch.message
    assert "0691234X" in mismatch.message and "0759999Z" in mismatch.message


def test_files_of_two_school_years_are_refused(tmp_path: Path) -> None:
    """Last year's guardians with this year's STS: an error naming both years."""
    old = generate_school(tmp_path, 40, 80, 5, year=2024)
    analysis = _analyse(SAMPLES / STS, old["responsables"])
    mismatch = next(p for p in analysis.errors if p.code == "year_mismatch")
    assert "2025-2026" in mismatch.message and "2024-2025" in mismatch.message


def test_students_without_any_sts_import_are_refused() -> None:
    """STS must be imported first: no STS file and none in the ledger is an error."""
    analysis = _analyse(SAMPLES / ELEVES, has_sts_import=False)
    assert ("error", "sts_first") in _codes(analysis)
    assert "importez d'abord le fichier STS" in analysis.errors[0].message
    assert analysis.summary["students"] == 27 and analysis.summary["uaj"] == "0691234X"


def test_known_structures_stand_in_for_sts() -> None:
    """With the last import's codes, students are checked and the snapshot built."""
    analysis = _analyse(SAMPLES / ELEVES, SAMPLES / RESP,
                        known_structures={"2NDE1", "1ERE1", "TLE1", "ESP1", "ALL1"})
    assert analysis.ok and analysis.snapshot is not None and analysis.snapshot.sts is None
    groups = {s.code for s in analysis.snapshot.structures if s.is_group}
    assert groups == {"ESP1", "ALL1"}
    assert all(s.label == s.code for s in analysis.snapshot.structures)


def test_unknown_divisions_and_groups_are_listed() -> None:
    """Each unknown code is one error with the number of students and a line."""
    analysis = _analyse(SAMPLES / ELEVES, known_structures={"2NDE1", "ESP1"})
    unknown = [p for p in analysis.errors if p.code == "unknown_structure"]
    assert sorted(p.message.split("»")[0] for p in unknown) == [
        "classe « 1ERE1 ", "classe « TLE1 ", "groupe « ALL1 "]
    assert all(p.line for p in unknown)


def test_duplicate_identifiers_are_errors() -> None:
    """Two students sharing an INE (public Pix fixture) block the import."""
    pix = SAMPLES / "public-fixtures" / "pix" / "siecle-with-duplicate-national-student-id.xml"
    analysis = _analyse(pix, known_structures={"4A", "42"})
    dup = [p for p in analysis.errors if p.code == "duplicate_id"]
    assert len(dup) == 1 and "00000000123" in dup[0].message and "déjà ligne 8" in dup[0].message


def test_duplicate_eleve_id_and_personne_id(tmp_path: Path) -> None:
    """The same ELEVE_ID or PERSONNE_ID twice in a file is an error at the second line."""
    paths = generate_school(tmp_path, 40, 80, 5)
    for key, tag in (("eleves", b'ELEVE_ID="100001"'), ("responsables", b'PERSONNE_ID="500003"')):
        data = paths[key].read_bytes()
        paths[key].write_bytes(data.replace(tag.replace(b"1\"", b"2\"").replace(b"3\"", b"6\""),
                                            tag, 1))
    analysis = _analyse(*paths.values())
    dup = [p.message for p in analysis.errors if p.code == "duplicate_id"]
    assert any("ELEVE_ID « 100001 »" in m for m in dup)
    assert any("PERSONNE_ID « 500003 »" in m for m in dup)


def test_missing_names_block_and_missing_birth_date_warns(tmp_path: Path) -> None:
    """A nameless student is an error; a student without birth date only a warning."""
    paths = generate_school(tmp_path, 30, 60, 5, no_division=0)
    data = paths["eleves"].read_bytes()
    data = data.replace(b"<PRENOM>", b"<PRENOM_X>", 1).replace(b"</PRENOM>", b"</PRENOM_X>", 1)
    start = data.index(b"<DATE_NAISS>", data.index(b'ELEVE_ID="100005"'))
    data = data[:start] + b"<DATE_NAISS/>" + data[data.index(b"\n", start):]
    paths["eleves"].write_bytes(data)
    analysis = _analyse(paths["sts"], paths["eleves"])
    assert ("error", "missing_name") in _codes(analysis)
    assert ("warning", "missing_birth_date") in _codes(analysis)


def test_generated_school_in_niveau_shape_with_leavers_passes(tmp_path: Path) -> None:
    """A generated school is clean: warnings only for students without class."""
    paths = generate_school(tmp_path, 300, 600, 30, niveau_responsabilite=True, leavers=0.05)
    analysis = _analyse(*paths.values(), today=date(2025, 9, 15))
    assert analysis.ok, analysis.errors
    assert {p.code for p in analysis.warnings} == {"no_division"}
    assert analysis.summary["leavers"] > 0 and analysis.summary["legal_links"] > 0


def test_links_to_absent_students_are_warnings(tmp_path: Path) -> None:
    """Guardians of students left out of the students file are reported, not fatal."""
    paths = generate_school(tmp_path, 100, 200, 10, drop_students=0.1, keep_dropped_links=True)
    analysis = _analyse(*paths.values())
    assert analysis.ok
    assert sum(1 for p in analysis.warnings if p.code == "unknown_student") >= 10


def test_raise_for_errors_carries_every_problem(tmp_path: Path) -> None:
    """AnalysisError lists every error in French."""
    analysis = _analyse(SAMPLES / ELEVES, has_sts_import=False)
    with pytest.raises(AnalysisError) as caught:
        analysis.raise_for_errors()
    assert "Importation impossible" in str(caught.value)
    assert caught.value.problems == analysis.problems


def test_same_export_twice_is_refused(tmp_path: Path) -> None:
    """Two students files in one import are refused, naming both."""
    with pytest.raises(InputError, match="donné deux fois"):
        _analyse(SAMPLES / ELEVES, SAMPLES / "ElevesSansAdresses.xml")


def test_both_zip_forms_give_the_same_snapshot(tmp_path: Path) -> None:
    """Two zips, or one zip holding both files, read the same."""
    both = tmp_path / "siecle.zip"
    with zipfile.ZipFile(both, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(SAMPLES / "ElevesSansAdresses.xml", "EXPORT/ElevesSansAdresse.XML")
        archive.write(SAMPLES / "ResponsablesAvecAdresses.xml", "EXPORT/responsables.xml")
    one = _analyse(SAMPLES / STS, both)
    two = _analyse(SAMPLES / STS, SAMPLES / ELEVES, SAMPLES / RESP)
    assert one.ok and two.ok
    assert [replace(s, source=None) for s in one.snapshot.eleves.students] == [  # type: ignore[union-attr]
        replace(s, source=None) for s in two.snapshot.eleves.students]  # type: ignore[union-attr]
    assert len(one.snapshot.responsables.links) == 56  # type: ignore[union-attr]


def test_wrong_slot_is_refused_by_the_analysis() -> None:
    """The STS slot refuses a students file."""
    with pytest.raises(WrongSlotError, match="export SIECLE des élèves"):
        _analyse(SAMPLES / ELEVES, expected={ExportKind.STS})


def test_no_file_is_an_error() -> None:
    """An empty upload list is a problem, not a crash."""
    assert _codes(_analyse()) == [("error", "no_file")]
