"""The plan: an ordered, serialisable value of frozen actions, identified by its checksum.

Dry-run renders it; apply executes exactly it. Each action has a stable ``key`` built from
national identifiers, never from names, so a journal can tell what is already done.

Apply and the report read a plan as a :class:`PlanSource`: its checksum, meta and counts,
and its actions streamed in plan order. :class:`Plan` (computed, in memory) is one; a
stored plan read back a part at a time (``store/plans.py``) is the other, so a large plan
is never held whole while it is applied. Both hash the same bytes (:func:`checksum_of`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from functools import cached_property
from typing import Any, ClassVar, Protocol

from ..errors import ChecksumMismatchError, PlanError


@dataclass(frozen=True)
class Action:
    """Base of every plan action. ``kind`` names it in data and journals."""

    kind: ClassVar[str] = "action"
    order: ClassVar[int] = 0

    @property
    def key(self) -> str:
        raise NotImplementedError

    @property
    def phase(self) -> int:
        """Where the action runs in a plan (its kind's ``order`` unless said otherwise)."""
        return self.order

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            data[name] = list(value) if isinstance(value, tuple) else value
        return data


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type[Action]) -> tuple[str, ...]:
    """An action class's fields, in order (``dataclasses.fields`` is slow per call)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(frozen=True)
class CreateCohort(Action):
    """Create a cohort for a division or a group (or its teachers)."""

    kind: ClassVar[str] = "create_cohort"
    order: ClassVar[int] = 10
    cohort_key: str
    idnumber: str
    name: str
    description: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.cohort_key}"


@dataclass(frozen=True)
class CreateUser(Action):
    """Create an account. ``password`` is the initial one; a change is forced at first login."""

    kind: ClassVar[str] = "create_user"
    order: ClassVar[int] = 20
    person_key: str
    population: str  # Population value
    idnumber: str
    username: str
    password: str
    firstname: str
    lastname: str
    email: str | None = None
    national_id: str | None = None
    division: str | None = None  # students
    groups: tuple[str, ...] = ()  # students
    disciplines: tuple[str, ...] = ()  # staff: discipline labels
    classes: tuple[str, ...] = ()  # teachers: structures taught
    students: tuple[str, ...] = ()  # guardians: keys of their students

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.person_key}"


@dataclass(frozen=True)
class ReactivateUser(Action):
    """Bring back a deactivated person with all their data; ``unsuspend`` on the host if needed."""

    kind: ClassVar[str] = "reactivate_user"
    order: ClassVar[int] = 30
    person_key: str
    population: str
    username: str
    unsuspend: bool = True

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.person_key}"


@dataclass(frozen=True)
class ChangeFunction(Action):
    """A staff member whose STS function changed (teacher → head, → other staff...): same
    account, another population; cohorts follow through member actions. Ledger only."""

    kind: ClassVar[str] = "change_function"
    order: ClassVar[int] = 35
    person_key: str
    username: str
    former: str  # Population value before
    population: str  # Population value after

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.person_key}"


@dataclass(frozen=True)
class RemoveMember(Action):
    """Take a person out of a cohort."""

    kind: ClassVar[str] = "remove_member"
    order: ClassVar[int] = 40
    cohort_key: str
    person_key: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.cohort_key}:{self.person_key}"


@dataclass(frozen=True)
class AddMember(Action):
    """Put a person into a cohort."""

    kind: ClassVar[str] = "add_member"
    order: ClassVar[int] = 50
    cohort_key: str
    person_key: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.cohort_key}:{self.person_key}"


@dataclass(frozen=True)
class UnlinkGuardian(Action):
    """Remove a guardian's link to a student."""

    kind: ClassVar[str] = "unlink_guardian"
    order: ClassVar[int] = 60
    guardian_key: str
    student_key: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.guardian_key}:{self.student_key}"


@dataclass(frozen=True)
class LinkGuardian(Action):
    """Link a legal guardian to a student (a parent role in the student's context)."""

    kind: ClassVar[str] = "link_guardian"
    order: ClassVar[int] = 70
    guardian_key: str
    student_key: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.guardian_key}:{self.student_key}"


@dataclass(frozen=True)
class DeactivateUser(Action):
    """Mark a person gone from the files; ``suspend`` also suspends the host account.

    Students keep their login for a while (``suspend`` false); staff and guardians do not.
    """

    kind: ClassVar[str] = "deactivate_user"
    order: ClassVar[int] = 80
    person_key: str
    population: str
    username: str
    suspend: bool
    reason: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.person_key}"


@dataclass(frozen=True)
class SuspendUser(Action):
    """Suspend an already deactivated account whose login window has ended."""

    kind: ClassVar[str] = "suspend_user"
    order: ClassVar[int] = 90
    person_key: str
    population: str
    username: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.person_key}"


@dataclass(frozen=True)
class DeleteUser(Action):
    """Delete for good an account deactivated for longer than the retention period.

    ``returning``: the person is back in the files; the old account is erased first and a
    new one created by the same plan (so this deletion runs before the creations).
    """

    kind: ClassVar[str] = "delete_user"
    order: ClassVar[int] = 100
    person_key: str
    population: str
    username: str
    returning: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.person_key}"

    @property
    def phase(self) -> int:
        return 15 if self.returning else self.order

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        if not self.returning:
            del data["returning"]  # plans stored before the flag keep their checksum
        return data


ACTION_TYPES: dict[str, type[Action]] = {
    cls.kind: cls
    for cls in (
        CreateCohort, CreateUser, ReactivateUser, ChangeFunction, RemoveMember, AddMember,
        UnlinkGuardian, LinkGuardian, DeactivateUser, SuspendUser, DeleteUser,
    )
}


def action_from_data(data: Mapping[str, Any]) -> Action:
    """Rebuild an action from ``Action.to_data()`` output."""
    try:
        cls = ACTION_TYPES[data["kind"]]
    except KeyError as exc:
        raise PlanError(f"Action inconnue dans le plan enregistré : {data.get('kind')!r}.") from exc
    kwargs = {}
    for f in fields(cls):
        if f.name not in data and f.default is not MISSING:
            continue
        value = data.get(f.name)
        kwargs[f.name] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


def sort_actions(actions: Iterable[Action]) -> tuple[Action, ...]:
    """The one deterministic order: by phase, then by key."""
    return tuple(sorted(actions, key=lambda a: (a.phase, a.key)))


class PlanSource(Protocol):
    """A plan as apply and the report read it: its actions streamed, never needed whole."""

    @property
    def checksum(self) -> str:
        """SHA-256 of the plan's canonical JSON (see :func:`checksum_of`)."""

    @property
    def meta(self) -> Mapping[str, Any]:
        """The plan's context (see :class:`Plan`)."""

    def counts(self) -> dict[str, int]:
        """Number of actions per kind, in plan order."""

    def stream(self, kinds: Collection[str] | None = None) -> Iterator[Action]:
        """The actions in plan order (only those of ``kinds`` when given); each call
        starts again from the first."""


def total(plan: PlanSource) -> int:
    """Number of actions of a plan."""
    return sum(plan.counts().values())


def parts(actions: Iterable[Action], size: int) -> Iterator[tuple[str, list[Action]]]:
    """Consecutive runs of actions of one kind, of at most ``size``, in plan order: how a
    plan is stored and how apply takes it in steps (only one part is ever held)."""
    for kind, group in itertools.groupby(actions, key=lambda a: a.kind):
        while part := list(itertools.islice(group, max(1, size))):
            yield kind, part


@dataclass(frozen=True)
class Plan:
    """What an import will do, for one school. ``meta`` holds plain JSON-able context.

    ``meta`` keys used across the plugin: ``uaj``, ``year``, ``today`` (ISO date),
    ``populations`` (list of ``sts``/``eleves``/``responsables`` imported), ``files``,
    ``year_change`` (bool), ``warnings`` (list of French strings), ``kept`` (counts of
    known people kept as they are, per population), ``brake`` (safety brake findings).
    """

    actions: tuple[Action, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keys = [a.key for a in self.actions]
        if len(keys) != len(set(keys)):
            raise PlanError("Plan incohérent : une même action y figure deux fois.")

    @property
    def is_empty(self) -> bool:
        return not self.actions

    def counts(self) -> dict[str, int]:
        """Number of actions per kind, in plan order."""
        out: dict[str, int] = {}
        for action in self.actions:
            out[action.kind] = out.get(action.kind, 0) + 1
        return out

    def of_kind(self, cls: type[Action]) -> list[Action]:
        return [a for a in self.actions if isinstance(a, cls)]

    def stream(self, kinds: Collection[str] | None = None) -> Iterator[Action]:
        """The actions in plan order (of ``kinds`` only when given): :class:`PlanSource`."""
        return (a for a in self.actions if kinds is None or a.kind in kinds)

    def header(self) -> dict[str, Any]:
        """JSON-able form without the actions: ``meta``, ``checksum`` and ``counts``."""
        return {"meta": dict(self.meta), "checksum": self.checksum, "counts": self.counts()}

    def _body(self) -> dict[str, Any]:
        return {"meta": dict(self.meta), "actions": [a.to_data() for a in self.actions]}

    @cached_property
    def checksum(self) -> str:
        """SHA-256 of the canonical JSON of the plan: what the admin previewed.

        See :func:`checksum_of`.
        """
        return checksum_of(self.actions, self.meta)

    def to_data(self) -> dict[str, Any]:
        """JSON-able form, with ``checksum``."""
        body = self._body()
        body["checksum"] = self.checksum
        body["counts"] = self.counts()
        return body

    @classmethod
    def from_data(cls, data: Mapping[str, Any], expected_checksum: str | None = None) -> Plan:
        """Rebuild a stored plan, refusing it when its checksum does not match.

        :raises ChecksumMismatchError: the stored checksum, or ``expected_checksum``,
            differs from the plan's content.
        """
        plan = cls(actions=tuple(action_from_data(a) for a in data.get("actions", ())),
                   meta=dict(data.get("meta", {})))
        actual = plan.checksum
        for wanted in (data.get("checksum"), expected_checksum):
            if wanted is not None and wanted != actual:
                raise ChecksumMismatchError(wanted, actual)
        return plan


def checksum_of(actions: Iterable[Action], meta: Mapping[str, Any]) -> str:
    """SHA-256 of a plan's canonical JSON, hashed action by action as they come (a stored
    plan streamed gives the same digest as the plan in memory): the bytes are those of
    ``json.dumps({"actions": [...], "meta": meta}, sort_keys=True)`` without spaces
    (``actions`` sorts before ``meta``)."""
    digest = hashlib.sha256(b'{"actions":[')
    for i, action in enumerate(actions):
        digest.update((b"," if i else b"") + _canonical(action.to_data()))
    digest.update(b'],"meta":' + _canonical(dict(meta)) + b"}")
    return digest.hexdigest()


def _canonical(value: Any) -> bytes:
    """The canonical JSON bytes the checksum is made of."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode("utf-8")


def as_dict(action: Action) -> dict[str, Any]:
    """Fields of an action as a dict (for renderers)."""
    return asdict(action)
