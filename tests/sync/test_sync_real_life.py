"""What a school meets first in real life: mixed roles, partial imports, renumbered students."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sync_factories import (
    SETTINGS,
    TODAY,
    gkey,
    guardian,
    link,
    plan_and_apply,
    skey,
    snapshot,
    tkey,
)
from test_sync_planner import GUARDIANS, LINKS, STUDENTS, created, full

from cpro_siecle_plugin.sync.plan import DeactivateUser, ReactivateUser
from cpro_siecle_plugin.sync.planner import add_months, compute_plan


def test_guardian_who_is_also_a_teacher_keeps_two_separate_accounts() -> None:
    """A teacher who is also a parent has a staff and a guardian account; the teacher, being
    staff, keeps the plain login; losing the guardian role never suspends the teacher."""
    parent = guardian("505", "Anne", "MARTIN")  # same name as teacher T1
    plan, state = plan_and_apply(
        full(guardians=(*GUARDIANS, parent), links=(*LINKS, link("1003", "505"))))
    users = created(plan)
    assert users[tkey("T1")].username == "anne.martin"
    assert users[gkey("505")].username == "anne.martin2"
    assert users[tkey("T1")].idnumber != users[gkey("505")].idnumber
    plan, _ = plan_and_apply(full(), state)
    assert [(type(a), a.person_key) for a in plan.actions] == [  # type: ignore[attr-defined]
        (DeactivateUser, gkey("505"))]


def test_eleves_alone_after_responsables_leaves_guardians_to_their_own_file() -> None:
    """A student leaving with Eleves alone keeps their guardians until Responsables comes; the
    same Responsables file then suspends the guardian who has no present student left."""
    _, state = plan_and_apply(full())
    without = tuple(s for s in STUDENTS if s.eleve_id != "1003")
    plan, state = plan_and_apply(snapshot(students=without), state)
    assert {a.person_key for a in plan.actions} == {skey("1003")}  # type: ignore[attr-defined]
    plan, _ = plan_and_apply(snapshot(guardians=GUARDIANS, links=LINKS), state)
    assert plan.actions == (DeactivateUser(
        gkey("502"), "guardian", "awa.chevalier", suspend=True,
        reason="n'est plus responsable légal d'un élève présent"),)


def test_returner_under_a_new_eleve_id_gets_the_same_account_back() -> None:
    """A student who left and comes back months later under a new ELEVE_ID, same INE, is
    reactivated, not created twice."""
    _, state = plan_and_apply(full())
    without = tuple(s for s in STUDENTS if s.eleve_id != "1003")
    _, state = plan_and_apply(snapshot(students=without), state)
    back = replace(STUDENTS[2], eleve_id="2003")
    plan, _ = plan_and_apply(snapshot(students=(*without, back)), state, today=date(2026, 3, 1))
    assert [type(a) for a in plan.actions][0] is ReactivateUser
    assert not created(plan)
    assert {a.person_key for a in plan.actions} == {skey("1003")}  # type: ignore[attr-defined]


def test_returner_after_the_retention_period_is_never_reactivated() -> None:
    """Back in the files more than 12 months after leaving, with no import in between: the old
    account is deleted (GDPR) first, then a fresh one is created in the same import, with its
    login back, its cohorts and its guardians' links; the admin is told."""
    _, state = plan_and_apply(full())
    _, state = plan_and_apply(full(students=STUDENTS[1:]), state)
    later = add_months(TODAY, 13)
    plan, state = plan_and_apply(full(), state, later)
    steps = [(a.kind, getattr(a, "person_key", None)) for a in plan.actions]
    assert steps[:2] == [("delete_user", skey("1001")), ("create_user", skey("1001"))]
    assert {kind for kind, _ in steps[2:]} == {"add_member", "link_guardian"}
    assert plan.actions[0].returning  # type: ignore[attr-defined]
    assert created(plan)[skey("1001")].username == "theo.faure"
    assert any("theo.faure" in w and "RGPD" in w and "compte neuf" in w
               for w in plan.meta["warnings"])
    assert not plan.meta["brake"]["count"]
    assert compute_plan(full(), state, later, SETTINGS).is_empty


def test_responsables_before_any_eleves_import_warns_instead_of_nothing_to_do() -> None:
    """Responsables imported right after STS creates no guardian (no student yet) and says
    why, so the empty plan does not read as « already up to date »; later imports stay quiet."""
    _, state = plan_and_apply(full(students=None, guardians=None))
    plan, state = plan_and_apply(snapshot(guardians=GUARDIANS, links=LINKS), state)
    assert plan.is_empty
    assert any("Aucun élève n'est encore importé" in w and "Eleves" in w
               for w in plan.meta["warnings"])
    _, state = plan_and_apply(snapshot(students=STUDENTS), state)
    plan, _ = plan_and_apply(snapshot(guardians=GUARDIANS, links=LINKS), state)
    assert created(plan) and not any("Aucun élève" in w for w in plan.meta["warnings"])
