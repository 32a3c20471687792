"""The host interface: a handful of batch-shaped operations on accounts and cohorts.

Contract, for every implementation (in-process, embedded SQLite, Moodle REST):

- Raise only ``HostError`` subclasses (``errors.py``); translate foreign exceptions at the
  boundary with ``raise ... from exc``. A record the host refuses while others go through is
  reported in ``BatchResult.failed`` (key → French reason), not raised.
- Never log, repr or put in an exception the host token or a password.
- Never blindly retry a create: after a failure whose outcome is unknown (timeout), look the
  records up (``find_users`` by idnumber) before creating again.
- Batch methods take any number of records; the adapter splits them by its batch size.
- ``calls`` counts the host requests made, per operation name (for benchmarks and tests).
- ``notices`` collects French notes for the admin's report about records the host took
  differently than asked (an e-mail replaced by a placeholder...); the caller empties it.
- ``check(writes=False)`` makes no change on the host, not even a rolled-back probe: a plan
  with nothing to write is checked without write requests.

Nothing Moodle-specific appears in a signature: ids are the host's integer ids, users are
identified by ``idnumber`` (our stable key) and ``username``.
"""

from __future__ import annotations

import abc
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class HostUser:
    """An account as the host holds it."""

    id: int
    username: str
    idnumber: str
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    suspended: bool = False


@dataclass(frozen=True)
class NewUser:
    """An account to create. The host forces a password change at first login."""

    idnumber: str
    username: str
    password: str
    firstname: str
    lastname: str
    email: str | None = None

    def __repr__(self) -> str:
        # Initial passwords belong to the admin's report only.
        return f"NewUser(idnumber={self.idnumber!r}, username={self.username!r}, password='***')"


@dataclass(frozen=True)
class NewCohort:
    """A cohort to create; ``idnumber`` is unique on the host."""

    idnumber: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class BatchResult:
    """Outcome of a batch: ``ok`` maps record key → host id, ``failed`` key → French reason.

    Keys: the ``idnumber`` for users and cohorts, ``str(id)`` for id-based operations,
    ``"a:b"`` for pairs.
    """

    ok: Mapping[str, int] = field(default_factory=dict)
    failed: Mapping[str, str] = field(default_factory=dict)

    def merge(self, other: BatchResult) -> BatchResult:
        return BatchResult({**self.ok, **other.ok}, {**self.failed, **other.failed})


def pair_key(a: int, b: int) -> str:
    """Key of a (cohort, user) or (guardian, student) pair in a ``BatchResult``."""
    return f"{a}:{b}"


@dataclass(frozen=True)
class HostIdentity:
    """Which host a ledger's ids belong to: ``kind`` (``moodle``...), the URL it was reached
    at, and ``site``, a stable identity of the site itself (the URL may change; a site
    reinstalled at the same URL gets another ``site``)."""

    kind: str
    url: str
    site: str


@dataclass(frozen=True)
class PreflightCheck:
    """One check of the host before an import; ``message`` in French."""

    name: str
    ok: bool
    message: str
    blocking: bool = True


@dataclass(frozen=True)
class Preflight:
    """The host's readiness: every check, and whether the import may go on."""

    host: str
    checks: tuple[PreflightCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok or not c.blocking for c in self.checks)


class HostAdapter(abc.ABC):
    """The host LMS, seen through batch-shaped operations. See the module docstring."""

    #: Short name shown to the admin (``embedded``, ``moodle``...).
    name: str = "host"

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.notices: list[str] = []

    def identity(self) -> HostIdentity:
        """Which host this is, for the ledger to know whose ids it holds."""
        return HostIdentity(self.name, "", self.name)

    @abc.abstractmethod
    def find_users(
        self, field_name: Literal["idnumber", "username"], values: Sequence[str]
    ) -> list[HostUser]:
        """Users whose ``field_name`` is one of ``values`` (missing ones are absent)."""

    @abc.abstractmethod
    def create_users(self, users: Sequence[NewUser]) -> BatchResult:
        """Create accounts (auth manual, forced password change). Keys: idnumber."""

    @abc.abstractmethod
    def set_suspended(self, user_ids: Sequence[int], suspended: bool) -> BatchResult:
        """Suspend or reactivate accounts, touching nothing else. Keys: str(id)."""

    @abc.abstractmethod
    def delete_users(self, user_ids: Sequence[int]) -> BatchResult:
        """Delete accounts for good. Keys: str(id)."""

    @abc.abstractmethod
    def find_cohorts(self, idnumbers: Sequence[str]) -> dict[str, int]:
        """Host ids of the cohorts with these idnumbers (missing ones are absent)."""

    @abc.abstractmethod
    def create_cohorts(self, cohorts: Sequence[NewCohort]) -> BatchResult:
        """Create cohorts at system level. Keys: idnumber."""

    @abc.abstractmethod
    def add_cohort_members(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        """Add (cohort id, user id) memberships; adding an existing one is not an error."""

    @abc.abstractmethod
    def remove_cohort_members(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        """Remove (cohort id, user id) memberships; removing a missing one is not an error."""

    @abc.abstractmethod
    def cohort_members(self, cohort_ids: Sequence[int]) -> dict[int, set[int]]:
        """User ids of the members of each cohort."""

    @abc.abstractmethod
    def link_guardians(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        """Give (guardian id, student id) pairs the parent role in the student's context."""

    @abc.abstractmethod
    def unlink_guardians(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        """Remove the parent role of (guardian id, student id) pairs."""

    @abc.abstractmethod
    def set_password(self, user_id: int, password: str) -> None:
        """Set a password and force its change at next login (password reset)."""

    @abc.abstractmethod
    def check(self, *, writes: bool = True) -> Preflight:
        """Preflight: is the host reachable, allowed and configured for an import?

        :param writes: the import has something to write (else no write probe is made).
        """
