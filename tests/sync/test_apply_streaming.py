"""Apply streams the plan: a stored plan read in parts ends as the plan applied whole, and
no more than one step of actions is held at a time."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

import pytest
import sync_factories as f
from test_apply_faults import snapshot, view

from cpro_siecle_plugin.reports.report import build_report
from cpro_siecle_plugin.runner.apply import Done, apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store import plans as stored
from cpro_siecle_plugin.store.journal import LedgerJournal
from cpro_siecle_plugin.sync.plan import Action, Plan
from cpro_siecle_plugin.sync.planner import compute_plan
from tests.doubles.memory_host import MemoryHost


def first_plan(ledger: Ledger, students: int = 14) -> Plan:
    return compute_plan(snapshot(students), ledger.load_state(f.UAJ), f.TODAY, f.SETTINGS)


def test_plan_streamed_in_parts_ends_as_the_plan_applied_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Same host, ledger state, outcome and report, whether apply reads the plan in parts
    of 5 from the ledger or whole from memory."""
    results = []
    for streamed in (False, True):
        monkeypatch.setattr(stored, "PART", 5)
        ledger, host = Ledger("sqlite://"), MemoryHost(batch_size=3)
        plan = first_plan(ledger)
        plan_id = ledger.save_plan(plan, "admin")
        source = ledger.stored_plan(plan_id) if streamed else plan
        outcome = apply_plan(source, host, ledger.journal(plan_id), batch_size=4)
        report = build_report(source, outcome)
        results.append((view(host), ledger.load_state(f.UAJ), outcome.done_keys,
                        outcome.failed, outcome.total, report))
        ledger.close()
    assert results[0] == results[1]
    assert results[1][2] and len(results[1][2]) == results[1][4]


class Counted:
    """A plan whose full stream counts the actions handed out."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.handed = 0
        self.checksum = plan.checksum
        self.meta: Mapping[str, Any] = plan.meta

    def counts(self) -> dict[str, int]:
        return self.plan.counts()

    def stream(self, kinds: Collection[str] | None = None) -> Iterator[Action]:
        for action in self.plan.stream(kinds):
            if kinds is None:
                self.handed += 1
            yield action


class Watching(LedgerJournal):
    """The ledger's journal, checking how many actions apply holds when a step is sent."""

    def __init__(self, journal: LedgerJournal, plan: Counted, step: int) -> None:
        self.__dict__.update(journal.__dict__)
        self.plan, self.step, self.recorded, self.held = plan, step, 0, [0]

    def mark_pending(self, checksum: str, keys: Sequence[str]) -> None:
        self.held.append(self.plan.handed - self.recorded)
        super().mark_pending(checksum, keys)

    def record(self, checksum: str, done: Sequence[Done], failed: Mapping[str, str], *,
               today: Any) -> None:
        self.recorded += len(done) + len(failed)
        super().record(checksum, done, failed, today=today)


def test_apply_holds_one_step_of_the_plan_at_a_time() -> None:
    """When a step goes to the host, the actions taken from the stream and not yet journaled
    are that step and at most one look-ahead action: never the rest of the plan."""
    ledger = Ledger("sqlite://")
    plan = Counted(first_plan(ledger, students=30))
    plan_id = ledger.save_plan(plan.plan, "admin")
    journal = Watching(ledger.journal(plan_id), plan, step=4)
    outcome = apply_plan(plan, MemoryHost(batch_size=3), journal, batch_size=4)
    assert outcome.ok and plan.handed == len(plan.plan.actions) > 60
    assert max(journal.held) <= 4 + 1
    ledger.close()
