"""Reading people, cohorts and schools out of the ledger, in few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..sync.state import KnownCohort, KnownPerson, LedgerState, Population
from .records import PersonRecord, SchoolRecord
from .tables import (
    LOGIN_STEM,
    CohortRow,
    GuardianLinkRow,
    MembershipRow,
    PersonRow,
    SchoolRow,
    StructureRow,
)

#: Stems per query of :func:`taken_logins` (well under every database's parameter limit).
STEMS_PER_QUERY = 500
#: Student keys per query of :func:`_links` (idem: SQLite allows 32,766 parameters).
KEYS_PER_QUERY = 900


def load_state(s: Session, uaj: str, every_login: bool = True) -> LedgerState:
    """The planner's view of ``uaj``: six queries whatever the number of people.

    ``taken_usernames`` holds every login of the platform, or with ``every_login`` false
    only the school's own (add the others' with :func:`taken_logins`).
    """
    school = school_record(s, uaj)
    cohorts_of = _memberships(s, uaj)
    people = {
        r.key: KnownPerson(
            key=r.key, population=Population(r.population), username=r.username,
            idnumber=r.idnumber, firstname=r.firstname, lastname=r.lastname,
            host_id=r.host_id, active=r.active, suspended=r.suspended,
            deactivated_on=r.deactivated_on, national_id=r.national_id, eleve_id=r.eleve_id,
            cohorts=frozenset(cohorts_of.get(r.key, ())),
        )
        for r in s.execute(select(PersonRow).where(PersonRow.uaj == uaj)).scalars()
    }
    cohorts = {
        r.key: KnownCohort(r.key, r.idnumber, r.name, r.host_id)
        for r in s.execute(select(CohortRow).where(CohortRow.uaj == uaj)).scalars()
    }
    links = _links(s, uaj)
    return LedgerState(
        uaj=uaj, people=people, cohorts=cohorts,
        links=frozenset((g, st) for g, st in links),
        taken_usernames=(frozenset(s.scalars(select(PersonRow.username))) if every_login
                         else frozenset(p.username for p in people.values())),
        last_year=school.last_year if school else None,
        has_sts_import=school.has_sts_import if school else False,
        known_structures=school.structures if school else (),
    )


def taken_logins(s: Session, stems: Iterable[str]) -> frozenset[str]:
    """Logins of the platform whose stem is one of ``stems`` (indexed, every school)."""
    wanted = sorted(set(stems))
    out: set[str] = set()
    for start in range(0, len(wanted), STEMS_PER_QUERY):
        chunk = wanted[start:start + STEMS_PER_QUERY]
        out.update(s.scalars(select(PersonRow.username).where(LOGIN_STEM.in_(chunk))))
    return frozenset(out)


def _memberships(
    s: Session, uaj: str | None, uajs: Collection[str] | None = None
) -> dict[str, set[str]]:
    # Through the school's cohorts: an index range of the memberships' primary key
    # (cohort, person), where going through its people has the database scan them all.
    # A person is only ever a member of their own school's cohorts.
    query = select(MembershipRow.person_key, MembershipRow.cohort_key).join(
        CohortRow, CohortRow.key == MembershipRow.cohort_key)
    rows = s.execute(_by_school(query, CohortRow.uaj, uaj, uajs))
    out: dict[str, set[str]] = defaultdict(set)
    for person, cohort in rows:
        out[person].add(cohort)
    return out


def school_record(s: Session, uaj: str) -> SchoolRecord | None:
    """The school's record with its known structure codes, or ``None``."""
    row = s.get(SchoolRow, uaj)
    if row is None:
        return None
    codes = s.scalars(select(StructureRow.code).where(StructureRow.uaj == uaj)
                      .order_by(StructureRow.code))
    return SchoolRecord(row.uaj, row.name, row.last_year, row.has_sts_import, row.version,
                        row.version_plan_id, tuple(codes), row.source)


def _links(s: Session, uaj: str | None, uajs: Collection[str] | None = None
           ) -> list[tuple[str, str]]:
    """(guardian key, student key) of the links of school ``uaj`` (or of ``uajs``; every
    school's if both are ``None``).

    A link's guardian and student are of one school (both come from its files). The school's
    students are read first, then their links by the links' student index, a part at a time:
    joined in one statement, PostgreSQL chose to scan every school's links from a few
    thousand people up (``python -m bench scale``).
    """
    pairs = select(GuardianLinkRow.guardian_key, GuardianLinkRow.student_key)
    if uaj is None and uajs is None:
        return [(g, st) for g, st in s.execute(pairs)]
    students = list(s.scalars(_by_school(select(PersonRow.key), PersonRow.uaj, uaj, uajs)
                              .where(PersonRow.population == Population.STUDENT.value)))
    out: list[tuple[str, str]] = []
    for start in range(0, len(students), KEYS_PER_QUERY):
        part = students[start:start + KEYS_PER_QUERY]
        out += [(g, st) for g, st in s.execute(
            pairs.where(GuardianLinkRow.student_key.in_(part)))]
    return out


def _by_school(query: Any, column: Any, uaj: str | None, uajs: Collection[str] | None) -> Any:
    """``query`` kept to school ``uaj``, else to ``uajs`` (every school when both are None)."""
    if uaj is not None:
        return query.where(column == uaj)
    if uajs is not None:
        return query.where(column.in_(sorted(uajs)))
    return query


def structures(
    s: Session, uaj: str | None, uajs: Collection[str] | None = None
) -> dict[str, tuple[str, bool]]:
    """Known structures of ``uaj`` (every school, or of ``uajs``, if ``None``):
    code → (label, is_group).
    """
    query = _by_school(select(StructureRow), StructureRow.uaj, uaj, uajs)
    return {r.code: (r.label, r.is_group) for r in s.execute(query).scalars()}


def guardian_children(
    s: Session, uaj: str | None, uajs: Collection[str] | None = None
) -> dict[str, list[str]]:
    """Guardian key → keys of their students, as last applied (every school, or those of
    ``uajs``, if ``None``)."""
    out: dict[str, list[str]] = defaultdict(list)
    for guardian, student in _links(s, uaj, uajs):
        out[guardian].append(student)
    return dict(out)


def person_record(s: Session, key: str) -> PersonRecord | None:
    """One person with their cohort keys, or ``None``."""
    row = s.get(PersonRow, key)
    if row is None:
        return None
    cohorts = s.scalars(select(MembershipRow.cohort_key).where(MembershipRow.person_key == key))
    return _record(row, sorted(cohorts))


def people_records(
    s: Session, uaj: str | None, uajs: Collection[str] | None = None
) -> list[PersonRecord]:
    """People of ``uaj`` (every school, or of ``uajs``, if ``None``) with their cohorts,
    sorted by name.
    """
    cohorts_of = _memberships(s, uaj, uajs)
    query = select(PersonRow).order_by(PersonRow.uaj, PersonRow.population, PersonRow.lastname,
                                       PersonRow.firstname, PersonRow.key)
    query = _by_school(query, PersonRow.uaj, uaj, uajs)
    rows = s.execute(query).scalars()
    return [_record(r, sorted(cohorts_of.get(r.key, ()))) for r in rows]


def _record(row: PersonRow, cohorts: list[str]) -> PersonRecord:
    return PersonRecord(row.key, row.uaj, row.population, row.username, row.firstname,
                        row.lastname, row.host_id, row.active, row.suspended, row.birth_date,
                        row.deactivated_on, tuple(cohorts))
