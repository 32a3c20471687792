"""Stored plans in parts: streamed back a part at a time, old whole plans still read."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cpro_siecle_plugin.errors import ChecksumMismatchError, PlanError
from cpro_siecle_plugin.runner.apply import apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store import plans as stored
from cpro_siecle_plugin.store.tables import PlanPartRow, PlanRow
from cpro_siecle_plugin.sync.plan import (
    Action,
    AddMember,
    CreateCohort,
    CreateUser,
    Plan,
    sort_actions,
)
from cpro_siecle_plugin.sync.state import Population, cohort_key, host_idnumber, person_key
from tests.doubles.memory_host import MemoryHost

from .test_store_ledger import UAJ, first_plan


def big_plan(students: int = 25) -> Plan:
    """A cohort, ``students`` accounts and their memberships."""
    div = cohort_key(UAJ, "2A")
    keys = [person_key(UAJ, Population.STUDENT, str(1000 + i)) for i in range(students)]
    actions: list[Action] = [CreateCohort(div, host_idnumber(div), "2A")]
    actions += [CreateUser(k, "student", host_idnumber(k), f"eleve{i}", f"Secret-{i}", "Léa",
                           "DURAND") for i, k in enumerate(keys)]
    actions += [AddMember(div, k) for k in keys]
    return Plan(sort_actions(actions), {"uaj": UAJ, "today": "2025-09-15"})


def test_plan_is_stored_in_parts_of_one_kind(ledger: Ledger, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    """Parts hold at most PART actions of one kind; the plan row holds no action."""
    monkeypatch.setattr(stored, "PART", 10)
    plan = big_plan(25)
    plan_id = ledger.save_plan(plan, "admin")
    with ledger.sessions() as s:
        kinds = [(kind, len(actions)) for kind, actions in s.execute(
            select(PlanPartRow.kind, PlanPartRow.actions)
            .where(PlanPartRow.plan_id == plan_id).order_by(PlanPartRow.seq))]
        row = s.get(PlanRow, plan_id)
        assert row is not None and "actions" not in row.data
    assert kinds == [("create_cohort", 1),
                     ("create_user", 10), ("create_user", 10), ("create_user", 5),
                     ("add_member", 10), ("add_member", 10), ("add_member", 5)]
    streamed = ledger.stored_plan(plan_id, expected_checksum=plan.checksum)
    assert tuple(streamed.stream()) == plan.actions
    assert list(streamed.stream({"add_member"})) == list(plan.stream({"add_member"}))
    assert streamed.counts() == plan.counts() and streamed.meta == plan.meta
    assert ledger.get_plan(plan_id) == plan


def test_streamed_plan_refuses_another_checksum(ledger: Ledger) -> None:
    """Asking for a stored plan with another checksum is refused before it is read."""
    plan_id = ledger.save_plan(first_plan(), "admin")
    with pytest.raises(ChecksumMismatchError):
        ledger.stored_plan(plan_id, expected_checksum="0" * 64)


def test_plan_stored_whole_before_the_parts_is_still_applied(ledger: Ledger) -> None:
    """A plan stored before the parts (actions in ``plans.data``) streams, applies, and
    loses its passwords once applied."""
    plan = first_plan()
    plan_id = ledger.save_plan(plan, "admin")
    with ledger.sessions.begin() as s:
        s.query(PlanPartRow).filter(PlanPartRow.plan_id == plan_id).delete()
        row = s.get(PlanRow, plan_id)
        assert row is not None
        row.data = plan.to_data()
    streamed = ledger.stored_plan(plan_id, expected_checksum=plan.checksum)
    assert tuple(streamed.stream()) == plan.actions and streamed.counts() == plan.counts()
    ledger.begin_apply(plan_id)
    run_id = ledger.start_run(plan_id, "admin")
    outcome = apply_plan(streamed, MemoryHost(), ledger.journal(plan_id))
    assert outcome.ok and len(outcome.done_keys) == len(plan.actions)
    ledger.finish_run(run_id, outcome, {"ok": True})
    assert "Secret-1" not in str(ledger.plan_record(plan_id).data)


def test_applied_plan_keeps_no_part(ledger: Ledger) -> None:
    """Once applied, a plan's stored parts (names, logins, initial passwords) are gone."""
    plan = big_plan(12)
    plan_id = ledger.save_plan(plan, "admin")
    ledger.begin_apply(plan_id)
    run_id = ledger.start_run(plan_id, "admin")
    outcome = apply_plan(ledger.stored_plan(plan_id), MemoryHost(), ledger.journal(plan_id))
    ledger.finish_run(run_id, outcome, {"ok": True})
    with ledger.sessions() as s:
        parts = list(s.scalars(select(PlanPartRow.actions)
                               .where(PlanPartRow.plan_id == plan_id)))
    assert outcome.ok and parts == []
    with pytest.raises(PlanError, match="déjà été appliqué"):
        ledger.stored_plan(plan_id)
