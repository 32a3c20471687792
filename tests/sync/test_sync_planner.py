"""The planner's rules, one test per rule: create, keep, leave, return, retain, scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sync_factories import (
    SETTINGS,
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

from cpro_siecle_plugin.domain import Snapshot, StaffRole
from cpro_siecle_plugin.sync.plan import (
    AddMember,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    LinkGuardian,
    ReactivateUser,
    RemoveMember,
    RenumberStudent,
    UnlinkGuardian,
)
from cpro_siecle_plugin.sync.planner import add_months, compute_plan
from cpro_siecle_plugin.sync.state import LedgerState, cohort_key

STRUCTURES = (division("2A", "Seconde A"), division("2B", "Seconde B"), group("G1", "2A", "2B"))
STAFF = (
    staff("T1", "Anne", "MARTIN", "2A", "G1"),
    staff("T2", "Marc", "PETIT", "2B"),
    staff("H1", "Claire", "PROVISEUR", role=StaffRole.HEAD, born=date(1970, 1, 31)),
    staff("O1", "Paul", "AGENT", role=StaffRole.OTHER),
)
STUDENTS = (
    student("1001", "Théo", "FAURÉ", "2A", "G1"),
    student("1002", "Jade", "FAURÉ", "2B", "G1", born=date(2009, 1, 2)),
    student("1003", "Inès", "CHEVALIER", "2A"),
    student("1007", "Noé", "PARTI", "2B", left=date(2025, 9, 1)),
    student("1008", "Sans", "CLASSE", None),
)
GUARDIANS = (
    guardian("501"),
    guardian("502", "Awa", "CHEVALIER"),
    guardian("503", "Voisin"),
    guardian("504", "Mère", "CLASSE"),
)
LINKS = (
    link("1001", "501"),
    link("1002", "501", 2),
    link("1003", "502"),
    link("1001", "503", 0),
    link("1008", "504"),
)


def full(**changes: object) -> Snapshot:
    """The whole fictitious school: STS, Eleves and Responsables."""
    args: dict[str, object] = dict(
        staff=STAFF, structures=STRUCTURES, students=STUDENTS, guardians=GUARDIANS, links=LINKS
    )
    args.update(changes)
    return snapshot(**args)  # type: ignore[arg-type]


def created(plan: object) -> dict[str, CreateUser]:
    """CreateUser actions by person key."""
    return {a.person_key: a for a in plan.of_kind(CreateUser)}  # type: ignore[attr-defined]


def test_first_import_creates_cohorts_staff_students_and_legal_guardians() -> None:
    """First import: cohorts, teachers and heads, active students, linked legal guardians."""
    plan, _ = plan_and_apply(full())
    cohorts = {a.cohort_key: a for a in plan.of_kind(CreateCohort)}
    assert sorted(cohorts) == [
        f"{UAJ}:2A",
        f"{UAJ}:2A:ens",
        f"{UAJ}:2B",
        f"{UAJ}:2B:ens",
        f"{UAJ}:G1",
        f"{UAJ}:G1:ens",
    ]
    assert cohorts[f"{UAJ}:2A"].name == "2A — Seconde A"
    assert cohorts[f"{UAJ}:2A"].idnumber == f"cpro:{UAJ}:2A"
    assert cohorts[f"{UAJ}:G1:ens"].name == "G1 — enseignants"
    assert cohorts[f"{UAJ}:G1:ens"].description == f"Enseignants du groupe G1 ({UAJ})"
    users = created(plan)
    assert sorted(users) == sorted(
        [
            tkey("T1"),
            tkey("T2"),
            tkey("H1"),
            skey("1001"),
            skey("1002"),
            skey("1003"),
            gkey("501"),
            gkey("502"),
        ]
    )
    assert users[tkey("T1")].password == "1980-03-07"
    assert users[tkey("T1")].classes == ("2A", "G1")
    assert users[tkey("T1")].disciplines == ("MATHEMATIQUES",)
    assert users[tkey("H1")].population == "head"
    assert users[skey("1002")].password == "02012009"
    assert users[skey("1001")].username == "theo.faure"
    assert users[gkey("501")].students == (skey("1001"), skey("1002"))
    assert users[gkey("501")].password.isalnum()


def test_first_import_puts_students_in_classes_and_teachers_in_teachers_cohorts() -> None:
    """Class cohorts hold students; teachers go to the teachers' cohort of what they teach."""
    plan, _ = plan_and_apply(full())
    members = {(a.cohort_key, a.person_key) for a in plan.of_kind(AddMember)}
    assert (f"{UAJ}:2A", skey("1001")) in members
    assert (f"{UAJ}:G1", skey("1001")) in members
    assert (f"{UAJ}:G1:ens", tkey("T1")) in members
    assert not any(p == tkey("T1") and not c.endswith(":ens") for c, p in members)
    links = {(a.guardian_key, a.student_key) for a in plan.of_kind(LinkGuardian)}
    assert links == {
        (gkey("501"), skey("1001")),
        (gkey("501"), skey("1002")),
        (gkey("502"), skey("1003")),
    }


def test_reimport_without_change_plans_nothing() -> None:
    """Applying then importing the same files again gives an empty plan."""
    _, state = plan_and_apply(full())
    plan, _ = plan_and_apply(full(), state, date(2025, 10, 1))
    assert plan.is_empty
    assert plan.meta["kept"] == {"guardian": 2, "head": 1, "staff": 0, "student": 3, "teacher": 2}


def test_known_people_are_kept_even_when_their_names_change() -> None:
    """A known user's login, password and names are never touched."""
    _, state = plan_and_apply(full())
    renamed = (
        replace(STUDENTS[0], first_name="Théodore", birth_date=date(2011, 1, 1)),
        *STUDENTS[1:],
    )
    assert plan_and_apply(full(students=renamed), state)[0].is_empty


def test_newcomer_is_created_and_placed_in_class() -> None:
    """A new student gets an account and their class; nobody else is touched."""
    _, state = plan_and_apply(full())
    plan, _ = plan_and_apply(
        full(students=(*STUDENTS, student("1010", "Zoé", "NEUVE", "2B"))), state
    )
    assert kinds(plan) == ["create_user", "add_member"]
    assert plan.actions[1] == AddMember(f"{UAJ}:2B", skey("1010"))


def test_absent_student_leaves_cohorts_and_keeps_login() -> None:
    """A student absent from Eleves leaves their cohorts at once, not suspended by default."""
    _, state = plan_and_apply(full())
    plan, _ = plan_and_apply(full(students=STUDENTS[1:]), state)
    assert plan.of_kind(RemoveMember) == [
        RemoveMember(f"{UAJ}:2A", skey("1001")),
        RemoveMember(f"{UAJ}:G1", skey("1001")),
    ]
    (gone,) = plan.of_kind(DeactivateUser)
    assert gone == DeactivateUser(
        skey("1001"), "student", "theo.faure", suspend=False, reason="absent des fichiers"
    )


def test_student_with_past_leaving_date_is_a_leaver() -> None:
    """A student still in the file with a past DATE_SORTIE is deactivated."""
    _, state = plan_and_apply(full())
    left = replace(STUDENTS[2], leaving_date=date(2025, 9, 10))
    plan, _ = plan_and_apply(full(students=(*STUDENTS[:2], left, *STUDENTS[3:])), state)
    gone = {a.person_key: a for a in plan.of_kind(DeactivateUser)}  # type: ignore[attr-defined]
    assert sorted(gone) == [skey("1003"), gkey("502")]
    assert gone[skey("1003")].reason == "sortie le 10/09/2025"
    assert gone[gkey("502")].suspend  # their only child left


def test_future_leaving_date_keeps_the_student() -> None:
    """A DATE_SORTIE still to come does not deactivate anyone yet."""
    _, state = plan_and_apply(full())
    leaving = replace(STUDENTS[2], leaving_date=date(2025, 12, 20))
    plan, _ = plan_and_apply(full(students=(*STUDENTS[:2], leaving, *STUDENTS[3:])), state)
    assert plan.is_empty


def test_known_student_without_class_is_deactivated() -> None:
    """A known student who no longer has a division is treated as gone."""
    _, state = plan_and_apply(full())
    unplaced = replace(STUDENTS[2], division=None)
    plan, _ = plan_and_apply(full(students=(*STUDENTS[:2], unplaced, *STUDENTS[3:])), state)
    assert [a.reason for a in plan.of_kind(DeactivateUser)][0] == "sans classe"


def test_departing_staff_are_suspended() -> None:
    """A teacher absent from STS is removed from cohorts and suspended."""
    _, state = plan_and_apply(full())
    plan, _ = plan_and_apply(full(staff=STAFF[1:]), state)
    assert kinds(plan) == ["remove_member", "remove_member", "deactivate_user"]
    assert plan.of_kind(DeactivateUser)[0].suspend  # type: ignore[attr-defined]


def test_class_change_moves_memberships_only() -> None:
    """A student moving from 2A to 2B leaves 2A's cohort and joins 2B's."""
    _, state = plan_and_apply(full())
    moved = replace(STUDENTS[2], division="2B")
    plan, _ = plan_and_apply(full(students=(*STUDENTS[:2], moved, *STUDENTS[3:])), state)
    assert plan.actions == (
        RemoveMember(f"{UAJ}:2A", skey("1003")),
        AddMember(f"{UAJ}:2B", skey("1003")),
    )


def test_teachers_assignments_follow_sts() -> None:
    """A teacher's new class in STS moves their teachers' cohort memberships."""
    _, state = plan_and_apply(full())
    moved = staff("T2", "Marc", "PETIT", "2A")
    plan, _ = plan_and_apply(full(staff=(STAFF[0], moved, *STAFF[2:])), state)
    assert plan.actions == (
        RemoveMember(f"{UAJ}:2B:ens", tkey("T2")),
        AddMember(f"{UAJ}:2A:ens", tkey("T2")),
    )


def test_returner_within_retention_is_reactivated_with_classes() -> None:
    """A student back within 12 months is reactivated, not created again."""
    _, state = plan_and_apply(full())
    _, state = plan_and_apply(full(students=STUDENTS[1:]), state)
    back_on = date(2026, 3, 1)
    plan, _ = plan_and_apply(full(), state, back_on)
    assert plan.of_kind(ReactivateUser) == [
        ReactivateUser(skey("1001"), "student", "theo.faure", unsuspend=False)
    ]
    assert not plan.of_kind(CreateUser)
    assert {a.cohort_key for a in plan.of_kind(AddMember)} == {f"{UAJ}:2A", f"{UAJ}:G1"}


def test_suspended_staff_returner_is_unsuspended() -> None:
    """A teacher back in STS is reactivated and unsuspended on the host."""
    _, state = plan_and_apply(full())
    _, state = plan_and_apply(full(staff=STAFF[1:]), state)
    plan, _ = plan_and_apply(full(), state, date(2025, 11, 1))
    assert plan.of_kind(ReactivateUser)[0].unsuspend  # type: ignore[attr-defined]


def test_returner_after_retention_is_deleted_then_created_anew() -> None:
    """After 12 months the account is deleted; coming back later creates a new one."""
    _, state = plan_and_apply(full())
    _, state = plan_and_apply(full(students=STUDENTS[1:]), state)
    a_year_later = add_months(TODAY, 12)
    plan, state = plan_and_apply(full(students=STUDENTS[1:]), state, a_year_later)
    assert kinds(plan) == ["delete_user"]
    assert skey("1001") not in state.people
    plan, _ = plan_and_apply(full(), state, a_year_later)
    assert created(plan)[skey("1001")].username == "theo.faure"


def test_student_login_window_then_suspension_then_deletion() -> None:
    """With a 6-month login window a leaver is suspended at 6 months, deleted at 12."""
    short = replace(SETTINGS, student_login_months=6)
    _, state = plan_and_apply(full(), settings=short)
    _, state = plan_and_apply(full(students=STUDENTS[1:]), state, settings=short)
    assert (
        kinds(plan_and_apply(full(students=STUDENTS[1:]), state, add_months(TODAY, 5), short)[0])
        == []
    )
    plan, state = plan_and_apply(full(students=STUDENTS[1:]), state, add_months(TODAY, 6), short)
    assert kinds(plan) == ["suspend_user"]
    plan, _ = plan_and_apply(full(students=STUDENTS[1:]), state, add_months(TODAY, 12), short)
    assert kinds(plan) == ["delete_user"]


def test_no_login_window_suspends_leaving_students_at_once() -> None:
    """STUDENT_LOGIN_MONTHS = 0 suspends a leaving student immediately."""
    none = replace(SETTINGS, student_login_months=0)
    _, state = plan_and_apply(full(), settings=none)
    plan, _ = plan_and_apply(full(students=STUDENTS[1:]), state, settings=none)
    assert plan.of_kind(DeactivateUser)[0].suspend  # type: ignore[attr-defined]


def test_importing_sts_alone_never_touches_students() -> None:
    """STS alone plans staff and cohorts only, even with every student absent."""
    _, state = plan_and_apply(full())
    plan, _ = plan_and_apply(snapshot(staff=STAFF[1:], structures=STRUCTURES), state)
    assert {a.person_key for a in plan.actions} == {tkey("T1")}  # type: ignore[attr-defined]
    assert plan.meta["populations"] == ["sts"]


def test_importing_eleves_alone_touches_only_students() -> None:
    """Eleves alone never suspends staff nor guardians."""
    _, state = plan_and_apply(full())
    plan, _ = plan_and_apply(snapshot(students=STUDENTS[1:]), state)
    assert {getattr(a, "person_key", None) for a in plan.actions} == {skey("1001")}


def test_responsables_alone_links_known_active_students() -> None:
    """Without Eleves, guardians are planned against the students the ledger holds."""
    _, state = plan_and_apply(full(guardians=None))
    plan, _ = plan_and_apply(snapshot(guardians=GUARDIANS, links=LINKS), state)
    assert sorted(created(plan)) == [gkey("501"), gkey("502")]
    assert len(plan.of_kind(LinkGuardian)) == 3


def test_link_gone_from_file_is_removed_while_both_stay() -> None:
    """A legal link no longer in Responsables is removed; the guardian stays for the sibling."""
    _, state = plan_and_apply(full())
    plan, _ = plan_and_apply(full(links=LINKS[1:]), state)
    assert plan.actions == (UnlinkGuardian(gkey("501"), skey("1001")),)


def test_student_matched_by_ine_under_a_new_eleve_id() -> None:
    """An unknown ELEVE_ID with the INE of a known student is that student: same account,
    links kept; only the ledger learns the new ELEVE_ID."""
    _, state = plan_and_apply(full())
    renumbered = replace(STUDENTS[2], eleve_id="2003")
    plan, _ = plan_and_apply(
        full(
            students=(*STUDENTS[:2], renumbered, *STUDENTS[3:]),
            links=(*LINKS[:2], link("2003", "502")),
        ),
        state,
    )
    assert plan.actions == (RenumberStudent(skey("1003"), "ines.chevalier", "2003"),)


def test_homonyms_get_numbered_logins_in_key_order() -> None:
    """Two Jean MARTIN get jean.martin and jean.martin2, by ELEVE_ID order."""
    twins = (student("1021", "Jean", "MARTIN", "2A"), student("1020", "Jean", "MARTIN", "2B"))
    plan, state = plan_and_apply(snapshot(students=twins))
    users = created(plan)
    assert users[skey("1020")].username == "jean.martin"
    assert users[skey("1021")].username == "jean.martin2"
    plan, _ = plan_and_apply(snapshot(students=(*twins, student("1000", "Jean", "MARTIN"))), state)
    assert created(plan)[skey("1000")].username == "jean.martin3"


def test_names_with_particles_apostrophes_and_ligatures() -> None:
    """N'DIAYE, DE LA FONTAINE, Marie-Ève and Lætitia give readable logins."""
    names = [
        ("Aïssata", "N'DIAYE"),
        ("Jean", "DE LA FONTAINE"),
        ("Marie-Ève", "BENOÎT-DUPRÉ"),
        ("Lætitia", "CŒUR"),
    ]
    students = [student(str(3000 + i), first, last) for i, (first, last) in enumerate(names)]
    plan, _ = plan_and_apply(snapshot(students=students))
    assert [a.username for a in plan.of_kind(CreateUser)] == [  # type: ignore[attr-defined]
        "aissata.ndiaye",
        "jean.delafontaine",
        "marie-eve.benoit-dupre",
        "laetitia.coeur",
    ]


def test_logins_avoid_those_taken_on_the_platform() -> None:
    """A login used by another school on the same platform is not given again."""
    state = replace(LedgerState.empty(UAJ), taken_usernames=frozenset({"theo.faure"}))
    plan, _ = plan_and_apply(full(), state)
    assert created(plan)[skey("1001")].username == "theo.faure2"


def test_other_staff_are_accounts_only_when_enabled() -> None:
    """Staff neither teaching nor heading get accounts only with CREATE_OTHER_STAFF."""
    assert tkey("O1") not in created(plan_and_apply(full())[0])
    plan, _ = plan_and_apply(full(), settings=replace(SETTINGS, create_other_staff=True))
    assert created(plan)[tkey("O1")].population == "staff"


def test_division_unknown_to_sts_gets_a_cohort_and_a_warning() -> None:
    """A student's class missing from STS still gets a cohort, named by its code."""
    plan, _ = plan_and_apply(full(students=(student("1050", division="3Z"),)))
    assert (
        CreateCohort(cohort_key(UAJ, "3Z"), f"cpro:{UAJ}:3Z", "3Z", f"Classe ou groupe 3Z ({UAJ})")
        in plan.actions
    )
    assert any("3Z" in w for w in plan.meta["warnings"])


def test_student_without_birth_date_gets_a_derived_password_and_a_warning() -> None:
    """No birth date: a derived password, and the preview says so."""
    plan, _ = plan_and_apply(snapshot(students=(student("1060", "Ali", "SANSDATE", born=None),)))
    assert not created(plan)[skey("1060")].password.isdigit()
    assert any("SANSDATE" in w for w in plan.meta["warnings"])


def test_meta_describes_the_import() -> None:
    """meta names the school, year, date, files, populations and login window."""
    _, state = plan_and_apply(full())
    plan = compute_plan(full(year=2026), state, date(2026, 9, 2), SETTINGS)
    assert plan.meta["uaj"] == UAJ and plan.meta["year"] == 2026
    assert plan.meta["today"] == "2026-09-02"
    assert plan.meta["populations"] == ["sts", "eleves", "responsables"]
    assert plan.meta["year_change"] is True
    assert plan.meta["student_login_months"] == 12
    assert plan.meta["structures"] == ["2A", "2B", "G1"]


def test_add_months_clamps_to_month_end() -> None:
    """31 January plus one month is the last day of February."""
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 15), 14) == date(2027, 1, 15)
