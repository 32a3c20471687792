"""Fold a plan into a ``LedgerState``: the state the ledger holds once the plan is applied.

Pure. Tests use it to check that planning again after applying changes nothing; the
store and the benchmarks may reuse it. Host ids are not known here and stay ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from .plan import (
    Action,
    AddMember,
    ChangeFunction,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    DeleteUser,
    LinkGuardian,
    Plan,
    ReactivateUser,
    RemoveMember,
    RenumberStudent,
    SuspendUser,
    UnlinkGuardian,
)
from .state import KnownCohort, KnownPerson, LedgerState, Population


class _Fold:
    """Mutable working copy of a state while the actions of a plan are folded in."""

    def __init__(self, state: LedgerState, today: date) -> None:
        self.today = today
        self.people = dict(state.people)
        self.cohorts = dict(state.cohorts)
        self.links = set(state.links)
        self.taken = set(state.taken_usernames)

    def person(self, key: str, **changes: object) -> None:
        self.people[key] = replace(self.people[key], **changes)  # type: ignore[arg-type]

    def member(self, key: str, cohort: str, add: bool) -> None:
        cohorts = self.people[key].cohorts
        self.person(key, cohorts=cohorts | {cohort} if add else cohorts - {cohort})

    def create_user(self, a: CreateUser) -> None:
        self.people[a.person_key] = KnownPerson(
            key=a.person_key,
            population=Population(a.population),
            username=a.username,
            idnumber=a.idnumber,
            firstname=a.firstname,
            lastname=a.lastname,
            national_id=a.national_id,
        )
        self.taken.add(a.username)

    def delete_user(self, a: DeleteUser) -> None:
        # The ledger forgets deleted people; their login is free again.
        self.people.pop(a.person_key, None)
        self.taken.discard(a.username)
        self.links = {link for link in self.links if a.person_key not in link}


def _handlers(f: _Fold) -> dict[type[Action], Callable[[Action], None]]:
    def cohort(a: CreateCohort) -> None:
        f.cohorts[a.cohort_key] = KnownCohort(a.cohort_key, a.idnumber, a.name)

    def reactivate(a: ReactivateUser) -> None:
        f.person(a.person_key, active=True, suspended=False, deactivated_on=None)

    def deactivate(a: DeactivateUser) -> None:
        f.person(a.person_key, active=False, suspended=a.suspend, deactivated_on=f.today)

    table: dict[type, Callable[..., None]] = {
        CreateCohort: cohort,
        CreateUser: f.create_user,
        ReactivateUser: reactivate,
        ChangeFunction: lambda a: f.person(a.person_key, population=Population(a.population)),
        RenumberStudent: lambda a: f.person(a.person_key, eleve_id=a.eleve_id),
        RemoveMember: lambda a: f.member(a.person_key, a.cohort_key, add=False),
        AddMember: lambda a: f.member(a.person_key, a.cohort_key, add=True),
        UnlinkGuardian: lambda a: f.links.discard((a.guardian_key, a.student_key)),
        LinkGuardian: lambda a: f.links.add((a.guardian_key, a.student_key)),
        DeactivateUser: deactivate,
        SuspendUser: lambda a: f.person(a.person_key, suspended=True),
        DeleteUser: f.delete_user,
    }
    return table


def apply_to_state(plan: Plan, state: LedgerState, today: date) -> LedgerState:
    """The ledger state after ``plan`` is applied in full on ``today``.

    :param plan: a plan computed from ``state``.
    :param state: the state the plan was computed from.
    :param today: the date the plan is applied (recorded as the deactivation date).
    :returns: a new state; ``state`` is left unchanged.
    """
    fold = _Fold(state, today)
    handlers = _handlers(fold)
    for action in plan.actions:
        handlers[type(action)](action)
    year = plan.meta.get("year")
    populations = plan.meta.get("populations", ())
    last_year = state.last_year
    # The year-change threshold of the brake is about students leaving: only an import
    # of the Eleves file moves the school to a new year (STS often comes first).
    if isinstance(year, int) and "eleves" in populations:
        last_year = year if last_year is None else max(last_year, year)
    structures = plan.meta.get("structures")
    return replace(
        state,
        people=fold.people,
        cohorts=fold.cohorts,
        links=frozenset(fold.links),
        taken_usernames=frozenset(fold.taken),
        last_year=last_year,
        has_sts_import=state.has_sts_import or "sts" in populations,
        known_structures=tuple(structures) if structures is not None else state.known_structures,
    )
