"""The template tables as the very records the SIECLE readers produce.

Classes and Personnels become an ``StsExport``, Élèves an ``ElevesExport``, Responsables a
``ResponsablesExport``, all of the school of the Établissement table: from there on, analysis,
planner, brake, apply and reports are the SIECLE code. Every cell problem is collected with the
sheet, the line and the column; a row without identifier is refused (no record).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..domain import (
    Discipline,
    Guardian,
    GuardianLink,
    School,
    Service,
    SourceRef,
    Staff,
    StaffRole,
    Structure,
    Student,
)
from ..errors import Problem
from . import cells
from .columns import fold
from .sheet import Value, is_blank
from .tables import TableRows

_TEACHER = {"enseignant", "enseignante", "ens", "professeur", "professeure", "formateur",
            "formatrice"}
_HEAD = {"direction", "dir", "directeur", "directrice", "chef d'etablissement", "proviseur",
         "proviseure", "principal", "principale", "adjoint", "adjointe"}


@dataclass
class _Row:
    """One data row of a table, collecting the problems of its cells."""

    rows: TableRows
    line: int
    values: list[Value]
    problems: list[Problem] = field(default_factory=list)

    @property
    def source(self) -> SourceRef:
        return SourceRef(self.rows.label, self.line)

    def raw(self, key: str) -> Value:
        index = self.rows.positions.get(key)
        return self.values[index] if index is not None and index < len(self.values) else None

    def get(self, key: str, parser: Callable[[Value, str], cells.Parsed] | None = None) -> Any:
        """The parsed cell; a problem recorded when it is invalid or required and empty."""
        header = self.rows.header(key)
        raw = self.raw(key)
        column = next(c for c in self.rows.table.columns if c.key == key)
        if is_blank(raw):
            if column.required and key in self.rows.positions:
                self.error(f"colonne « {header} » vide : valeur obligatoire")
            return None
        if parser is None:
            return cells.text(raw)
        value, problem = parser(raw, header)
        if problem:
            self.error(problem)
        return value

    def error(self, message: str) -> None:
        self.problems.append(Problem("error", "bad_cell", message, self.rows.label, self.line))


def _each(rows: TableRows, problems: list[Problem],
          build: Callable[[_Row], Any | None]) -> list[Any]:
    out = []
    for line, values in rows.rows:
        row = _Row(rows, line, values)
        record = build(row)
        problems += row.problems
        if record is not None:
            out.append(record)
    return out


def read_school(rows: TableRows, problems: list[Problem]) -> School | None:
    """The school of the Établissement table (exactly one row)."""
    schools = _each(rows, problems, lambda r: School(r.get("uaj", cells.parse_uaj),
                                                     r.get("year", cells.parse_year),
                                                     r.get("name")))
    if len(schools) != 1:
        problems.append(Problem("error", "school_rows", f"{len(schools)} ligne(s) au lieu "
                                "d'une : une seule ligne décrit l'établissement", rows.label))
        return None
    school: School = schools[0]
    return school


def _structure(row: _Row) -> Structure | None:
    code = row.get("code", cells.parse_identifier)
    kind = fold(row.get("type") or "classe")
    if kind not in ("classe", "groupe", "division"):
        row.error(f"colonne « {row.rows.header('type')} » : « {row.get('type')} » : attendu "
                  "« classe » ou « groupe »")
    is_group = kind == "groupe"
    divisions = cells.parse_list(row.raw("divisions")) if is_group else ()
    if code is None:
        return None
    return Structure(code, row.get("label") or code, is_group, divisions, row.source)


def read_classes(rows: TableRows, problems: list[Problem]) -> list[Structure]:
    """Divisions and groups; a group's divisions must be classes of the table."""
    structures: list[Structure] = _each(rows, problems, _structure)
    divisions = {s.code for s in structures if not s.is_group}
    for group in structures:
        for code in group.divisions:
            if code not in divisions:
                problems.append(Problem("error", "unknown_structure", f"groupe « {group.code} » "
                                        f": classe « {code} » absente de la table des classes",
                                        rows.label, group.source.line if group.source else None))
    return structures


def _role(function: str | None) -> tuple[StaffRole, str | None]:
    folded = fold(function or "")
    if folded in _TEACHER:
        return StaffRole.TEACHER, "ENS"
    if folded in _HEAD:
        return StaffRole.HEAD, "DIR"
    return StaffRole.OTHER, function


def _staff(row: _Row, known: set[str]) -> Staff | None:
    person_id = row.get("id", cells.parse_identifier)
    role, function = _role(row.get("function"))
    disciplines = tuple(Discipline(fold(d).upper(), d)
                        for d in cells.parse_list(row.raw("disciplines")))
    codes = cells.parse_list(row.raw("classes"))
    for code in codes:
        if code not in known:
            row.error(f"colonne « {row.rows.header('classes')} » : classe ou groupe « {code} » "
                      "absent de la table des classes")
    services = tuple(Service(code, "", "") for code in codes)
    last, first = row.get("last_name"), row.get("first_name")
    if person_id is None:
        return None
    return Staff(person_id, row.get("civility"), last or "", None, first or "",
                 row.get("birth_date", cells.parse_date), function, role, disciplines,
                 services, row.source)


def read_staff(rows: TableRows, problems: list[Problem], known: set[str]) -> list[Staff]:
    """Staff members; the classes they teach must be in ``known`` (the table of classes)."""
    return _each(rows, problems, lambda row: _staff(row, known))


def _student(row: _Row) -> Student | None:
    student_id = row.get("id", cells.parse_identifier)
    birth = row.get("birth_date", cells.parse_date)
    entry = row.get("entry_date", cells.parse_date)
    leaving = row.get("leaving_date", cells.parse_date)
    if entry and leaving and leaving < entry:
        row.error(f"colonne « {row.rows.header('leaving_date')} » : sortie le "
                  f"{leaving:%d/%m/%Y}, avant l'entrée du {entry:%d/%m/%Y}")
    if student_id is None:
        return None
    return Student(student_id, None, row.get("ine", cells.parse_ine), row.get("last_name") or "",
                   row.get("usage_name"), row.get("first_name") or "", birth,
                   row.get("sex"), entry, leaving, None, row.get("division"),
                   cells.parse_list(row.raw("groups")), row.get("email"), row.source)


def read_students(rows: TableRows, problems: list[Problem]) -> list[Student]:
    """Students with their class and groups."""
    return _each(rows, problems, _student)


def _guardian(row: _Row) -> tuple[Guardian, list[GuardianLink]] | None:
    person_id = row.get("id", cells.parse_identifier)
    legal = row.get("legal", cells.parse_yes_no)
    students = cells.parse_list(row.raw("students"))
    if not students and "students" in row.rows.positions:
        row.error(f"colonne « {row.rows.header('students')} » vide : valeur obligatoire")
    if person_id is None:
        return None
    guardian = Guardian(person_id, row.get("civility"), row.get("last_name") or "", None,
                        row.get("first_name") or "", row.get("email"), row.get("phone"),
                        None, row.source)
    links = [GuardianLink(s, person_id, 1 if legal is not False else 0, None, None, row.source)
             for s in students]
    return guardian, links


def read_guardians(rows: TableRows, problems: list[Problem]
                   ) -> tuple[list[Guardian], list[GuardianLink]]:
    """Guardians and their links to students (legal or not)."""
    pairs = _each(rows, problems, _guardian)
    return [g for g, _ in pairs], [link for _, links in pairs for link in links]
