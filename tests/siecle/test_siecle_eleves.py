"""The SIECLE students reader: identities, dates, divisions and groups."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cpro_siecle_plugin.domain import ElevesExport
from cpro_siecle_plugin.errors import Problem, XmlError
from cpro_siecle_plugin.siecle.eleves import read_eleves

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
PIX = SAMPLES / "public-fixtures" / "pix"
DATA = Path(__file__).resolve().parents[1] / "data"


def _read(path: Path) -> tuple[ElevesExport, list[Problem]]:
    with path.open("rb") as stream:
        return read_eleves(stream, path.name)


def test_sample_counts_leaver_and_student_without_class() -> None:
    """27 students; one left on 15/10/2025; one without any class."""
    export, problems = _read(SAMPLES / "ElevesSansAdresses.xml")
    assert problems == [] and len(export.students) == 27
    today = date(2025, 11, 2)
    assert [s.last_name for s in export.students if s.has_left(today)] == ["PARTI"]
    assert [s.last_name for s in export.students if s.division is None] == ["SANS-CLASSE"]
    assert (export.school.uaj, export.school.year) == ("0691234X", 2025)


def test_sample_student_record_is_exact() -> None:
    """FAURÉ Théo, with his identifiers, dates and division, and his line."""
    export, _ = _read(SAMPLES / "ElevesSansAdresses.xml")
    first = export.students[0]
    assert (first.eleve_id, first.elenoet, first.ine) == ("1001", "236758", "397236329KH")
    assert (first.last_name, first.usage_name, first.first_name) == ("FAURÉ", None, "Théo")
    assert (first.birth_date, first.entry_date, first.leaving_date) == (
        date(2010, 10, 6), date(2023, 9, 1), None)
    assert (first.sex, first.mef, first.division, first.groups) == ("1", "20010018110",
                                                                   "2NDE1", ())
    assert first.source is not None and first.source.line == 11


def test_sample_groups_and_homonyms() -> None:
    """Student 1010 is in two groups; the homonyms differ by birth date."""
    export, _ = _read(SAMPLES / "ElevesSansAdresses.xml")
    by_id = {s.eleve_id: s for s in export.students}
    assert by_id["1010"].groups == ("ESP1", "ALL1")
    names = [(s.last_name, s.first_name) for s in export.students]
    twins = [s for s in export.students if names.count((s.last_name, s.first_name)) > 1]
    assert len(twins) == 2 and twins[0].birth_date != twins[1].birth_date


def test_iso_8859_15_apostrophes_particles_and_empty_elements() -> None:
    """Œ, æ, apostrophes and particles decoded; empty elements are None."""
    export, problems = _read(DATA / "eleves_edge.xml")
    by_id = {s.eleve_id: s for s in export.students}
    assert (by_id["7001"].last_name, by_id["7001"].usage_name) == ("CŒURDEROY", "N'DIAYE")
    assert by_id["7001"].first_name == "Lætitia" and by_id["7002"].first_name == "Œdipe"
    assert (by_id["7004"].last_name, by_id["7004"].first_name) == ("O'CONNOR", "Cœlestine")
    assert by_id["7002"].last_name == "DE LA FONTAINE" and by_id["7002"].usage_name is None
    assert by_id["7003"].ine is None and by_id["7003"].birth_date is None
    assert by_id["7001"].email == "laetitia.coeur@exemple.fr"
    assert by_id["7001"].birth_date == date(2012, 2, 29) and by_id["7001"].elenoet == "00123"
    assert [(p.code, p.line) for p in problems] == [("missing_birth_date", 31)]


def test_ine_fallback_leaver_no_division_and_last_year_mef() -> None:
    """INE_BEA is an INE; DATE_SORTIE read; no STRUCTURES_ELEVE; old MEF ignored."""
    export, _ = _read(DATA / "eleves_edge.xml")
    by_id = {s.eleve_id: s for s in export.students}
    assert by_id["7002"].ine == "222222222BB"
    assert by_id["7002"].leaving_date == date(2025, 9, 30) and by_id["7002"].division == "3B"
    assert by_id["7003"].division is None and by_id["7003"].groups == ()
    assert by_id["7004"].mef is None
    assert (by_id["7004"].division, by_id["7004"].groups) == ("3C", ("3LV2ESP",))


@pytest.mark.parametrize(("name", "count"), [
    ("siecle-with-two-valid-students.xml", 2),
    ("siecle-with-two-valid-students-and-school-year.xml", 2),
    ("siecle-with-duplicate-national-student-id.xml", 2),
    ("siecle-with-no-national-student-id.xml", 1),
    ("siecle-with-no-uai.xml", 1),
    ("siecle-with-wrong-uai.xml", 1),
    ("siecle-with-only-ignored-student.xml", 5),
    ("siecle-with-registrations-no-longer-in-school.xml", 5),
])
def test_public_pix_fixtures_are_read(name: str, count: int) -> None:
    """Every public fixture is read with its student count."""
    export, _ = _read(PIX / name)
    assert len(export.students) == count


def test_public_pix_fixture_details() -> None:
    """œ in PRENOM2 files, no UAJ, group before division, empty INE."""
    two, _ = _read(PIX / "siecle-with-two-valid-students.xml")
    assert [(s.last_name, s.division, s.groups) for s in two.students][1] == (
        "COVERT", "4A", ("42",))
    assert _read(PIX / "siecle-with-no-uai.xml")[0].school.uaj is None
    assert _read(PIX / "siecle-with-wrong-uai.xml")[0].school.uaj == "WRONGUAI"
    assert _read(PIX / "siecle-with-no-national-student-id.xml")[0].students[0].ine is None
    year = _read(PIX / "siecle-with-two-valid-students-and-school-year.xml")[0]
    assert year.school.year == 2016


def test_public_pix_truncated_fixture_is_refused() -> None:
    """The fixture cut in the middle of an ELEVE is refused with its line."""
    with pytest.raises(XmlError) as caught:
        _read(PIX / "siecle-broken-after-uai.xml")
    assert caught.value.filename == "siecle-broken-after-uai.xml"
    assert "tronqué" in caught.value.problem


def test_bad_dates_missing_id_and_missing_name_are_errors(tmp_path: Path) -> None:
    """31/02, a yyyy-mm-dd date, no ELEVE_ID and no name: each an error with its line."""
    path = tmp_path / "e.xml"
    path.write_text(
        "<BEE_ELEVES><DONNEES><ELEVES>\n"
        '<ELEVE ELEVE_ID="1"><NOM_DE_FAMILLE>A</NOM_DE_FAMILLE><PRENOM>B</PRENOM>'
        "<DATE_NAISS>31/02/2010</DATE_NAISS></ELEVE>\n"
        '<ELEVE ELEVE_ID="2"><NOM_DE_FAMILLE>A</NOM_DE_FAMILLE><PRENOM>B</PRENOM>'
        "<DATE_NAISS>2010-01-02</DATE_NAISS></ELEVE>\n"
        "<ELEVE><NOM_DE_FAMILLE>C</NOM_DE_FAMILLE><PRENOM>D</PRENOM></ELEVE>\n"
        '<ELEVE ELEVE_ID="4"><PRENOM>E</PRENOM><DATE_NAISS>01/01/2010</DATE_NAISS></ELEVE>\n'
        "</ELEVES></DONNEES></BEE_ELEVES>", encoding="utf-8")
    export, problems = _read(path)
    assert [(p.code, p.line) for p in problems if p.is_error] == [
        ("bad_date", 2), ("bad_date", 3), ("missing_id", 4), ("missing_name", 5)]
    assert "« 31/02/2010 » (attendu jj/mm/aaaa)" in problems[0].message
    assert [s.eleve_id for s in export.students] == ["1", "2", "4"]


def test_structures_of_an_unknown_student_are_a_warning(tmp_path: Path) -> None:
    """STRUCTURES_ELEVE for an ELEVE_ID absent from ELEVES is reported."""
    path = tmp_path / "e.xml"
    path.write_text('<BEE_ELEVES><DONNEES><ELEVES/><STRUCTURES><STRUCTURES_ELEVE ELEVE_ID="9">'
                    "<STRUCTURE><CODE_STRUCTURE>X</CODE_STRUCTURE><TYPE_STRUCTURE>D"
                    "</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE></STRUCTURES></DONNEES>"
                    "</BEE_ELEVES>", encoding="utf-8")
    _, problems = _read(path)
    assert [(p.severity, p.code) for p in problems] == [("warning", "unknown_student")]
