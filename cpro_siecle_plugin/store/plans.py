"""Stored plans in parts: written as the preview stores them, streamed back by apply.

A plan's actions are stored in ``plan_parts`` rows of at most :data:`PART` consecutive
actions of one kind, in plan order; ``plans.data`` keeps only the header (meta, checksum,
counts). :class:`StoredPlan` reads the parts back one at a time, each in its own short
session (no read transaction stays open while apply writes the journal), so applying a
large plan never holds it whole. Its checksum is verified by streaming the parts once
(:func:`.sync.plan.checksum_of`, the same bytes as the plan previewed). Plans stored before
the parts keep their actions in ``plans.data`` and are read from there.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..errors import ChecksumMismatchError
from ..sync.plan import Action, Plan, action_from_data, checksum_of, parts
from .tables import Base, PlanPartRow

#: Actions per stored part: a part is what the stream holds at once (about 0.5 MB of JSON).
PART = 1000

_PARTS = Base.metadata.tables["plan_parts"]


def save_parts(s: Session, plan_id: int, actions: Iterable[Action]) -> int:
    """Store ``actions`` as the parts of plan ``plan_id``; returns the number of parts."""
    count = 0
    for seq, (kind, part) in enumerate(parts(actions, PART)):
        s.execute(insert(_PARTS), [{"plan_id": plan_id, "seq": seq, "kind": kind,
                                    "actions": [a.to_data() for a in part]}])
        count += 1
    return count


def drop_parts(s: Session, plan_id: int) -> None:
    """Delete the stored actions of plan ``plan_id`` (its report is made: see
    :func:`.runs.redact_plan`)."""
    s.execute(delete(PlanPartRow).where(PlanPartRow.plan_id == plan_id))


class StoredPlan:
    """A stored plan, as a :class:`.sync.plan.PlanSource` read from the ledger part by part.

    :param sessions: opens a session to read a part (the ledger's ``sessionmaker``, or
        one session already open, given as ``lambda: nullcontext(s)``).
    :param data: the plan row's ``data`` (header; the actions too for an old plan).
    """

    def __init__(self, sessions: Callable[[], AbstractContextManager[Session]], plan_id: int,
                 checksum: str, data: Mapping[str, Any]) -> None:
        self._sessions = sessions
        self.plan_id = plan_id
        self._checksum = checksum
        self._meta = dict(data.get("meta", {}))
        self._inline = data.get("actions")
        self._counts = dict(data.get("counts") or {}) if self._inline is None else None

    def __repr__(self) -> str:
        return f"StoredPlan({self.plan_id}, {self._checksum[:12]})"

    @property
    def checksum(self) -> str:
        return self._checksum

    @property
    def meta(self) -> Mapping[str, Any]:
        return self._meta

    @property
    def is_empty(self) -> bool:
        return not any(self.counts().values())

    def counts(self) -> dict[str, int]:
        if self._counts is None:
            counts: dict[str, int] = {}
            for action in self._inline or ():
                counts[action["kind"]] = counts.get(action["kind"], 0) + 1
            self._counts = counts
        return dict(self._counts)

    def stream(self, kinds: Collection[str] | None = None) -> Iterator[Action]:
        if self._inline is not None:
            yield from (action_from_data(a) for a in self._inline
                        if kinds is None or a.get("kind") in kinds)
            return
        query = select(PlanPartRow.seq).where(PlanPartRow.plan_id == self.plan_id)
        if kinds is not None:
            query = query.where(PlanPartRow.kind.in_(sorted(kinds)))
        with self._sessions() as s:
            seqs = list(s.scalars(query.order_by(PlanPartRow.seq)))
        for seq in seqs:
            with self._sessions() as s:
                part = s.scalar(select(PlanPartRow.actions).where(
                    PlanPartRow.plan_id == self.plan_id, PlanPartRow.seq == seq)) or []
            for data in part:
                yield action_from_data(data)
            del part

    def verify(self, expected_checksum: str | None = None) -> StoredPlan:
        """Check, streaming the parts once, that the stored actions are the previewed plan.

        :raises ChecksumMismatchError: the content, or ``expected_checksum``, differs from
            the stored checksum.
        """
        actual = checksum_of(self.stream(), self._meta)
        for wanted in (self._checksum, expected_checksum):
            if wanted is not None and wanted != actual:
                raise ChecksumMismatchError(wanted, actual)
        return self

    def whole(self) -> Plan:
        """The plan in memory (a report of an interrupted run, tests): verified."""
        plan = Plan(tuple(self.stream()), dict(self._meta))
        if plan.checksum != self._checksum:
            raise ChecksumMismatchError(self._checksum, plan.checksum)
        return plan
