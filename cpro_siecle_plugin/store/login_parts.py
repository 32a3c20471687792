"""One part of a school's login list read from the ledger, whatever the size of the school.

A school of 4,000 pupils has some 12,000 accounts: reading them all costs a web worker
seconds. « Identifiants » shows a large school part by part — its staff, one class, the
students without a class, or one page of guardians — and each part reads only its people
(with their cohorts, and for guardians their children), by indexed queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ..sync.state import Population, cohort_code, cohort_key
from .people import _record
from .records import PersonRecord
from .tables import CohortRow, GuardianLinkRow, MembershipRow, PersonRow, StructureRow

#: The populations listed as staff.
STAFF = (Population.TEACHER.value, Population.HEAD.value, Population.STAFF.value)


@dataclass(frozen=True)
class LoginsPart:
    """A part of a school's login list: ``staff``, ``class`` (``code``; ``""`` for the
    students without a class), ``guardians`` (page ``page`` of ``per_page``, by name) or
    ``person`` (the one whose key is ``code``)."""

    kind: str
    code: str = ""
    page: int = 1
    per_page: int = 300


@dataclass(frozen=True)
class PartPeople:
    """The people of a part, with the guardians' children (person key → their keys)."""

    people: list[PersonRecord]
    children: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SchoolParts:
    """How many people each part of a school's list holds."""

    staff: int
    guardians: int
    classes: dict[str, int]
    without_class: int


def _division_keys(s: Session, uaj: str) -> list[str]:
    """Keys of the school's class cohorts (not groups, not teachers' cohorts)."""
    groups = set(s.scalars(select(StructureRow.code).where(StructureRow.uaj == uaj,
                                                           StructureRow.is_group)))
    keys = s.scalars(select(CohortRow.key).where(CohortRow.uaj == uaj))
    return [k for k in keys if not cohort_code(k)[1] and cohort_code(k)[0] not in groups]


def school_parts(s: Session, uaj: str) -> SchoolParts:
    """The size of each part of ``uaj``'s list (a few grouped counts)."""
    populations: dict[str, int] = {
        population: int(n) for population, n in s.execute(
            select(PersonRow.population, func.count()).where(PersonRow.uaj == uaj)
            .group_by(PersonRow.population))}
    divisions = _division_keys(s, uaj)
    classes: dict[str, int] = {
        key: int(n) for key, n in s.execute(
            select(MembershipRow.cohort_key, func.count())
            .where(MembershipRow.cohort_key.in_(divisions)).group_by(MembershipRow.cohort_key))}
    placed = s.scalar(select(func.count(distinct(MembershipRow.person_key)))
                      .where(MembershipRow.cohort_key.in_(divisions))) or 0
    students = populations.get(Population.STUDENT.value, 0)
    return SchoolParts(
        staff=sum(populations.get(p, 0) for p in STAFF),
        guardians=populations.get(Population.GUARDIAN.value, 0),
        classes={cohort_code(k)[0]: n for k, n in classes.items()},
        without_class=max(0, students - int(placed)),
    )


def part_people(s: Session, uaj: str, part: LoginsPart) -> PartPeople:
    """The people of ``part`` of ``uaj``'s list, guardians' children included."""
    query = select(PersonRow).where(PersonRow.uaj == uaj)
    if part.kind == "staff":
        query = query.where(PersonRow.population.in_(STAFF))
    elif part.kind == "class":
        query = query.where(PersonRow.population == Population.STUDENT.value)
        if part.code:
            members = select(MembershipRow.person_key).where(
                MembershipRow.cohort_key == cohort_key(uaj, part.code))
            query = query.where(PersonRow.key.in_(members))
        else:
            placed = select(MembershipRow.person_key).where(
                MembershipRow.cohort_key.in_(_division_keys(s, uaj)))
            query = query.where(PersonRow.key.not_in(placed))
    elif part.kind == "person":
        query = query.where(PersonRow.key == part.code)
    else:
        query = (query.where(PersonRow.population == Population.GUARDIAN.value)
                 .order_by(PersonRow.lastname, PersonRow.firstname, PersonRow.key)
                 .offset((max(1, part.page) - 1) * part.per_page).limit(part.per_page))
    rows = list(s.scalars(query))
    children: dict[str, list[str]] = defaultdict(list)
    guardians = [r.key for r in rows if r.population == Population.GUARDIAN.value]
    if guardians:
        for guardian, student in s.execute(
                select(GuardianLinkRow.guardian_key, GuardianLinkRow.student_key)
                .where(GuardianLinkRow.guardian_key.in_(guardians))):
            children[guardian].append(student)
        wanted = {k for kids in children.values() for k in kids}
        rows += list(s.scalars(select(PersonRow).where(PersonRow.key.in_(sorted(wanted)))))
    cohorts = _cohorts_of(s, [r.key for r in rows])
    return PartPeople([_record(r, sorted(cohorts.get(r.key, ()))) for r in rows],
                      dict(children))


def _cohorts_of(s: Session, keys: Collection[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    if keys:
        for person, cohort in s.execute(
                select(MembershipRow.person_key, MembershipRow.cohort_key)
                .where(MembershipRow.person_key.in_(sorted(keys)))):
            out[person].add(cohort)
    return out


def guardian_page(s: Session, uaj: str, key: str, per_page: int) -> int:
    """The guardians' page (of ``per_page``, by name) listing guardian ``key``."""
    row = s.get(PersonRow, key)
    if row is None:
        return 1
    before = s.scalar(select(func.count()).where(
        PersonRow.uaj == uaj, PersonRow.population == Population.GUARDIAN.value,
        (PersonRow.lastname < row.lastname)
        | ((PersonRow.lastname == row.lastname) & (PersonRow.firstname < row.firstname))
        | ((PersonRow.lastname == row.lastname) & (PersonRow.firstname == row.firstname)
           & (PersonRow.key < row.key)))) or 0
    return int(before) // per_page + 1
