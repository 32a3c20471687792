"""Frozen records read from the three exports, and the ``Snapshot`` that joins them.

Every record keeps ``source`` (file name and line) so any later message can point back
to where a value came from. Dates are ``datetime.date``; empty XML elements are ``None``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class ExportKind(enum.Enum):
    """Which export a file is, recognised from its root element."""

    STS = "sts"  # root STS_EDT
    ELEVES = "eleves"  # root BEE_ELEVES
    RESPONSABLES = "responsables"  # root BEE_RESPONSABLES

    @property
    def label(self) -> str:
        """French name of the export, for messages."""
        return {
            ExportKind.STS: "export STS-web (sts_emp)",
            ExportKind.ELEVES: "export SIECLE des élèves (ElevesSansAdresses)",
            ExportKind.RESPONSABLES: "export SIECLE des responsables (ResponsablesAvecAdresses)",
        }[self]


class StaffRole(enum.Enum):
    """What a staff member is for the platform."""

    TEACHER = "teacher"  # FONCTION ENS
    HEAD = "head"  # FONCTION DIR: head of school and deputies
    OTHER = "other"  # any other or missing function: kept, never dropped silently


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record was read: file name (as given by the admin) and line."""

    file: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class School:
    """A school and school year as an export declares them (year 2025 = 2025-2026).

    ``exported_at`` is when the export was made (``HORODATAGE``, else ``DATE_EXPORT``).
    """

    uaj: str | None
    year: int | None
    name: str | None = None
    exported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """A subject of the STS nomenclature (MATIERE)."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class Structure:
    """A division (class) or a group from STS; ``divisions`` only for groups."""

    code: str
    label: str
    is_group: bool
    divisions: tuple[str, ...] = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class Discipline:
    """A staff member's discipline (DISCIPLINE CODE, LIBELLE_COURT)."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class Service:
    """A teacher teaching ``subject_code`` in division or group ``structure_code``."""

    structure_code: str
    subject_code: str
    subject_label: str
    course_mode: str | None = None


@dataclass(frozen=True, slots=True)
class Staff:
    """A staff member (INDIVIDU) with the services that name them."""

    sts_id: str
    civility: str | None
    last_name: str  # NOM_USAGE, or NOM_PATRONYMIQUE when no usage name
    birth_name: str | None
    first_name: str
    birth_date: date | None
    function: str | None  # raw FONCTION code
    role: StaffRole
    disciplines: tuple[Discipline, ...] = ()
    services: tuple[Service, ...] = ()
    source: SourceRef | None = None

    @property
    def structures(self) -> tuple[str, ...]:
        """Codes of the divisions and groups this person teaches, sorted, unique."""
        return tuple(sorted({s.structure_code for s in self.services}))


@dataclass(frozen=True, slots=True)
class StsExport:
    """Everything read from one sts_emp file."""

    school: School
    structures: tuple[Structure, ...]
    staff: tuple[Staff, ...]
    subjects: tuple[Subject, ...]
    filename: str


@dataclass(frozen=True, slots=True)
class Student:
    """A student (ELEVE) with the division and groups of STRUCTURES_ELEVE."""

    eleve_id: str
    elenoet: str | None
    ine: str | None
    last_name: str  # NOM_DE_FAMILLE
    usage_name: str | None
    first_name: str
    birth_date: date | None
    sex: str | None
    entry_date: date | None
    leaving_date: date | None
    mef: str | None
    division: str | None
    groups: tuple[str, ...] = ()
    email: str | None = None
    source: SourceRef | None = None

    def has_left(self, today: date) -> bool:
        """True when DATE_SORTIE is set and not after ``today``."""
        return self.leaving_date is not None and self.leaving_date <= today


@dataclass(frozen=True, slots=True)
class ElevesExport:
    """Everything read from one ElevesSansAdresses (or ElevesAvecAdresses) file."""

    school: School
    students: tuple[Student, ...]
    filename: str


@dataclass(frozen=True, slots=True)
class Guardian:
    """A person of the Responsables file (PERSONNE)."""

    personne_id: str
    civility: str | None
    last_name: str
    usage_name: str | None
    first_name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class GuardianLink:
    """A student–person link (RESPONSABLE_ELEVE)."""

    eleve_id: str
    personne_id: str
    resp_legal: int | None  # older files: 1, 2 legal guardians, 0 other contact
    niveau: int | None  # files since ~2018: NIVEAU_RESPONSABILITE 1 legal, 2 in charge, 3 contact
    relationship: str | None  # CODE_PARENTE
    source: SourceRef | None = None

    @property
    def is_legal(self) -> bool:
        """A legal guardian: RESP_LEGAL 1/2, or NIVEAU_RESPONSABILITE 1."""
        if self.resp_legal is not None:
            return self.resp_legal in (1, 2)
        return self.niveau == 1


@dataclass(frozen=True, slots=True)
class ResponsablesExport:
    """Everything read from one ResponsablesAvecAdresses file."""

    school: School
    guardians: tuple[Guardian, ...]
    links: tuple[GuardianLink, ...]
    filename: str


#: Where a school's files come from: the national exports, or the school's own tables.
SOURCE_SIECLE = "siecle"
SOURCE_SHEETS = "hors-siecle"
SOURCE_LABELS = {SOURCE_SIECLE: "SIECLE", SOURCE_SHEETS: "hors SIECLE (tableaux de "
                 "l'établissement)"}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the files given to one import say, checked and joined.

    A population is ``None`` when its file was not given: the planner then leaves that
    population untouched (importing STS alone never suspends a student).
    """

    uaj: str
    year: int | None
    sts: StsExport | None = None
    eleves: ElevesExport | None = None
    responsables: ResponsablesExport | None = None
    structures: tuple[Structure, ...] = field(default=())
    source: str = "siecle"  # SOURCE_SIECLE, or SOURCE_SHEETS for the « hors SIECLE » tables

    @property
    def files(self) -> tuple[str, ...]:
        """Names of the files this snapshot was read from."""
        parts = (self.sts, self.eleves, self.responsables)
        return tuple(p.filename for p in parts if p is not None)


#: What an access hook returns for an administrator of every school (the platform's operator).
ALL_SCHOOLS = "ALL"


@dataclass(frozen=True)
class SchoolScope:
    """The schools (UAJ/RNE) an administrator manages: ``uajs``, or all of them."""

    uajs: frozenset[str] = frozenset()
    every: bool = False

    @classmethod
    def of(cls, value: object) -> SchoolScope:
        """From what the host's hook returned: :data:`ALL_SCHOOLS`, or UAJs (a string or an
        iterable of strings). Anything else (``None``, a number) means no school at all.
        """
        if value == ALL_SCHOOLS:
            return cls(every=True)
        if isinstance(value, str):
            value = [value]
        try:
            items = list(value)  # type: ignore[call-overload]
        except TypeError:
            return cls()
        return cls(frozenset(str(v).strip().upper() for v in items if isinstance(v, str)))

    def allows(self, uaj: str) -> bool:
        """Whether the administrator manages ``uaj``."""
        return self.every or uaj.upper() in self.uajs

    @property
    def filter(self) -> frozenset[str] | None:
        """The UAJs to keep in a query, or ``None`` for no filter (every school)."""
        return None if self.every else self.uajs
