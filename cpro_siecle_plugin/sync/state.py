"""What the plugin's ledger knows, as plain data: the planner's second input.

The store loads a ``LedgerState`` for one school; the planner never touches the database.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


class Population(enum.Enum):
    """Which file feeds a person: staff (STS), students (Eleves), guardians (Responsables)."""

    STUDENT = "student"
    TEACHER = "teacher"
    HEAD = "head"
    STAFF = "staff"  # other staff, only when CREATE_OTHER_STAFF is set
    GUARDIAN = "guardian"

    @property
    def source(self) -> str:
        """The export that feeds this population: ``sts``, ``eleves`` or ``responsables``."""
        if self is Population.STUDENT:
            return "eleves"
        if self is Population.GUARDIAN:
            return "responsables"
        return "sts"

    @property
    def label(self) -> str:
        """French plural label, for messages and reports."""
        return {
            Population.STUDENT: "élèves",
            Population.TEACHER: "enseignants",
            Population.HEAD: "personnels de direction",
            Population.STAFF: "autres personnels",
            Population.GUARDIAN: "responsables légaux",
        }[self]


def person_key(uaj: str, population: Population, national_id: str) -> str:
    """Stable key of a person, from national identifiers scoped by school.

    Staff (teachers, heads, other staff) share one key space: a teacher who becomes a head
    of school stays the same person.
    """
    space = {"student": "eleve", "guardian": "resp"}.get(population.value, "sts")
    return f"{uaj}:{space}:{national_id}"


def current_eleve_id(known: KnownPerson) -> str:
    """The ELEVE_ID under which the files name a known student: the renumbered one, else
    the one its key was made from."""
    return known.eleve_id or known.key.rsplit(":", 1)[-1]


def host_idnumber(key: str) -> str:
    """The ``idnumber`` an account carries on the host: the person key, prefixed."""
    return f"cpro:{key}"


#: Suffix of a teachers' cohort key. No code can end a key with it: see :func:`cohort_key`.
TEACHERS_SUFFIX = ":ens"


def cohort_key(uaj: str, code: str, teachers: bool = False) -> str:
    """Stable key of a division/group cohort; ``teachers`` for its teachers' cohort.

    The code is written with ``%`` and ``:`` escaped (``%25``, ``%3A``), so a group coded
    ``2NDE1:ens`` (``{uaj}:2NDE1%3Aens``) never meets the teachers of ``2NDE1``
    (``{uaj}:2NDE1:ens``). Codes without either sign, i.e. every real STS code, keep the keys
    they had before escaping existed: ledgers need no migration.
    """
    escaped = code.replace("%", "%25").replace(":", "%3A")
    return f"{uaj}:{escaped}" + (TEACHERS_SUFFIX if teachers else "")


def cohort_code(key: str) -> tuple[str, bool]:
    """The structure code of a cohort key, and whether it is its teachers' cohort."""
    rest = key.split(":", 1)[-1]
    teachers = rest.endswith(TEACHERS_SUFFIX)
    rest = rest.removesuffix(TEACHERS_SUFFIX) if teachers else rest
    return rest.replace("%3A", ":").replace("%25", "%"), teachers


@dataclass(frozen=True)
class KnownPerson:
    """A person the ledger knows for this school, as last applied."""

    key: str
    population: Population
    username: str
    idnumber: str
    firstname: str
    lastname: str
    host_id: int | None = None
    active: bool = True
    suspended: bool = False  # suspended on the host
    deactivated_on: date | None = None
    national_id: str | None = None  # INE for students
    #: Students: the ELEVE_ID the files now use, when not the one of the key (renumbered).
    eleve_id: str | None = None
    cohorts: frozenset[str] = frozenset()  # cohort keys the person is a member of


@dataclass(frozen=True)
class KnownCohort:
    """A cohort the ledger knows (created on the host)."""

    key: str
    idnumber: str
    name: str
    host_id: int | None = None


@dataclass(frozen=True)
class LedgerState:
    """Everything the ledger knows that matters to plan one school's import."""

    uaj: str
    people: Mapping[str, KnownPerson] = field(default_factory=dict)
    cohorts: Mapping[str, KnownCohort] = field(default_factory=dict)
    links: frozenset[tuple[str, str]] = frozenset()  # (guardian key, student key)
    taken_usernames: frozenset[str] = frozenset()  # platform-wide, every school
    last_year: int | None = None  # school year of the last applied import
    has_sts_import: bool = False
    known_structures: tuple[str, ...] = ()  # division/group codes of the last STS import

    @classmethod
    def empty(cls, uaj: str) -> LedgerState:
        """The state of a school never imported."""
        return cls(uaj=uaj)
