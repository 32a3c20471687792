"""Folding a plan into a ledger state: what the ledger holds once the plan is applied."""

from __future__ import annotations

from datetime import date

from sync_factories import (
    TODAY,
    UAJ,
    division,
    plan_and_apply,
    skey,
    snapshot,
    staff,
    student,
    tkey,
)

from cpro_siecle_plugin.sync.fold import apply_to_state
from cpro_siecle_plugin.sync.plan import Plan
from cpro_siecle_plugin.sync.state import LedgerState, Population


def test_fold_records_new_people_memberships_and_logins() -> None:
    """Created people are known, active, in their cohorts, their logins taken."""
    _, state = plan_and_apply(snapshot(students=(student("1001", "Léa", "DURAND", "2A", "G1"),)))
    person = state.people[skey("1001")]
    assert (person.population, person.username, person.active) == (
        Population.STUDENT,
        "lea.durand",
        True,
    )
    assert person.cohorts == {f"{UAJ}:2A", f"{UAJ}:G1"}
    assert person.national_id == "INE1001"
    assert "lea.durand" in state.taken_usernames
    assert set(state.cohorts) == {f"{UAJ}:2A", f"{UAJ}:G1"}


def test_fold_records_deactivation_date_and_suspension() -> None:
    """A departure is dated with the day of the apply; staff are suspended."""
    _, state = plan_and_apply(snapshot(staff=(staff("T1", "Anne", "MARTIN", "2A"),)))
    _, state = plan_and_apply(snapshot(staff=()), state, date(2025, 10, 3))
    person = state.people[tkey("T1")]
    assert (person.active, person.suspended, person.deactivated_on) == (
        False,
        True,
        date(2025, 10, 3),
    )
    assert person.cohorts == frozenset()


def test_fold_leaves_the_given_state_untouched() -> None:
    """Folding returns a new state and never changes its input."""
    empty = LedgerState.empty(UAJ)
    plan, state = plan_and_apply(snapshot(students=(student("1001"),)), empty)
    assert empty.people == {} and state.people
    assert apply_to_state(Plan(()), state, TODAY) == state


def test_only_an_eleves_import_moves_the_school_year() -> None:
    """The last year follows the Eleves file, which the year-change brake is about."""
    _, state = plan_and_apply(snapshot(staff=(), structures=(division("2A"),), year=2026))
    assert state.last_year is None and state.has_sts_import
    assert state.known_structures == ("2A",)
    _, state = plan_and_apply(snapshot(students=(), year=2026), state)
    assert state.last_year == 2026
