"""The STS-web reader: school, structures, staff and their services."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cpro_siecle_plugin.domain import Discipline, Service, StaffRole, Structure, StsExport
from cpro_siecle_plugin.errors import Problem
from cpro_siecle_plugin.siecle.sts import read_sts

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
DATA = Path(__file__).resolve().parents[1] / "data"


def _read(path: Path) -> tuple[StsExport, list[Problem]]:
    with path.open("rb") as stream:
        return read_sts(stream, path.name)


def test_sample_school_structures_and_staff_counts() -> None:
    """3 divisions, 2 groups, 4 teachers, 2 heads, no problem."""
    export, problems = _read(SAMPLES / "sts_emp_0691234X_2025.xml")
    assert problems == []
    assert (export.school.uaj, export.school.year) == ("0691234X", 2025)
    assert export.school.name == "LYCEE PROFESSIONNEL JEAN MOULIN"
    assert [s.code for s in export.structures if not s.is_group] == ["2NDE1", "1ERE1", "TLE1"]
    assert [s.code for s in export.structures if s.is_group] == ["ESP1", "ALL1"]
    roles = [s.role for s in export.staff]
    assert roles.count(StaffRole.TEACHER) == 4 and roles.count(StaffRole.HEAD) == 2


def test_sample_teacher_record_is_exact() -> None:
    """D'ALEMBERT Benoît: civility label, ISO birth date, discipline and services."""
    export, _ = _read(SAMPLES / "sts_emp_0691234X_2025.xml")
    teacher = next(s for s in export.staff if s.sts_id == "1132")
    assert (teacher.civility, teacher.last_name, teacher.first_name) == ("MME", "D'ALEMBERT",
                                                                         "Benoît")
    assert teacher.birth_date == date(1991, 3, 27)
    assert teacher.disciplines == (Discipline("L1300", "MATHEMATIQUES"),)
    assert teacher.structures == ("1ERE1", "2NDE1", "ESP1", "TLE1")
    assert Service("ESP1", "030201", "ANGLAIS LV1", "CG") in teacher.services
    assert teacher.source is not None and teacher.source.line == 24


def test_sample_heads_of_school_have_no_service() -> None:
    """FONCTION DIR gives the head role, with no services."""
    export, _ = _read(SAMPLES / "sts_emp_0691234X_2025.xml")
    heads = [s for s in export.staff if s.role is StaffRole.HEAD]
    assert [h.last_name for h in heads] == ["PROVISEUR", "ADJOINT"]
    assert all(h.services == () for h in heads)


def test_group_spanning_divisions_in_both_shapes() -> None:
    """DIVISION_APPARTENANCE as attribute CODE or child CODE_STRUCTURE; CODE_STRUCTURE too."""
    export, problems = _read(DATA / "sts_edge.xml")
    assert problems == []
    group = next(s for s in export.structures if s.is_group)
    assert group == Structure("3LV2ESP", "Espagnol 3e", True, ("3A", "3B", "3C"),
                              group.source)
    assert [s.code for s in export.structures if not s.is_group] == ["3A", "3B", "3C"]
    assert export.structures[1].label == "3B"  # empty LIBELLE_LONG: the code


def test_staff_roles_names_and_iso_8859_15() -> None:
    """Œ and æ decoded; usage name wins; no FONCTION and DOC are other staff, kept."""
    export, _ = _read(DATA / "sts_edge.xml")
    by_id = {s.sts_id: s for s in export.staff}
    assert (by_id["501"].last_name, by_id["501"].birth_name) == ("CŒURDEROY", "L'HUILLIER")
    assert by_id["501"].first_name == "Lætitia" and by_id["501"].birth_date == date(1980, 2, 29)
    assert by_id["502"].last_name == "DE LA FONTAINE"  # empty NOM_USAGE: birth name
    assert by_id["503"].role is StaffRole.HEAD and by_id["503"].civility == "MME"
    assert [by_id[i].role for i in ("504", "505")] == [StaffRole.OTHER, StaffRole.OTHER]
    assert by_id["505"].function is None and by_id["505"].birth_date is None


def test_teacher_with_no_service_is_still_a_teacher() -> None:
    """A teacher named by no SERVICE keeps the teacher role."""
    export, _ = _read(DATA / "sts_edge.xml")
    teacher = next(s for s in export.staff if s.sts_id == "502")
    assert teacher.role is StaffRole.TEACHER and teacher.services == ()


def test_services_read_whatever_the_attribute_order() -> None:
    """Services under divisions and groups, with subject labels (long, else edition)."""
    export, _ = _read(DATA / "sts_edge.xml")
    teacher = next(s for s in export.staff if s.sts_id == "501")
    assert teacher.services == (
        Service("3A", "030201", "ANGLAIS LV1", "CG"),
        Service("3B", "070100", "Économie (€)", None),
        Service("3LV2ESP", "030201", "ANGLAIS LV1", "GR"),
    )


def test_bad_birth_date_and_missing_id_are_errors_with_line(tmp_path: Path) -> None:
    """A staff birth date not in yyyy-mm-dd and an INDIVIDU without ID are errors."""
    path = tmp_path / "sts.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<STS_EDT><DONNEES><INDIVIDUS>\n'
                    '<INDIVIDU ID="1"><NOM_USAGE>A</NOM_USAGE><PRENOM>B</PRENOM>'
                    "<DATE_NAISSANCE>27/03/1991</DATE_NAISSANCE></INDIVIDU>\n"
                    "<INDIVIDU><NOM_USAGE>C</NOM_USAGE><PRENOM>D</PRENOM></INDIVIDU>\n"
                    "</INDIVIDUS></DONNEES></STS_EDT>\n", encoding="utf-8")
    export, problems = _read(path)
    assert [(p.severity, p.code, p.line) for p in problems] == [
        ("error", "bad_date", 3), ("error", "missing_id", 4)]
    assert "27/03/1991" in problems[0].message and problems[0].file == "sts.xml"
    assert [s.sts_id for s in export.staff] == ["1"]


def test_service_of_an_unknown_teacher_is_a_warning(tmp_path: Path) -> None:
    """A service naming an id absent from INDIVIDUS is reported, not fatal."""
    path = tmp_path / "sts.xml"
    path.write_text('<STS_EDT><DONNEES><STRUCTURE><DIVISIONS><DIVISION CODE="X">'
                    '<SERVICES><SERVICE CODE_MATIERE="1"><ENSEIGNANTS><ENSEIGNANT ID="9"/>'
                    "</ENSEIGNANTS></SERVICE></SERVICES></DIVISION></DIVISIONS></STRUCTURE>"
                    "</DONNEES></STS_EDT>", encoding="utf-8")
    _, problems = _read(path)
    assert [(p.severity, p.code) for p in problems] == [("warning", "unknown_teacher")]
