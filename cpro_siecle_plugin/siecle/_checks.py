"""Cross-record and cross-file checks of the analysis, each returning French problems.

Every function is pure: it takes the records read and returns ``Problem`` values naming the
file and, where a record is at fault, its line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from ..domain import ElevesExport, ResponsablesExport, School, SourceRef, Structure, Student
from ..errors import Problem

T = TypeVar("T")


def _line(source: SourceRef | None) -> int | None:
    return source.line if source else None


def _years(year: int | None) -> str:
    return f"{year}-{year + 1}" if year is not None else "?"


def check_schools(schools: Sequence[tuple[str, School]]) -> tuple[str | None, int | None,
                                                                    list[Problem]]:
    """Same UAJ and same school year in every file.

    :param schools: (file label, school) of each export given.
    :returns: the UAJ and year they agree on, and the problems.
    """
    problems: list[Problem] = []
    uaj_ref: tuple[str, str] | None = None
    year_ref: tuple[str, int] | None = None
    for label, school in schools:
        if not school.uaj:
            problems.append(Problem("error", "missing_uaj", "UAJ (code de l'établissement) "
                                    "absent du fichier", label))
        elif uaj_ref is None:
            uaj_ref = (label, school.uaj)
        elif school.uaj != uaj_ref[1]:
            problems.append(Problem(
                "error", "uaj_mismatch", f"fichiers de deux établissements différents : "
                f"« {uaj_ref[0]} » (UAJ {uaj_ref[1]}) et « {label} » (UAJ {school.uaj})", label))
        if school.year is None:
            continue
        if year_ref is None:
            year_ref = (label, school.year)
        elif school.year != year_ref[1]:
            problems.append(Problem(
                "error", "year_mismatch", f"fichiers de deux années scolaires différentes : "
                f"« {year_ref[0]} » ({_years(year_ref[1])}) et « {label} » "
                f"({_years(school.year)})", label))
    if schools and year_ref is None:
        problems.append(Problem("warning", "missing_year", "année scolaire absente des "
                                "fichiers : elle n'a pas pu être vérifiée", schools[0][0]))
    return (uaj_ref[1] if uaj_ref else None), (year_ref[1] if year_ref else None), problems


def check_duplicates(items: Iterable[T], key: Callable[[T], str | None],
                     source: Callable[[T], SourceRef | None], what: str,
                     code: str = "duplicate_id") -> list[Problem]:
    """An error for each record whose ``key`` was already seen (the message gives both lines)."""
    seen: dict[str, int | None] = {}
    problems = []
    for item in items:
        value = key(item)
        if value is None:
            continue
        ref = source(item)
        if value in seen:
            first = seen[value]
            where = f" (déjà ligne {first})" if first else ""
            problems.append(Problem("error", code, f"{what} « {value} » en double{where}",
                                    ref.file if ref else None, _line(ref)))
        else:
            seen[value] = _line(ref)
    return problems


def check_structures(eleves: ElevesExport, structures: Sequence[Structure], today: date,
                     origin: str, hint: str = "importez d'abord le fichier STS à jour"
                     ) -> list[Problem]:
    """Divisions and groups of present students must be known (one error per unknown code).

    :param origin: French phrase naming where codes come from (``du fichier STS``...).
    """
    known = {s.code for s in structures}
    missing: dict[tuple[str, bool], list[Student]] = defaultdict(list)
    for student in eleves.students:
        if student.has_left(today):
            continue
        if student.division and student.division not in known:
            missing[(student.division, False)].append(student)
        for group in student.groups:
            if group not in known:
                missing[(group, True)].append(student)
    problems = []
    for (code, is_group), students in missing.items():
        what = f"groupe « {code} » inconnu" if is_group else f"classe « {code} » inconnue"
        problems.append(Problem(
            "error", "unknown_structure", f"{what} {origin} ({len(students)} élève(s), dont "
            f"{students[0].last_name} {students[0].first_name}) : {hint}", eleves.filename,
            _line(students[0].source)))
    return problems


def check_no_division(eleves: ElevesExport, today: date) -> list[Problem]:
    """A warning for each present student without a division: no account is created."""
    return [
        Problem("warning", "no_division", f"élève {s.eleve_id} ({s.last_name} {s.first_name}) "
                "sans classe : son compte ne sera pas créé", eleves.filename, _line(s.source))
        for s in eleves.students if s.division is None and not s.has_left(today)
    ]


def check_links(responsables: ResponsablesExport, eleves: ElevesExport,
                severity: str = "warning") -> list[Problem]:
    """A problem (a warning unless ``severity`` says) for each link to a student absent from
    the students file."""
    known = {s.eleve_id for s in eleves.students}
    ignored = " : lien ignoré" if severity == "warning" else ""
    return [
        Problem(severity, "unknown_student", f"lien du responsable {link.personne_id} vers "
                f"l'élève {link.eleve_id}, absent du fichier des élèves{ignored}",
                responsables.filename, _line(link.source))
        for link in responsables.links if link.eleve_id not in known
    ]
