"""Execute a stored plan on the host, in batches, journaling every action so a run resumes.

The only sync module that does I/O, and only through what it is given: the host adapter and
a :class:`Journal` (the ledger). Actions run in plan order, in steps of actions of one kind
handed to the host at once (the host splits a step into its own requests, several in flight
at once for Moodle). The plan is streamed (:class:`.sync.plan.PlanSource`; a stored plan is
read a part at a time): one step is held, never the whole plan. Each step is marked
``pending`` in the journal before the host is called, then ``done`` or ``failed``; a
resumed run skips what is done.

No account is ever created twice: a create whose action was journaled before (by this plan
or an earlier one: a lost reply, an interrupted run) first looks the account up on the host
by idnumber and adopts it. A create never journaled is sent without that look-up -- nothing
of ours can be on the host -- and if the host refuses it anyway (an account holds the
username), the refused accounts are looked up and adopted when their idnumber is ours.
"""

from __future__ import annotations

import logging
import operator
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from ..adapters.base import BatchResult, HostAdapter, HostUser, NewCohort, NewUser, pair_key
from ..errors import HostError, HostRejectedError
from ..sync.plan import (
    Action,
    AddMember,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    LinkGuardian,
    PlanSource,
    ReactivateUser,
    RemoveMember,
    UnlinkGuardian,
    parts,
    total,
)
from ..sync.state import host_idnumber

log = logging.getLogger(__name__)

__all__ = ["ApplyOutcome", "Done", "Journal", "apply_plan"]

Progress = Callable[[int, int], None]
Results = tuple[list["Done"], dict[str, str]]
Executor = Callable[[Sequence[Action], HostAdapter, "Journal"], Results]
#: Actions of one kind journaled and handed to the host at once: large enough for the host
#: to keep several requests of its own batch size in flight (Moodle: 4 × 500 memberships).
STEP = 2000
NO_ACCOUNT = "compte absent de la plateforme (sa création a-t-elle échoué ?)"
NO_COHORT = "cohorte absente de la plateforme (sa création a-t-elle échoué ?)"


@dataclass(frozen=True)
class Done:
    """An action the host carried out; ``host_id`` and ``username`` for creates."""

    action: Action
    host_id: int | None = None
    username: str | None = None


class Journal(Protocol):
    """What apply needs from the ledger: action statuses, host ids, and recording results."""

    def statuses(self, checksum: str) -> Mapping[str, str]:
        """Status (``pending``/``done``/``failed``) of each action of the plan journaled."""

    def mark_pending(self, checksum: str, keys: Sequence[str]) -> None:
        """Journal these actions as sent to the host, outcome unknown."""

    def journaled(self, keys: Collection[str]) -> set[str]:
        """Those of these action keys journaled by any plan of the school, in any status."""

    def person_ids(self, keys: Collection[str]) -> dict[str, int]:
        """Host ids of the people with these keys (unknown ones are absent)."""

    def cohort_ids(self, keys: Collection[str]) -> dict[str, int]:
        """Host ids of the cohorts with these keys (unknown ones are absent)."""

    def record(
        self, checksum: str, done: Sequence[Done], failed: Mapping[str, str], *,
        today: date | None,
    ) -> None:
        """Journal results and update the ledger's people, cohorts and links, atomically."""


@dataclass
class ApplyOutcome:
    """What a run did: action keys done, failures (key → French reason), host calls made.

    ``complete`` is false when the host failed mid-way (``error`` says why): applying the
    same plan again resumes. ``run_id`` is set by the service once the run is recorded.
    """

    done_keys: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    #: Seconds spent per action kind (host requests and journal), for logs and benchmarks.
    timings: dict[str, float] = field(default_factory=dict)
    complete: bool = True
    error: str | None = None
    total: int = 0
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        """Every action of the plan is done."""
        return self.complete and not self.failed


def apply_plan(
    plan: PlanSource,
    host: HostAdapter,
    journal: Journal,
    *,
    batch_size: int = STEP,
    progress: Progress | None = None,
) -> ApplyOutcome:
    """Carry out ``plan`` on ``host``, skipping actions the journal has done.

    The plan is streamed: one step of actions is held at a time (a stored plan is read a
    part at a time), never the whole plan.

    :param batch_size: actions of one kind journaled and handed to the host per step (the
        host splits them into requests of its own size).
    :param progress: called with (actions done so far, total) after each batch.
    :returns: the outcome; a host outage stops the run (``complete`` false), it is not raised.
    """
    checksum = plan.checksum
    today = date.fromisoformat(plan.meta["today"]) if plan.meta.get("today") else None
    before = Counter(host.calls)
    # The journal's rows of this checksum are this plan's actions: those done are skipped.
    outcome = ApplyOutcome(total=total(plan))
    outcome.done_keys = done = {k for k, s in journal.statuses(checksum).items() if s == "done"}
    creates = [a.key for a in plan.stream({"create_user"}) if a.key not in done]
    fresh = set(creates) - journal.journaled(creates) if creates else set()
    del creates
    executors = {**EXECUTORS, "create_user": _create_users(fresh)}
    # Filtered against the growing set: a key is added once its action has come by.
    todo = (a for a in plan.stream() if a.key not in done)
    for kind, batch in parts(todo, batch_size):
        start = time.perf_counter()
        carried_on = _run_batch(batch, executors[kind], host, journal, checksum, today, outcome)
        outcome.timings[kind] = outcome.timings.get(kind, 0.0) + time.perf_counter() - start
        if not carried_on:
            break
        if progress is not None:
            progress(len(outcome.done_keys), outcome.total)
    outcome.calls = {op: n - before[op] for op, n in host.calls.items() if n - before[op]}
    log.info("Plan %s : %d/%d action(s) faites, %d échec(s) ; durées : %s.", checksum[:12],
             len(outcome.done_keys), outcome.total, len(outcome.failed),
             ", ".join(f"{k} {t:.1f} s" for k, t in outcome.timings.items()) or "aucune")
    return outcome


def _run_batch(
    batch: list[Action], executor: Executor, host: HostAdapter, journal: Journal,
    checksum: str, today: date | None, outcome: ApplyOutcome,
) -> bool:
    """Run one batch; returns false when the host failed and the run must stop."""
    keys = [a.key for a in batch]
    journal.mark_pending(checksum, keys)
    try:
        done, failed = executor(batch, host, journal)
    except HostRejectedError as exc:
        reasons = {k: exc.rejected.get(k, str(exc)) for k in keys}
        journal.record(checksum, [], reasons, today=today)
        outcome.failed.update(reasons)
        return True
    except HostError as exc:
        reasons = {k: f"interrompu : {exc}" for k in keys}
        journal.record(checksum, [], reasons, today=today)
        outcome.failed.update(reasons)
        outcome.complete = False
        outcome.error = str(exc)
        log.warning("Hôte en échec pendant l'application : %s", exc)
        return False
    journal.record(checksum, done, failed, today=today)
    outcome.done_keys.update(d.action.key for d in done)
    outcome.failed.update(failed)
    for d in done:
        outcome.failed.pop(d.action.key, None)
    return True


# -- one executor per action kind: (batch, host, journal) -> (done, failed) ------------------


def _create_cohorts(batch: Sequence[Action], host: HostAdapter, journal: Journal) -> Results:
    actions = [a for a in batch if isinstance(a, CreateCohort)]
    existing = host.find_cohorts([a.idnumber for a in actions])
    new = [NewCohort(a.idnumber, a.name, a.description) for a in actions
           if a.idnumber not in existing]
    result = host.create_cohorts(new) if new else BatchResult()
    ids = {**result.ok, **existing}
    return _split(actions, operator.attrgetter("idnumber"), ids, result.failed)


def _create_users(fresh: Collection[str]) -> Executor:
    """Executor of creates; ``fresh``: keys of creates never journaled before this run."""

    def run(batch: Sequence[Action], host: HostAdapter, journal: Journal) -> Results:
        actions = [a for a in batch if isinstance(a, CreateUser)]
        # Journaled before, a lost reply may have created some: adopt instead of creating twice.
        found = _adopt(host, [a for a in actions if a.key not in fresh])
        new = [NewUser(a.idnumber, a.username, a.password, a.firstname, a.lastname, a.email)
               for a in actions if a.idnumber not in found]
        result = host.create_users(new) if new else BatchResult()
        refused = [a for a in actions if a.idnumber in result.failed and a.key in fresh]
        found.update(_adopt(host, refused))  # the username is held: ours if the idnumber is
        done = [Done(a, found[a.idnumber].id, found[a.idnumber].username) for a in actions
                if a.idnumber in found]
        done += [Done(a, result.ok[a.idnumber], a.username) for a in actions
                 if a.idnumber in result.ok and a.idnumber not in found]
        taken = {d.action.key for d in done}
        failed = {a.key: result.failed.get(a.idnumber, "création non confirmée par la plateforme")
                  for a in actions if a.key not in taken}
        return done, failed

    return run


def _adopt(host: HostAdapter, actions: Sequence[CreateUser]) -> dict[str, HostUser]:
    """Host accounts holding these creates' idnumbers (none asked: no request)."""
    if not actions:
        return {}
    return {u.idnumber: u for u in host.find_users("idnumber", [a.idnumber for a in actions])}


def _suspension(suspend: bool) -> Executor:
    """Executor for actions that (un)suspend accounts when their flag asks it."""

    def run(batch: Sequence[Action], host: HostAdapter, journal: Journal) -> Results:
        touch = [a for a in batch if _touches_host(a)]
        done = [Done(a) for a in batch if not _touches_host(a)]
        ids = journal.person_ids([_person(a) for a in touch])
        known = [a for a in touch if _person(a) in ids]
        failed = {a.key: NO_ACCOUNT for a in touch if a not in known}
        if known:
            result = host.set_suspended([ids[_person(a)] for a in known], suspend)
            more, bad = _split(known, lambda a: str(ids[_person(a)]), result.ok,
                               result.failed)
            done += more
            failed.update(bad)
        return done, failed

    return run


_person: Callable[[Action], str] = operator.attrgetter("person_key")


def _touches_host(action: Action) -> bool:
    if isinstance(action, ReactivateUser):
        return action.unsuspend
    if isinstance(action, DeactivateUser):
        return action.suspend
    return True


def _delete_users(batch: Sequence[Action], host: HostAdapter, journal: Journal) -> Results:
    # Look accounts up by idnumber: one already gone (earlier attempt) counts as deleted.
    keys = {host_idnumber(_person(a)): a for a in batch}
    found = {u.idnumber: u.id for u in host.find_users("idnumber", list(keys))}
    gone = [Done(a) for idn, a in keys.items() if idn not in found]
    present = [a for idn, a in keys.items() if idn in found]
    if not present:
        return gone, {}
    result = host.delete_users([found[host_idnumber(_person(a))] for a in present])
    done, failed = _split(present, lambda a: str(found[host_idnumber(_person(a))]),
                          result.ok, result.failed)
    return gone + done, failed


def _pairs(kind: str) -> Executor:
    """Executor for memberships and guardian links: pairs of host ids."""

    def run(batch: Sequence[Action], host: HostAdapter, journal: Journal) -> Results:
        ends = [_ends(a) for a in batch]
        people = journal.person_ids({p for _, p, _ in ends}
                                    | {c for c, _, cohort in ends if not cohort})
        cohorts = journal.cohort_ids({c for c, _, cohort in ends if cohort})
        pairs: dict[str, tuple[int, int]] = {}
        failed: dict[str, str] = {}
        done: list[Done] = []
        for action, (first, second, cohort) in zip(batch, ends, strict=True):
            a = (cohorts if cohort else people).get(first)
            b = people.get(second)
            if a is not None and b is not None:
                pairs[action.key] = (a, b)
            elif kind in ("remove_cohort_members", "unlink_guardians"):
                done.append(Done(action))  # nothing on the host to undo
            else:
                failed[action.key] = NO_COHORT if cohort and a is None else NO_ACCOUNT
        if pairs:
            result = getattr(host, kind)(list(pairs.values()))
            more, bad = _split([a for a in batch if a.key in pairs],
                               lambda a: pair_key(*pairs[a.key]), result.ok, result.failed)
            done += more
            failed.update(bad)
        return done, failed

    return run


def _ends(action: Action) -> tuple[str, str, bool]:
    """(cohort or guardian key, person or student key, first end is a cohort)."""
    if isinstance(action, (AddMember, RemoveMember)):
        return action.cohort_key, action.person_key, True
    assert isinstance(action, (LinkGuardian, UnlinkGuardian))
    return action.guardian_key, action.student_key, False


def _split(
    actions: Sequence[Action], host_key: Callable[[Action], str],
    ok: Mapping[str, int], failed: Mapping[str, str],
) -> Results:
    """Sort actions into done (with host id) and failed, by their key in a host result."""
    done = [Done(a, ok[host_key(a)]) for a in actions if host_key(a) in ok]
    bad = {a.key: failed.get(host_key(a), "refusé par la plateforme")
           for a in actions if host_key(a) not in ok}
    return done, bad


EXECUTORS: dict[str, Executor] = {
    "create_cohort": _create_cohorts,
    "create_user": _create_users(()),  # every create looked up first; apply_plan narrows it
    "reactivate_user": _suspension(False),
    "change_function": lambda batch, host, journal: ([Done(a) for a in batch], {}),
    "remove_member": _pairs("remove_cohort_members"),
    "add_member": _pairs("add_cohort_members"),
    "unlink_guardian": _pairs("unlink_guardians"),
    "link_guardian": _pairs("link_guardians"),
    "deactivate_user": _suspension(True),
    "suspend_user": _suspension(True),
    "delete_user": _delete_users,
}
