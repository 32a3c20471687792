"""apply_plan carries out a plan in batches and leaves the ledger as the plan says."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sync_factories as f

from cpro_siecle_plugin.adapters.base import NewUser
from cpro_siecle_plugin.domain import Snapshot
from cpro_siecle_plugin.runner.apply import ApplyOutcome, apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.fold import apply_to_state
from cpro_siecle_plugin.sync.plan import CreateCohort, CreateUser, Plan
from cpro_siecle_plugin.sync.planner import compute_plan
from cpro_siecle_plugin.sync.state import LedgerState
from tests.doubles.memory_host import WRITE_OPERATIONS, MemoryHost


def school(students: int = 12) -> Snapshot:
    """Two divisions, a group, two teachers, ``students`` students and their guardians."""
    kids = [f.student(str(1000 + i), f"Prénom{i}", "DURAND", "2A" if i % 2 else "2B",
                      *(("G1",) if i % 3 == 0 else ())) for i in range(students)]
    return f.snapshot(
        staff=[f.staff("77", "Anne", "MARTIN", "2A", "G1"), f.staff("78", "Luc", "PETIT", "2B")],
        structures=[f.division("2A"), f.division("2B"), f.group("G1", "2A", "2B")],
        students=kids,
        guardians=[f.guardian(str(500 + i), f"Parent{i}") for i in range(students // 2)],
        links=[f.link(str(1000 + i), str(500 + i // 2)) for i in range(students)],
    )


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    led = Ledger("sqlite://")
    yield led
    led.close()


def run(ledger: Ledger, plan: Plan, host: MemoryHost, batch: int = 5) -> ApplyOutcome:
    """Store ``plan`` (once) and apply it through the ledger's journal."""
    plan_id = ledger.save_plan(plan, "admin")
    return apply_plan(plan, host, ledger.journal(plan_id), batch_size=batch)


def first_plan(ledger: Ledger, students: int = 12) -> Plan:
    return compute_plan(school(students), ledger.load_state(f.UAJ), f.TODAY, f.SETTINGS)


def test_first_import_creates_everything_on_the_host(ledger: Ledger) -> None:
    """Every cohort, account, membership and guardian link of the plan reaches the host."""
    host = MemoryHost()
    plan = first_plan(ledger)
    outcome = run(ledger, plan, host)
    assert outcome.ok and outcome.done_keys == {a.key for a in plan.actions}
    created = {a.username for a in plan.of_kind(CreateUser)}  # type: ignore[attr-defined]
    assert set(host.users_by_username()) == created
    assert len(host.cohorts) == len(plan.of_kind(CreateCohort))
    assert len(host.guardian_links) == 12 and host.memberships


def test_host_calls_per_kind_stay_within_one_per_batch(ledger: Ledger) -> None:
    """Each write operation is called at most ceil(N / batch) times for N actions."""
    host = MemoryHost(batch_size=5)
    plan = first_plan(ledger, students=23)
    outcome = run(ledger, plan, host, batch=5)
    counts = plan.counts()
    per_op = {"create_cohorts": "create_cohort", "create_users": "create_user",
              "add_cohort_members": "add_member", "link_guardians": "link_guardian"}
    for op, kind in per_op.items():
        assert outcome.calls[op] <= math.ceil(counts[kind] / 5), op


def test_ledger_state_after_apply_is_the_plan_folded_in(ledger: Ledger) -> None:
    """load_state after apply equals the pure fold of the plan, host ids aside."""
    plan = first_plan(ledger)
    run(ledger, plan, MemoryHost())
    loaded = ledger.load_state(f.UAJ)
    expected = apply_to_state(plan, LedgerState.empty(f.UAJ), f.TODAY)
    assert all(p.host_id for p in loaded.people.values())
    assert {k: replace(p, host_id=None) for k, p in loaded.people.items()} == expected.people
    assert {k: replace(c, host_id=None) for k, c in loaded.cohorts.items()} == expected.cohorts
    assert loaded.links == expected.links
    assert loaded.taken_usernames == expected.taken_usernames


def test_reimport_without_change_plans_nothing_and_writes_nothing(ledger: Ledger) -> None:
    """After apply, the same files give an empty plan and zero host write calls."""
    host = MemoryHost()
    run(ledger, first_plan(ledger), host)
    again = first_plan(ledger)
    before = host.write_calls
    outcome = run(ledger, again, host)
    assert again.is_empty and outcome.ok
    assert host.write_calls == before
    assert not any(op in WRITE_OPERATIONS for op in outcome.calls)


def test_account_already_on_the_host_is_adopted_not_duplicated(ledger: Ledger) -> None:
    """A host user carrying our idnumber is taken over instead of created again."""
    host = MemoryHost()
    plan = first_plan(ledger)
    create = next(a for a in plan.actions if isinstance(a, CreateUser))
    host.create_users([NewUser(create.idnumber, create.username, "x", "A", "B")])
    outcome = run(ledger, plan, host)
    assert outcome.ok
    assert [u.idnumber for u in host.users.values()].count(create.idnumber) == 1
    assert ledger.load_state(f.UAJ).people[create.person_key].host_id == host.user(
        create.username).id


def test_refused_record_fails_alone_and_the_rest_goes_on(ledger: Ledger) -> None:
    """A username the host refuses fails that account and its memberships, not the others."""
    host = MemoryHost()
    plan = first_plan(ledger)
    bad = next(a for a in plan.actions if isinstance(a, CreateUser) and a.population == "student")
    actions = tuple(replace(a, username="Pas Valide") if a == bad else a for a in plan.actions)
    outcome = run(ledger, Plan(actions, plan.meta), host)
    assert outcome.complete and not outcome.ok
    assert "refusé" in outcome.failed[bad.key]
    dependent = {k for k in outcome.failed if bad.person_key in k and k != bad.key}
    assert dependent and "absent" in outcome.failed[sorted(dependent)[0]]
    assert len(host.users) == len(plan.of_kind(CreateUser)) - 1


def test_progress_reports_every_batch_up_to_the_total(ledger: Ledger) -> None:
    """The progress callback is called with growing counts ending at the total."""
    seen: list[tuple[int, int]] = []
    plan = first_plan(ledger)
    plan_id = ledger.save_plan(plan, "admin")
    apply_plan(plan, MemoryHost(), ledger.journal(plan_id), batch_size=4,
               progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(plan.actions), len(plan.actions))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
