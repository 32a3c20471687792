"""The ledger stores plans, applies their effects, loads states and refuses stale plans."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cpro_siecle_plugin.errors import ChecksumMismatchError, PlanError
from cpro_siecle_plugin.runner.apply import apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.plan import (
    AddMember,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    DeleteUser,
    LinkGuardian,
    Plan,
    ReactivateUser,
    RemoveMember,
    sort_actions,
)
from cpro_siecle_plugin.sync.state import Population, cohort_key, host_idnumber, person_key
from tests.doubles.memory_host import MemoryHost

UAJ = "0691234X"
STUDENT = person_key(UAJ, Population.STUDENT, "1001")
TEACHER = person_key(UAJ, Population.TEACHER, "77")
PARENT = person_key(UAJ, Population.GUARDIAN, "501")
DIV = cohort_key(UAJ, "2A")


def _create(key: str, pop: Population, username: str) -> CreateUser:
    return CreateUser(key, pop.value, host_idnumber(key), username, "Secret-1", "Léa", "DURAND")


def first_plan(today: str = "2025-09-15") -> Plan:
    """Cohort 2A, a teacher, a student in 2A and her guardian."""
    actions = [
        CreateCohort(DIV, host_idnumber(DIV), "2A"),
        _create(STUDENT, Population.STUDENT, "lea.durand"),
        _create(TEACHER, Population.TEACHER, "anne.martin"),
        _create(PARENT, Population.GUARDIAN, "paul.durand"),
        AddMember(DIV, STUDENT),
        LinkGuardian(PARENT, STUDENT),
    ]
    meta = {"uaj": UAJ, "year": 2025, "today": today, "populations": ["sts", "eleves"]}
    return Plan(sort_actions(actions), meta)


def apply_stored(ledger: Ledger, plan: Plan, host: MemoryHost, **extra: object) -> int:
    """Save, begin and apply ``plan``; returns its id."""
    plan_id = ledger.save_plan(plan, "admin", ["f.xml"], extra=extra)
    ledger.begin_apply(plan_id)
    run_id = ledger.start_run(plan_id, "admin")
    outcome = apply_plan(plan, host, ledger.journal(plan_id), batch_size=10)
    ledger.finish_run(run_id, outcome, {"ok": True})
    return plan_id


def test_stored_plan_comes_back_identical(ledger: Ledger) -> None:
    """A saved plan is read back with the same checksum and actions."""
    plan = first_plan()
    plan_id = ledger.save_plan(plan, "admin", ["sts.xml"])
    assert ledger.get_plan(plan_id) == plan
    assert ledger.plan_record(plan_id).files == ("sts.xml",)


def test_plan_with_another_checksum_is_refused(ledger: Ledger) -> None:
    """Asking for a plan with a checksum other than the stored one raises."""
    plan_id = ledger.save_plan(first_plan(), "admin")
    with pytest.raises(ChecksumMismatchError):
        ledger.get_plan(plan_id, expected_checksum="0" * 64)


def test_tampered_stored_plan_is_refused(ledger: Ledger) -> None:
    """A stored plan whose content no longer matches its checksum is refused, whole or
    streamed."""
    from cpro_siecle_plugin.store.tables import PlanPartRow

    plan_id = ledger.save_plan(first_plan(), "admin")
    with ledger.sessions.begin() as s:
        part = s.get(PlanPartRow, (plan_id, 0))
        assert part is not None
        part.actions = [{**part.actions[0], "name": "2B"}]
    with pytest.raises(ChecksumMismatchError):
        ledger.get_plan(plan_id)
    with pytest.raises(ChecksumMismatchError):
        ledger.stored_plan(plan_id)


def test_unknown_plan_is_a_plan_error(ledger: Ledger) -> None:
    """A missing plan id gives a French PlanError."""
    with pytest.raises(PlanError, match="introuvable"):
        ledger.get_plan(42)


def test_load_state_after_apply_reflects_the_plan(ledger: Ledger) -> None:
    """People, cohorts, memberships, links and host ids are in the state after apply."""
    host = MemoryHost()
    apply_stored(ledger, first_plan(), host,
                 birth_dates={STUDENT: "2010-10-06"},
                 structures=[{"code": "2A", "label": "Seconde A", "is_group": False}])
    state = ledger.load_state(UAJ)
    assert set(state.people) == {STUDENT, TEACHER, PARENT}
    assert state.people[STUDENT].cohorts == {DIV}
    assert state.people[STUDENT].host_id == host.user("lea.durand").id
    assert state.cohorts[DIV].host_id == host.cohort_id(host_idnumber(DIV))
    assert state.links == {(PARENT, STUDENT)}
    assert state.taken_usernames == {"lea.durand", "anne.martin", "paul.durand"}
    assert (state.last_year, state.has_sts_import, state.known_structures) == (2025, True, ("2A",))
    assert ledger.person(STUDENT).birth_date == date(2010, 10, 6)  # type: ignore[union-attr]


def test_deactivation_reactivation_and_deletion_update_the_ledger(ledger: Ledger) -> None:
    """Leaving, coming back and deletion change active/suspended/date and remove the row."""
    host = MemoryHost()
    apply_stored(ledger, first_plan(), host)
    leave = Plan(sort_actions([
        RemoveMember(DIV, STUDENT),
        DeactivateUser(STUDENT, "student", "lea.durand", suspend=False),
        DeactivateUser(TEACHER, "teacher", "anne.martin", suspend=True),
    ]), {"uaj": UAJ, "year": 2025, "today": "2025-10-01", "populations": ["eleves"]})
    apply_stored(ledger, leave, host)
    state = ledger.load_state(UAJ)
    assert state.people[STUDENT].deactivated_on == date(2025, 10, 1)
    assert not state.people[STUDENT].active and not state.people[STUDENT].suspended
    assert state.people[STUDENT].cohorts == frozenset()
    assert state.people[TEACHER].suspended and host.user("anne.martin").suspended
    back = Plan((ReactivateUser(TEACHER, "teacher", "anne.martin"),
                 DeleteUser(STUDENT, "student", "lea.durand")),
                {"uaj": UAJ, "today": "2026-11-01"})
    apply_stored(ledger, back, host)
    state = ledger.load_state(UAJ)
    assert STUDENT not in state.people and state.links == frozenset()
    assert state.people[TEACHER].active and not host.user("anne.martin").suspended
    assert "lea.durand" not in host.users_by_username()


def test_plan_previewed_before_another_import_is_refused(ledger: Ledger) -> None:
    """Applying a plan after the school's state changed raises ChecksumMismatchError."""
    stale = ledger.save_plan(first_plan(), "admin")
    apply_stored(ledger, first_plan("2025-09-16"), MemoryHost())
    with pytest.raises(ChecksumMismatchError):
        ledger.begin_apply(stale)


def test_interrupted_plan_may_be_resumed(ledger: Ledger) -> None:
    """The plan that last changed the state may begin again (resume)."""
    plan_id = ledger.save_plan(first_plan(), "admin")
    ledger.begin_apply(plan_id)
    ledger.begin_apply(plan_id)
    assert ledger.school(UAJ).version == 1  # type: ignore[union-attr]


def test_run_of_a_killed_process_is_recorded_as_interrupted_by_the_next_run(
        ledger: Ledger) -> None:
    """A run left « running » (process killed) is marked interrupted when the next run of
    the school starts; other schools' runs, under their live lock, are left alone."""
    plan_id = ledger.save_plan(first_plan(), "admin")
    killed = ledger.start_run(plan_id, "admin")
    other = ledger.save_plan(Plan((), {"uaj": "0750001A", "today": "2025-09-20"}), "admin")
    with ledger.lock("0750001A", "bob"):
        elsewhere = ledger.start_run(other, "admin")
        ledger.start_run(plan_id, "admin")
        runs = {r.id: r for r in ledger.history(UAJ)}
        assert [r.result for r in ledger.history("0750001A") if r.id == elsewhere] == ["running"]
    assert runs[killed].result == "interrupted" and runs[killed].result_label == "interrompue"
    assert runs[killed].finished is not None and "interrompu" in (runs[killed].error or "")


def test_history_records_runs_latest_first(ledger: Ledger) -> None:
    """Each run appears in history with its result and counts; its report comes with the
    run alone (a history page never reads every report, which may weigh megabytes)."""
    apply_stored(ledger, first_plan(), MemoryHost())
    apply_stored(ledger, Plan((), {"uaj": UAJ, "today": "2025-09-20"}), MemoryHost())
    runs = ledger.history(UAJ)
    assert [r.result for r in runs] == ["success", "success"]
    assert runs[1].counts == {"create_cohort": 1, "create_user": 3, "add_member": 1,
                              "link_guardian": 1}
    assert runs[1].report is None and runs[0].counts == {}
    assert ledger.run(runs[1].id).report == {"ok": True}
    assert runs[0].id > runs[1].id and runs[1].result_label == "réussie"


def test_reopened_ledger_file_keeps_plans(tmp_path: Path) -> None:
    """A file ledger reopened (migrations already applied) still holds its plans."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    first = Ledger(url)
    plan_id = first.save_plan(first_plan(), "admin")
    first.close()
    again = Ledger(url)
    assert again.get_plan(plan_id) == first_plan()
    again.close()


def test_applied_plan_keeps_no_password_but_the_report_does(ledger: Ledger) -> None:
    """Once fully applied, the stored plan drops initial passwords; get_plan refuses it."""
    plan_id = apply_stored(ledger, first_plan(), MemoryHost())
    record = ledger.plan_record(plan_id)
    assert record.status == "applied"
    assert "Secret-1" not in str(record.data)
    with pytest.raises(PlanError, match="déjà été appliqué"):
        ledger.get_plan(plan_id)


def test_interrupted_plan_keeps_its_passwords_for_the_resume(ledger: Ledger) -> None:
    """A plan whose run was cut short still holds what it needs to resume."""
    plan_id = apply_stored(ledger, first_plan(), MemoryHost(fail_after=1))
    assert ledger.plan_record(plan_id).status == "interrupted"
    assert ledger.get_plan(plan_id) == first_plan()


def test_load_state_uses_a_fixed_number_of_queries(ledger: Ledger) -> None:
    """Loading a school costs the same few queries whatever its size (no N+1)."""
    from sqlalchemy import event

    def queries(plan: Plan) -> int:
        apply_stored(ledger, plan, MemoryHost())
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(ledger.engine, "before_cursor_execute", listener)
        ledger.load_state(UAJ)
        event.remove(ledger.engine, "before_cursor_execute", listener)
        return len(seen)

    small = queries(first_plan())
    more = [_create(person_key(UAJ, Population.STUDENT, str(i)), Population.STUDENT, f"e{i}")
            for i in range(40)]
    members = [AddMember(DIV, a.person_key) for a in more]
    assert queries(Plan(sort_actions(more + members), {"uaj": UAJ, "today": "2025-09-16"})) \
        == small <= 8


def test_journal_statuses_move_from_pending_to_done_or_failed(ledger: Ledger) -> None:
    """Pending, then done or failed with the reason; a fresh journal object sees it all."""
    from cpro_siecle_plugin.runner.apply import Done

    plan = first_plan()
    plan_id = ledger.save_plan(plan, "admin")
    cohort, user = plan.actions[0], plan.actions[1]
    for journal in (ledger.journal(plan_id), ledger.journal(plan_id)):
        journal.mark_pending(plan.checksum, [cohort.key, user.key])
        journal.record(plan.checksum, [], {cohort.key: "refusée", user.key: "refusé"},
                       today=None)
    fresh = ledger.journal(plan_id)
    assert fresh.statuses(plan.checksum) == {cohort.key: "failed", user.key: "failed"}
    fresh.mark_pending(plan.checksum, [cohort.key])
    fresh.record(plan.checksum, [Done(cohort, 7)], {}, today=None)
    assert ledger.journal(plan_id).statuses(plan.checksum) == {cohort.key: "done",
                                                               user.key: "failed"}
