"""Look-ups before creates: only when the ledger cannot tell the host holds nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sync_factories import SETTINGS, TODAY, UAJ
from test_apply_faults import snapshot

from cpro_siecle_plugin.adapters.base import NewUser
from cpro_siecle_plugin.runner.apply import apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.plan import CreateUser
from cpro_siecle_plugin.sync.planner import compute_plan
from tests.doubles.memory_host import MemoryHost


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    led = Ledger("sqlite://")
    yield led
    led.close()


def _apply(ledger: Ledger, host: MemoryHost) -> tuple[int, object]:
    plan = compute_plan(snapshot(), ledger.load_state(UAJ), TODAY, SETTINGS)
    plan_id = ledger.save_plan(plan, "t")
    return plan_id, apply_plan(plan, host, ledger.journal(plan_id), batch_size=4)


def _idnumbers(host: MemoryHost) -> Counter[str]:
    return Counter(u.idnumber for u in host.users.values())


def test_first_import_creates_without_looking_accounts_up(ledger: Ledger) -> None:
    """Creates never journaled are sent at once: no find_users request at all."""
    host = MemoryHost(batch_size=4)
    _, outcome = _apply(ledger, host)
    assert outcome.ok  # type: ignore[attr-defined]
    assert host.calls["create_users"] > 0 and host.calls["find_users"] == 0


def test_resumed_creates_are_looked_up_and_never_duplicated(ledger: Ledger) -> None:
    """A create journaled by the interrupted run is looked up on resume and adopted."""
    host = MemoryHost(fail_after=2, apply_failed_writes=True, batch_size=4)
    plan_id, first = _apply(ledger, host)
    assert not first.complete  # type: ignore[attr-defined]
    host.fail_after = None
    plan = ledger.get_plan(plan_id)
    resumed = apply_plan(plan, host, ledger.journal(plan_id), batch_size=4)
    assert resumed.ok and host.calls["find_users"] > 0
    assert max(_idnumbers(host).values()) == 1
    assert len(_idnumbers(host)) == len(plan.of_kind(CreateUser))


def test_a_new_plan_after_an_interrupted_one_looks_its_creates_up(ledger: Ledger) -> None:
    """Creates journaled under an earlier plan (another checksum) are still looked up."""
    host = MemoryHost(fail_after=2, apply_failed_writes=True, batch_size=4)
    _, first = _apply(ledger, host)
    assert not first.complete  # type: ignore[attr-defined]
    host.fail_after = None
    creates_on_host = len(host.users)
    _, second = _apply(ledger, host)  # planned again: the lost creates are planned again
    assert second.ok  # type: ignore[attr-defined]
    assert creates_on_host and max(_idnumbers(host).values()) == 1


def test_account_already_there_is_adopted_when_its_create_is_refused(ledger: Ledger) -> None:
    """A never-journaled create refused for its username is looked up, adopted if ours."""
    host = MemoryHost(batch_size=4)
    plan = compute_plan(snapshot(), ledger.load_state(UAJ), TODAY, SETTINGS)
    mine = plan.of_kind(CreateUser)[3]
    assert isinstance(mine, CreateUser)
    made = host.create_users([NewUser(mine.idnumber, mine.username, "x", "A", "B")])
    plan_id = ledger.save_plan(plan, "t")
    outcome = apply_plan(plan, host, ledger.journal(plan_id), batch_size=4)
    assert outcome.ok and outcome.done_keys >= {mine.key}
    assert max(_idnumbers(host).values()) == 1
    assert ledger.person(mine.person_key).host_id == made.ok[mine.idnumber]  # type: ignore[union-attr]


def test_username_held_by_a_stranger_is_not_adopted(ledger: Ledger) -> None:
    """The look-up after a refusal adopts by idnumber only: another person's account stays."""
    host = MemoryHost(batch_size=4)
    plan = compute_plan(snapshot(), ledger.load_state(UAJ), TODAY, SETTINGS)
    mine = plan.of_kind(CreateUser)[3]
    assert isinstance(mine, CreateUser)
    host.create_users([NewUser("someone-else", mine.username, "x", "A", "B")])
    plan_id = ledger.save_plan(plan, "t")
    outcome = apply_plan(plan, host, ledger.journal(plan_id), batch_size=4)
    assert mine.key in outcome.failed and "existe déjà" in outcome.failed[mine.key]
    assert host.calls["find_users"] == 1  # one look-up, for the refused create only
