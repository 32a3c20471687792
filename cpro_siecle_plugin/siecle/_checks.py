"""Cross-record and cross-file checks of the analysis, each returning French problems.

Every function is pure: it takes the records read and returns ``Problem`` values naming the
file and, where a record is at fault, its line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
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


@dataclass(frozen=True)
class LastImport:
    """The school year and export time of the last file of one kind imported for a school."""

    year: int | None
    exported_at: datetime | None


@dataclass(frozen=True)
class SchoolHistory:
    """What the platform's ledger knows of a school, for the analysis (plain facts).

    :ivar known: the school was imported on this platform before.
    :ivar last: the last import of each export (``sts``, ``eleves``, ``responsables``).
    :ivar others: the other schools imported on this platform.
    """

    known: bool
    last: Mapping[str, LastImport] = field(default_factory=dict)
    others: tuple[str, ...] = ()


#: Confirmations an admin may give, by problem code: « nouvel établissement », « forcer ».
NEW_SCHOOL = "new_school"
OLDER_FILE_CODES = frozenset({"older_year", "older_export"})


def _when(moment: datetime) -> str:
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return f"{moment:%d/%m/%Y}"
    return f"{moment:%d/%m/%Y à %H:%M}"


def check_history(uaj: str, files: Sequence[tuple[str, str, School]],
                  history: SchoolHistory) -> list[Problem]:
    """This school's files, of this year, newer than the last imported.

    :param files: (export name ``sts``/``eleves``/``responsables``, file label, school).
    :returns: a ``confirm`` problem for a school never imported on a platform holding
        others (code ``new_school``) and for a file of an earlier school year or an older
        export than the last imported of its kind (``older_year``, ``older_export``); an
        error for students or guardians of a school the platform does not know.
    """
    if not history.known:
        return _unknown_school(uaj, files, history.others)
    problems = []
    for kind, label, school in files:
        last = history.last.get(kind)
        if last is None:
            continue
        if school.year is not None and last.year is not None and school.year < last.year:
            since = f", export du {_when(last.exported_at)}" if last.exported_at else ""
            problems.append(Problem(
                "confirm", "older_year", f"fichier de l'année scolaire {_years(school.year)}, "
                f"antérieure à celle du dernier import de ce fichier ({_years(last.year)}"
                f"{since}) : il remettrait la plateforme dans un état passé. Vérifiez le "
                "fichier, ou forcez si c'est voulu", label))
        elif (school.exported_at is not None and last.exported_at is not None
              and school.exported_at < last.exported_at
              and (school.year is None or last.year is None or school.year == last.year)):
            problems.append(Problem(
                "confirm", "older_export", f"export du {_when(school.exported_at)}, plus "
                f"ancien que celui du dernier import de ce fichier (export du "
                f"{_when(last.exported_at)}) : il remettrait la plateforme dans un état passé. "
                "Vérifiez le fichier, ou forcez si c'est voulu", label))
    return problems


def _unknown_school(uaj: str, files: Sequence[tuple[str, str, School]],
                    others: Sequence[str]) -> list[Problem]:
    sts = next(((label, school) for kind, label, school in files if kind == "sts"), None)
    if not others:
        return []  # the platform's first school: nothing to compare it with
    known = ", ".join(others)
    if sts is not None:
        name = f" ({sts[1].name})" if sts[1].name else ""
        return [Problem(
            "confirm", NEW_SCHOOL, f"établissement {uaj}{name} jamais importé sur cette "
            f"plateforme (déjà importé(s) : {known}). Si c'est bien un nouvel établissement, "
            "confirmez « nouvel établissement » ; sinon ce n'est pas le bon fichier", sts[0])]
    return [Problem(
        "error", "other_school", f"fichier de l'établissement {uaj}, jamais importé sur cette "
        f"plateforme (déjà importé(s) : {known}) : ce n'est sans doute pas le bon fichier. "
        "Pour un nouvel établissement, importez d'abord son fichier STS (sts_emp)", label)
        for _, label, _ in files]
