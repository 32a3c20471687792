"""Analysis of the files given to one import: read them, check them together, join them.

``analyse_files`` refuses a file that cannot be read at all (``InputError`` and subclasses:
hostile, truncated, wrong slot). Everything else is collected: every problem of every file
is listed, errors block (``Analysis.snapshot`` is then ``None``), warnings do not. The
analysis is pure: ``today`` is a parameter and nothing but the given files is read.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, BinaryIO

from ..config import Settings
from ..domain import (
    SOURCE_SHEETS,
    SOURCE_SIECLE,
    ElevesExport,
    ExportKind,
    ResponsablesExport,
    Snapshot,
    Staff,
    StaffRole,
    Structure,
    StsExport,
)
from ..errors import AnalysisError, InputError, Problem
from . import _checks
from ._checks import LastImport, SchoolHistory

__all__ = ["Analysis", "LastImport", "SchoolHistory", "analyse_files"]
from .archive import InputFile, XmlSource, read_sources
from .eleves import read_eleves
from .responsables import read_responsables
from .sts import read_sts

_READERS: dict[ExportKind, Callable[[BinaryIO, str], tuple[Any, list[Problem]]]] = {
    ExportKind.STS: read_sts, ExportKind.ELEVES: read_eleves,
    ExportKind.RESPONSABLES: read_responsables,
}


@dataclass(frozen=True)
class ReadExport:
    """An export already read by another reader (the « hors SIECLE » tables).

    :ivar label: name of the file (or sheets) for messages.
    :ivar export: an ``StsExport``, ``ElevesExport`` or ``ResponsablesExport``.
    """

    kind: ExportKind
    label: str
    export: Any


@dataclass(frozen=True)
class Analysis:
    """What the files say and what is wrong with them.

    :ivar snapshot: the checked, joined content; ``None`` when there is any error.
    :ivar problems: every error and warning, in file and line order.
    :ivar summary: counts for display (plain English keys, JSON-able values).
    """

    snapshot: Snapshot | None
    problems: tuple[Problem, ...]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The blocking problems."""
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems that do not block the import."""
        return tuple(p for p in self.problems if not p.is_error)

    @property
    def confirmations(self) -> frozenset[str]:
        """Codes of the confirmations still needed (``new_school``, ``older_year``...)."""
        return frozenset(p.code for p in self.problems if p.needs_confirmation)

    @property
    def ok(self) -> bool:
        """True when nothing blocks the import."""
        return not self.errors

    def raise_for_errors(self) -> None:
        """:raises AnalysisError: carrying every problem, when there is any error."""
        if not self.ok:
            raise AnalysisError(self.problems)


def _sources(files: Sequence[InputFile], settings: Settings,
             expected: Collection[ExportKind] | None) -> dict[ExportKind, XmlSource]:
    found: dict[ExportKind, XmlSource] = {}
    for file in files:
        for source in read_sources(file, settings, expected):
            if source.kind in found:
                raise InputError(source.label, f"l'{source.kind.label} est donné deux fois "
                                               f"(aussi dans « {found[source.kind].label} »)")
            found[source.kind] = source
    return found


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while reading.

    The readers create tens of thousands of records without reference cycles; the collector
    would scan them over and over for nothing (about a fifth of the reading time). It is
    switched back on afterwards, and only if it was on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(source: XmlSource) -> tuple[Any, list[Problem]]:
    with source.open() as stream, _collector_paused():
        return _READERS[source.kind](stream, source.label)


def _structures(sts: StsExport | None, eleves: ElevesExport | None,
                known: Collection[str | Structure]) -> tuple[Structure, ...]:
    """STS structures, or those of the last STS import.

    Bare codes (no record kept) are taken as groups when students use them as one.
    """
    if sts is not None:
        return sts.structures
    used_as_group = {g for s in eleves.students for g in s.groups} if eleves else set()
    records = (k if isinstance(k, Structure) else Structure(k, k, k in used_as_group)
               for k in known)
    return tuple(sorted(records, key=lambda s: s.code))


def _cross_checks(sts: StsExport | None, eleves: ElevesExport | None,
                  resp: ResponsablesExport | None, structures: Sequence[Structure],
                  today: date, has_sts_import: bool, source: str = SOURCE_SIECLE
                  ) -> list[Problem]:
    words = _WORDS[source]
    problems: list[Problem] = []
    if sts is not None:
        problems += _checks.check_duplicates(sts.staff, lambda s: s.sts_id, lambda s: s.source,
                                             words["staff_id"])
        problems += _checks.check_duplicates(sts.structures, lambda s: s.code,
                                             lambda s: s.source, "code de classe ou de groupe")
    elif (eleves or resp) and not has_sts_import:
        label = (eleves or resp).filename  # type: ignore[union-attr]
        problems.append(Problem("error", "sts_first", words["sts_first"], label))
    if eleves is not None:
        problems += _checks.check_duplicates(eleves.students, lambda s: s.eleve_id,
                                             lambda s: s.source, words["student_id"])
        problems += _checks.check_duplicates(eleves.students, lambda s: s.ine,
                                             lambda s: s.source, words["ine"])
        if sts is not None or has_sts_import:
            origin = words["origin"] if sts is not None else words["past_origin"]
            problems += _checks.check_structures(eleves, structures, today, origin,
                                                 words["structures_hint"])
        problems += _checks.check_no_division(eleves, today)
    if resp is not None:
        problems += _checks.check_duplicates(resp.guardians, lambda g: g.personne_id,
                                             lambda g: g.source, words["guardian_id"])
        if eleves is not None:
            problems += _checks.check_links(resp, eleves, words["links_severity"])
    return problems


#: Wording of the cross-file checks by source (the SIECLE exports or the school's tables).
_WORDS = {
    SOURCE_SIECLE: {
        "sts_first": "aucun import STS pour cet établissement : importez d'abord le fichier STS "
                     "(sts_emp) avant les élèves et les responsables",
        "origin": "du fichier STS", "past_origin": "du dernier import STS",
        "structures_hint": "importez d'abord le fichier STS à jour", "links_severity": "warning",
        "staff_id": "identifiant de personnel (INDIVIDU ID)", "student_id": "identifiant ELEVE_ID",
        "guardian_id": "identifiant PERSONNE_ID", "ine": "INE (ID_NATIONAL)",
    },
    SOURCE_SHEETS: {
        "sts_first": "aucune table des classes et des personnels importée pour cet "
                     "établissement : importez-les d'abord (ou en même temps)",
        "origin": "de la table des classes", "past_origin": "de la dernière table des classes "
                                                           "importée",
        "structures_hint": "ajoutez-la à la table des classes", "links_severity": "warning",
        "staff_id": "colonne « Identifiant personnel » :", "student_id": "colonne « Identifiant "
        "élève » :", "guardian_id": "colonne « Identifiant responsable » :",
        "ine": "colonne « INE » :",
    },
}


def _count(staff: Sequence[Staff], role: StaffRole) -> int:
    return sum(1 for s in staff if s.role is role)


def _summary(uaj: str | None, year: int | None, labels: Sequence[str],
             exports: dict[ExportKind, Any], structures: Sequence[Structure], today: date,
             problems: Sequence[Problem]) -> dict[str, Any]:
    sts: StsExport | None = exports.get(ExportKind.STS)
    eleves: ElevesExport | None = exports.get(ExportKind.ELEVES)
    resp: ResponsablesExport | None = exports.get(ExportKind.RESPONSABLES)
    staff = sts.staff if sts else ()
    students = eleves.students if eleves else ()
    present = [s for s in students if not s.has_left(today)]
    links = resp.links if resp else ()
    legal = sum(1 for link in links if link.is_legal)
    errors = sum(1 for p in problems if p.is_error)
    return {
        "uaj": uaj, "year": year, "school_name": sts.school.name if sts else None,
        "files": list(labels),
        "divisions": sum(1 for s in structures if not s.is_group),
        "groups": sum(1 for s in structures if s.is_group),
        "teachers": _count(staff, StaffRole.TEACHER), "heads": _count(staff, StaffRole.HEAD),
        "other_staff": _count(staff, StaffRole.OTHER),
        "students": len(students),
        "active_students": sum(1 for s in present if s.division),
        "leavers": len(students) - len(present),
        "no_division": sum(1 for s in present if not s.division),
        "guardians": len(resp.guardians) if resp else 0,
        "legal_links": legal, "other_links": len(links) - legal,
        "warnings": len(problems) - errors, "errors": errors,
    }


def _confirmed(problems: Sequence[Problem], confirm: Collection[str]) -> list[Problem]:
    """Confirmed problems become warnings; another school's file replaces « STS first »."""
    other_school = any(p.code == "other_school" for p in problems)
    return [
        replace(p, severity="warning", message=f"{p.message} (confirmé)")
        if p.needs_confirmation and p.code in confirm else p
        for p in problems if not (other_school and p.code == "sts_first")
    ]


#: The last STS import of a school, by UAJ: its structures and whether there was one.
PastSts = Callable[[str], tuple[Collection[str | Structure], bool] | None]


def analyse_files(
    files: Sequence[InputFile], *, today: date, settings: Settings,
    known_structures: Collection[str | Structure] = (), has_sts_import: bool = True,
    expected: Collection[ExportKind] | None = None,
    past_sts: PastSts | None = None,
    preread: Sequence[ReadExport] = (), preread_problems: Sequence[Problem] = (),
    source: str = SOURCE_SIECLE,
    history: Callable[[str], SchoolHistory] | None = None,
    confirm: Collection[str] = (),
) -> Analysis:
    """Read the files of one import, check them together and join them into a ``Snapshot``.

    :param today: the date leavers are judged against (``DATE_SORTIE`` on or before it).
    :param known_structures: division and group codes of the school's last STS import, used
        when no STS file is given.
    :param has_sts_import: whether the school was ever imported from STS; without it and
        without an STS file, students and guardians are refused.
    :param expected: exports allowed in this upload slot; ``None`` allows all three.
    :param past_sts: asked once the files' UAJ is known, when no STS file is given, for that
        school's last STS import (``None``: never imported); it then replaces
        ``known_structures`` and ``has_sts_import``, so the files are read only once.
    :param preread: exports read by another reader, checked and joined like the XML ones;
        ``preread_problems`` are what that reader found, ``source`` the snapshot's source.
    :param history: asked once the files' UAJ is known, for what the platform knows of that
        school (see :func:`._checks.check_history`: another school, an earlier year, an
        older export); ``None`` skips these checks.
    :param confirm: codes of the confirmations the admin gave (``new_school``,
        ``older_year``, ``older_export``): those problems no longer block.
    :raises InputError: a file cannot be read at all (see :func:`.archive.read_sources`).
    """
    sources = _sources(files, settings, expected)
    exports: dict[ExportKind, Any] = {r.kind: r.export for r in preread}
    labels = {**{r.kind: r.label for r in preread}, **{k: s.label for k, s in sources.items()}}
    problems: list[Problem] = list(preread_problems)
    if not sources and not preread:
        problems.append(Problem("error", "no_file", "aucun fichier à analyser"))
    for kind, xml in sources.items():
        exports[kind], found = _read(xml)
        problems += found
    sts, eleves = exports.get(ExportKind.STS), exports.get(ExportKind.ELEVES)
    resp = exports.get(ExportKind.RESPONSABLES)
    uaj, year, school_problems = _checks.check_schools(
        [(labels[k], e.school) for k, e in exports.items()])
    if sts is None and uaj and past_sts is not None:
        known_structures, has_sts_import = past_sts(uaj) or ((), False)
    structures = _structures(sts, eleves, known_structures)
    problems = school_problems + problems
    problems += _cross_checks(sts, eleves, resp, structures, today, has_sts_import, source)
    if uaj and history is not None:
        problems += _checks.check_history(uaj, [(k.value, labels[k], e.school)
                                                for k, e in exports.items()], history(uaj))
    problems = _confirmed(problems, confirm)
    problems.sort(key=lambda p: (p.file or "", p.line or 0))
    summary = _summary(uaj, year, list(labels.values()), exports, structures, today, problems)
    summary["source"] = source
    snapshot = None
    if uaj and not any(p.is_error for p in problems):
        snapshot = Snapshot(uaj, year, sts, eleves, resp, structures, source)
    return Analysis(snapshot, tuple(problems), summary)
