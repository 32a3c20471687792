"""Planner edges found by trying real mistakes: each one fixed and pinned here."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sync_factories import (
    TODAY,
    UAJ,
    division,
    gkey,
    group,
    guardian,
    kinds,
    link,
    plan_and_apply,
    skey,
    snapshot,
    staff,
    student,
    tkey,
)

from cpro_siecle_plugin.domain import StaffRole
from cpro_siecle_plugin.sync.plan import CreateCohort
from cpro_siecle_plugin.sync.state import Population, cohort_code, cohort_key


def test_a_group_coded_like_a_teachers_cohort_keeps_its_own_cohort() -> None:
    """A group ``2NDE1:ens`` and the teachers of ``2NDE1`` get two cohorts."""
    structures = [division("2NDE1"), group("2NDE1:ens", "2NDE1")]
    plan, state = plan_and_apply(snapshot(
        staff=[staff("T1", "Anne", "MARTIN", "2NDE1")], structures=structures,
        students=[student("1", division="2NDE1"), student("2", "Zoé", "BLANC", "2NDE1",
                                                          "2NDE1:ens")]))
    keys = sorted(a.cohort_key for a in plan.of_kind(CreateCohort))
    assert keys == [f"{UAJ}:2NDE1", f"{UAJ}:2NDE1%3Aens", f"{UAJ}:2NDE1:ens"]
    assert state.people[tkey("T1")].cohorts == {f"{UAJ}:2NDE1:ens"}


def test_cohort_keys_of_plain_codes_are_unchanged_and_decode_back() -> None:
    """Real STS codes keep their keys (no migration); every code decodes back."""
    assert cohort_key(UAJ, "2NDE1") == f"{UAJ}:2NDE1"
    assert cohort_key(UAJ, "2NDE1", teachers=True) == f"{UAJ}:2NDE1:ens"
    for code in ("2NDE1", "a:b", "50%", "%3A", "x:ens"):
        for teachers in (False, True):
            assert cohort_code(cohort_key(UAJ, code, teachers)) == (code, teachers)


def test_a_teacher_who_becomes_head_changes_function_once() -> None:
    """ENS → DIR: a function change (no new account, no departure), then nothing more."""
    structures = [division("2A")]
    _, state = plan_and_apply(snapshot(staff=[staff("T1", "Anne", "MARTIN", "2A")],
                                   structures=structures))
    head = snapshot(staff=[staff("T1", "Anne", "MARTIN", role=StaffRole.HEAD)],
                    structures=structures)
    plan, state = plan_and_apply(head, state)
    assert [a.kind for a in plan.actions] == ["change_function", "remove_member"]
    assert state.people[tkey("T1")].population is Population.HEAD
    assert plan_and_apply(head, state)[0].is_empty


def test_staff_whose_function_becomes_another_stay_as_other_staff() -> None:
    """ENS → DOC without CREATE_OTHER_STAFF: kept as « autres personnels », not suspended;
    gone from STS later, they leave like anyone."""
    _, state = plan_and_apply(snapshot(staff=[staff("T1")]))
    plan, state = plan_and_apply(snapshot(staff=[staff("T1", role=StaffRole.OTHER)]), state)
    assert [a.kind for a in plan.actions] == ["change_function"]
    assert state.people[tkey("T1")].active
    assert [a.kind for a in plan_and_apply(snapshot(staff=[]), state)[0].actions] == [
        "deactivate_user"]


def test_a_new_eleve_id_finds_its_student_even_when_two_share_the_ine() -> None:
    """Two known students with one INE: a new ELEVE_ID takes the one the file leaves free,
    whatever the key order, so applying then planning again changes nothing."""
    _, state = plan_and_apply(snapshot(students=[student("2", ine="I2")]))
    both = [student("15", "Zoé", "BLANC", ine="I2"), student("2", ine="I2")]
    _, state = plan_and_apply(snapshot(students=both), state)
    moved = snapshot(students=[student("15", "Zoé", "BLANC", ine="I2"), student("1", ine="I2")])
    plan, state = plan_and_apply(moved, state)
    assert not plan.of_kind(CreateCohort) and "create_user" not in plan.counts()
    assert plan_and_apply(moved, state)[0].is_empty


def test_a_leaver_never_takes_by_ine_an_account_this_plan_deletes() -> None:
    """Found by the convergence properties (the apply one with ``days=417``): two accounts
    share an INE, one deactivated past the retention period. The file's leaver under a new
    ELEVE_ID used to claim the expired one (then deleted), so once applied the claim moved
    to the account of the pupil still present, who got a second account on the next
    import. Nobody claims an expired account by INE; the pupil still present claims first."""
    _, state = plan_and_apply(snapshot(students=[student("1", ine="I1"),
                                                 student("2", "Zoé", "BLANC", ine="I1")]))
    day = TODAY + timedelta(days=30)
    _, state = plan_and_apply(snapshot(students=[student("2", "Zoé", "BLANC", ine="I1")]),
                              state, day)
    day += timedelta(days=417)
    files = snapshot(students=[student("3", "Léo", "MOREAU", ine="I1", left=date(2026, 1, 1)),
                               student("4", "Zoé", "BLANC", ine="I1")])
    plan, state = plan_and_apply(files, state, day)
    assert sorted(state.people) == [skey("2")] and state.people[skey("2")].active
    assert plan_and_apply(files, state, day)[0].is_empty


def test_a_returner_after_retention_under_a_new_eleve_id_gets_a_fresh_account() -> None:
    """Back past the retention period under a new ELEVE_ID (same INE): the old account is
    erased first (its login free again, the admin told), a fresh one made under the new id."""
    _, state = plan_and_apply(snapshot(students=[student("1", "Théo", "FAURE", ine="I1")]))
    _, state = plan_and_apply(snapshot(students=[]), state)
    day = TODAY + timedelta(days=400)
    files = snapshot(students=[student("9", "Théo", "FAURE", ine="I1")])
    plan, state = plan_and_apply(files, state, day)
    assert [(a.kind, a.key.rsplit(":", 1)[-1]) for a in plan.actions[:2]] == [
        ("delete_user", "1"), ("create_user", "9")]
    assert state.people[skey("9")].username == "theo.faure" and skey("1") not in state.people
    assert any("RGPD" in w and "theo.faure" in w for w in plan.meta["warnings"])
    assert plan_and_apply(files, state, day)[0].is_empty


def _renumbered() -> tuple[object, object]:
    """Théo and his guardian imported, then Eleves alone names Théo under a new ELEVE_ID."""
    _, state = plan_and_apply(snapshot(students=[student("1", "Théo", "FAURE", ine="I1")],
                                       guardians=[guardian("P")], links=[link("1", "P")]))
    renumbered = snapshot(students=[student("2", "Théo", "FAURE", ine="I1")])
    plan, state = plan_and_apply(renumbered, state)
    return plan, state


def test_responsables_alone_after_a_new_eleve_id_keeps_the_guardian_linked() -> None:
    """The ledger learns the new ELEVE_ID (same account); Responsables imported alone with
    it then finds the student: the guardian stays active and linked, nothing to do."""
    plan, state = _renumbered()
    assert kinds(plan) == ["renumber_student"]  # type: ignore[arg-type]
    assert state.people[skey("1")].eleve_id == "2"  # type: ignore[attr-defined]
    resp = snapshot(guardians=[guardian("P")], links=[link("2", "P")])
    plan, state = plan_and_apply(resp, state)  # type: ignore[arg-type]
    assert plan.is_empty, kinds(plan)
    assert state.people[gkey("P")].active and state.links == {(gkey("P"), skey("1"))}


def test_a_guardian_of_an_unknown_eleve_id_is_not_suspended_silently() -> None:
    """A ledger that never learnt the new ELEVE_ID (renumbered before it kept them): the
    guardian is deactivated, and the preview says who and why, in French."""
    _, state = _renumbered()
    theo = state.people[skey("1")]  # type: ignore[attr-defined]
    state = replace(state, people={**state.people, skey("1"): replace(theo, eleve_id=None)})  # type: ignore[type-var, attr-defined]
    plan, _ = plan_and_apply(snapshot(guardians=[guardian("P")], links=[link("2", "P")]), state)
    assert kinds(plan) == ["deactivate_user"]
    assert any("ELEVE_ID inconnu" in w and "(2)" in w and "Eleves" in w
               for w in plan.meta["warnings"]), plan.meta["warnings"]
