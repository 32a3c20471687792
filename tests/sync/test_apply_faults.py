"""A host failing mid-way: resuming finishes the plan with no duplicate and no missing account."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
import sync_factories as f

from cpro_siecle_plugin.runner.apply import ApplyOutcome, apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store import plans as stored
from cpro_siecle_plugin.sync.plan import DeactivateUser, DeleteUser, Plan
from cpro_siecle_plugin.sync.planner import compute_plan
from tests.doubles.memory_host import MemoryHost

HostView = tuple[frozenset[tuple[str, str, bool]], frozenset[str], frozenset[tuple[str, str]],
                 frozenset[tuple[str, str]]]


def snapshot(students: int = 10) -> f.Snapshot:
    kids = [f.student(str(1000 + i), f"Prénom{i}", "MOREAU", "2A" if i % 2 else "2B",
                      *(("G1",) if i % 3 == 0 else ())) for i in range(students)]
    return f.snapshot(
        staff=[f.staff("77", "Anne", "MARTIN", "2A", "G1"), f.staff("78", "Luc", "PETIT", "2B")],
        structures=[f.division("2A"), f.division("2B"), f.group("G1", "2A", "2B")],
        students=kids,
        guardians=[f.guardian(str(500 + i), f"Parent{i}") for i in range(students // 2)],
        links=[f.link(str(1000 + i), str(500 + i // 2)) for i in range(students)],
    )


def view(host: MemoryHost) -> HostView:
    """The host's content by idnumber, independent of the ids it gave."""
    idn = {u.id: u.idnumber for u in host.users.values()}
    cid = {c.id: c.idnumber for c in host.cohorts.values()}
    return (
        frozenset((u.idnumber, u.username, u.suspended) for u in host.users.values()),
        frozenset(cid.values()),
        frozenset((cid[c], idn[u]) for c, u in host.memberships),
        frozenset((idn[g], idn[s]) for g, s in host.guardian_links),
    )


@pytest.fixture
def ledger(monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    monkeypatch.setattr(stored, "PART", 3)  # resumes run over a plan streamed in parts
    led = Ledger("sqlite://")
    yield led
    led.close()


def apply_stored(ledger: Ledger, plan_id: int, host: MemoryHost) -> ApplyOutcome:
    plan = ledger.stored_plan(plan_id)
    return apply_plan(plan, host, ledger.journal(plan_id), batch_size=4)


@functools.cache
def clean_run() -> HostView:
    """The host after an uninterrupted first import."""
    with_ledger = Ledger("sqlite://")
    host = MemoryHost(batch_size=4)
    plan = compute_plan(snapshot(), with_ledger.load_state(f.UAJ), f.TODAY, f.SETTINGS)
    assert apply_stored(with_ledger, with_ledger.save_plan(plan, "t"), host).ok
    with_ledger.close()
    return view(host)


@pytest.mark.parametrize("lost_reply", [False, True], ids=["refused", "timeout-after-write"])
@pytest.mark.parametrize("k", [0, 1, 2, 4, 7, 11])
def test_resume_after_host_failure_gives_the_clean_result(
    ledger: Ledger, k: int, lost_reply: bool
) -> None:
    """Failing after k writes, then resuming, ends as an uninterrupted run."""
    plan = compute_plan(snapshot(), ledger.load_state(f.UAJ), f.TODAY, f.SETTINGS)
    plan_id = ledger.save_plan(plan, "admin")
    host = MemoryHost(fail_after=k, apply_failed_writes=lost_reply, batch_size=4)
    first = apply_stored(ledger, plan_id, host)
    assert not first.complete and first.error
    assert len(first.done_keys) < len(plan.actions)
    host.fail_after = None
    second = apply_stored(ledger, plan_id, host)
    assert second.ok and second.done_keys == {a.key for a in plan.actions}
    assert view(host) == clean_run()
    usernames = [u.username for u in host.users.values()]
    assert len(usernames) == len(set(usernames))


def test_resume_skips_what_is_done(ledger: Ledger) -> None:
    """A resumed run sends only the actions not yet done."""
    plan = compute_plan(snapshot(), ledger.load_state(f.UAJ), f.TODAY, f.SETTINGS)
    plan_id = ledger.save_plan(plan, "admin")
    host = MemoryHost(fail_after=3, batch_size=4)
    first = apply_stored(ledger, plan_id, host)
    host.fail_after = None
    second = apply_stored(ledger, plan_id, host)
    assert second.calls.get("create_cohorts", 0) == 0  # cohorts were done before the failure
    assert first.done_keys < second.done_keys


def test_lost_reply_on_create_never_duplicates(ledger: Ledger) -> None:
    """Creates whose replies are lost are found on the host, not re-created."""
    plan = compute_plan(snapshot(), ledger.load_state(f.UAJ), f.TODAY, f.SETTINGS)
    plan_id = ledger.save_plan(plan, "admin")
    host = MemoryHost(batch_size=4)
    host.lose_reply("create_users", times=2)
    assert apply_stored(ledger, plan_id, host).ok
    assert view(host) == clean_run()


def test_deletion_retried_after_a_lost_reply_is_done(ledger: Ledger) -> None:
    """An account already deleted when a deletion is retried counts as deleted."""
    host = MemoryHost(batch_size=4)
    plan = compute_plan(snapshot(), ledger.load_state(f.UAJ), f.TODAY, f.SETTINGS)
    assert apply_stored(ledger, ledger.save_plan(plan, "a"), host).ok
    state = ledger.load_state(f.UAJ)
    teacher = state.people[f.tkey("78")]
    gone = Plan((DeactivateUser(teacher.key, "teacher", teacher.username, suspend=True),
                 DeleteUser(teacher.key, "teacher", teacher.username)),
                {"uaj": f.UAJ, "today": "2026-10-01"})
    plan_id = ledger.save_plan(gone, "a")
    host.lose_reply("delete_users")
    assert not apply_stored(ledger, plan_id, host).complete
    outcome = apply_stored(ledger, plan_id, host)
    assert outcome.ok and teacher.username not in host.users_by_username()
    assert teacher.key not in ledger.load_state(f.UAJ).people
