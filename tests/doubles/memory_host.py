"""In-process host for tests: dicts in memory, Moodle's rules, and fault injection.

It enforces what Moodle enforces and what matters to the plugin: usernames unique and
lowercase ``[a-z0-9_.@-]``; cohort idnumbers unique; a create call is all-or-nothing (one bad
user fails the call, and the shared batching isolates it, as with Moodle).

Fault injection:

- ``fail_after=k``: after ``k`` successful write calls, every write raises
  :class:`HostUnavailableError` (reads keep working);
- ``apply_failed_writes=True``: those failing writes are applied first (the reply is lost,
  as in a timeout after the write happened);
- :meth:`MemoryHost.lose_reply`: the next call(s) of one operation are applied, then raise.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Literal, TypeVar

from cpro_siecle_plugin.adapters._batching import (
    WRITE_OPERATIONS,
    BatchRefused,
    check_username,
    chunks,
    create_safely,
    duplicate_username,
    isolate,
)
from cpro_siecle_plugin.adapters.base import (
    BatchResult,
    HostAdapter,
    HostUser,
    NewCohort,
    NewUser,
    Preflight,
    PreflightCheck,
    pair_key,
)
from cpro_siecle_plugin.errors import HostRejectedError, HostUnavailableError

from .memory_records import MemoryCohort, MemoryUser

T = TypeVar("T")

__all__ = ["MemoryHost", "MemoryUser", "MemoryCohort", "WRITE_OPERATIONS"]


class MemoryHost(HostAdapter):
    """Dict-based host; see the module docstring for its rules and fault injection.

    :param fail_after: successful write calls after which every write fails.
    :param apply_failed_writes: apply a failing write before raising (lost reply).
    :param batch_size: records per simulated request.
    :param password_policy: returns a French reason when a password is refused.
    """

    name = "memory"

    def __init__(
        self,
        fail_after: int | None = None,
        *,
        apply_failed_writes: bool = False,
        batch_size: int = 50,
        password_policy: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.fail_after = fail_after
        self.apply_failed_writes = apply_failed_writes
        self.batch_size = batch_size
        self.password_policy = password_policy
        self.users: dict[int, MemoryUser] = {}
        self.cohorts: dict[int, MemoryCohort] = {}
        self.memberships: set[tuple[int, int]] = set()
        self.guardian_links: set[tuple[int, int]] = set()
        self.writes_done = 0
        self._lost: Counter[str] = Counter()
        self._ids = itertools.count(2)  # id 1 is Moodle's guest, 2 its admin: start above

    # -- fault injection and inspection -------------------------------------------------

    def lose_reply(self, operation: str, times: int = 1) -> None:
        """Apply the next ``times`` calls of ``operation``, then raise as on a timeout."""
        self._lost[operation] += times

    @property
    def write_calls(self) -> int:
        """Number of write requests made (successful or not)."""
        return sum(n for op, n in self.calls.items() if op in WRITE_OPERATIONS)

    def users_by_username(self) -> dict[str, MemoryUser]:
        return {u.username: u for u in self.users.values()}

    def user(self, username: str) -> MemoryUser:
        return self.users_by_username()[username]

    def cohort_id(self, idnumber: str) -> int:
        return next(c.id for c in self.cohorts.values() if c.idnumber == idnumber)

    def members(self, cohort_idnumber: str) -> set[str]:
        """Usernames of the members of a cohort."""
        cid = self.cohort_id(cohort_idnumber)
        return {self.users[u].username for c, u in self.memberships if c == cid}

    def guardians_of(self, student_username: str) -> set[str]:
        """Usernames of the guardians linked to a student."""
        sid = self.user(student_username).id
        return {self.users[g].username for g, s in self.guardian_links if s == sid}

    # -- simulated requests --------------------------------------------------------------

    def _read(self, operation: str) -> None:
        self.calls[operation] += 1

    def _write(self, operation: str, apply: Callable[[], T]) -> T:
        self.calls[operation] += 1
        if self.fail_after is not None and self.writes_done >= self.fail_after:
            if self.apply_failed_writes:
                try:
                    apply()
                except BatchRefused:
                    pass
            raise HostUnavailableError("Hôte de test indisponible (panne simulée).")
        result = apply()
        if self._lost[operation]:
            self._lost[operation] -= 1
            raise HostUnavailableError("Hôte de test : délai dépassé (réponse perdue simulée).")
        self.writes_done += 1
        return result

    # -- users ----------------------------------------------------------------------------

    def find_users(
        self, field_name: Literal["idnumber", "username"], values: Sequence[str]
    ) -> list[HostUser]:
        found: list[HostUser] = []
        for chunk in chunks(list(values), self.batch_size):
            self._read("find_users")
            wanted = set(chunk)
            found += [u.to_host() for u in self.users.values()
                      if getattr(u, field_name) in wanted]
        return sorted(found, key=lambda u: u.id)

    def create_users(self, users: Sequence[NewUser]) -> BatchResult:
        def send(batch: Sequence[NewUser]) -> BatchResult:
            return create_safely(batch, self._create_call,
                                 lambda ids: self.find_users("idnumber", ids))

        return isolate(list(users), lambda u: u.idnumber, send, batch_size=self.batch_size)

    def _create_call(self, batch: Sequence[NewUser]) -> BatchResult:
        def apply() -> BatchResult:
            taken = {u.username for u in self.users.values()}
            for new in batch:  # all-or-nothing, like Moodle's delegated transaction
                reason = check_username(new.username)
                if reason is None and new.username in taken:
                    reason = duplicate_username(new.username)
                if reason is None and self.password_policy:
                    reason = self.password_policy(new.password)
                if reason:
                    raise BatchRefused(reason)
                taken.add(new.username)
            ok = {}
            for new in batch:
                uid = next(self._ids)
                self.users[uid] = MemoryUser(uid, new.username, new.idnumber, new.firstname,
                                             new.lastname, new.email or "", False, new.password)
                ok[new.idnumber] = uid
            return BatchResult(ok=ok)

        return self._write("create_users", apply)

    def set_suspended(self, user_ids: Sequence[int], suspended: bool) -> BatchResult:
        def apply(batch: Sequence[int]) -> BatchResult:
            for uid in batch:
                if uid in self.users:
                    self.users[uid].suspended = suspended
            return self._by_id(batch)

        return self._each_batch("set_suspended", list(user_ids), apply)

    def delete_users(self, user_ids: Sequence[int]) -> BatchResult:
        def apply(batch: Sequence[int]) -> BatchResult:
            for uid in batch:  # deleting an account already gone is not an error
                self.users.pop(uid, None)
                self.memberships = {m for m in self.memberships if m[1] != uid}
                self.guardian_links = {g for g in self.guardian_links if uid not in g}
            return BatchResult(ok={str(uid): uid for uid in batch})

        return self._each_batch("delete_users", list(user_ids), apply)

    def set_password(self, user_id: int, password: str) -> None:
        if user_id not in self.users:
            raise HostRejectedError("Compte introuvable sur la plateforme.",
                                    {str(user_id): "compte introuvable"})
        reason = self.password_policy(password) if self.password_policy else None
        if reason:
            raise HostRejectedError(f"Mot de passe refusé : {reason}", {str(user_id): reason})

        def apply() -> None:
            self.users[user_id].password = password
            self.users[user_id].force_change = True

        self._write("set_password", apply)

    def _by_id(self, batch: Sequence[int]) -> BatchResult:
        ok = {str(u): u for u in batch if u in self.users}
        failed = {str(u): "compte introuvable sur la plateforme" for u in batch
                  if u not in self.users}
        return BatchResult(ok, failed)

    def _each_batch(
        self, operation: str, items: Sequence[T], apply: Callable[[Sequence[T]], BatchResult]
    ) -> BatchResult:
        result = BatchResult()
        for batch in chunks(items, self.batch_size):
            result = result.merge(self._write(operation, functools.partial(apply, batch)))
        return result

    # -- cohorts --------------------------------------------------------------------------

    def find_cohorts(self, idnumbers: Sequence[str]) -> dict[str, int]:
        self._read("find_cohorts")
        wanted = set(idnumbers)
        return {c.idnumber: c.id for c in self.cohorts.values() if c.idnumber in wanted}

    def create_cohorts(self, cohorts: Sequence[NewCohort]) -> BatchResult:
        def send(batch: Sequence[NewCohort]) -> BatchResult:
            def apply() -> BatchResult:
                taken = {c.idnumber for c in self.cohorts.values()}
                for new in batch:  # all-or-nothing, like Moodle
                    if new.idnumber in taken or not new.idnumber:
                        raise BatchRefused(f"la cohorte « {new.idnumber} » existe déjà")
                    taken.add(new.idnumber)
                ok = {}
                for new in batch:
                    cid = next(self._ids)
                    self.cohorts[cid] = MemoryCohort(cid, new.idnumber, new.name, new.description)
                    ok[new.idnumber] = cid
                return BatchResult(ok=ok)

            return self._write("create_cohorts", apply)

        return isolate(list(cohorts), lambda c: c.idnumber, send, batch_size=self.batch_size)

    def add_cohort_members(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._pairs("add_cohort_members", pairs, self.memberships, self.cohorts, True)

    def remove_cohort_members(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._pairs("remove_cohort_members", pairs, self.memberships, self.cohorts, False)

    def cohort_members(self, cohort_ids: Sequence[int]) -> dict[int, set[int]]:
        result: dict[int, set[int]] = {}
        for chunk in chunks(list(cohort_ids), self.batch_size):
            self._read("cohort_members")
            for cid in chunk:
                if cid in self.cohorts:
                    result[cid] = {u for c, u in self.memberships if c == cid}
        return result

    # -- guardians ------------------------------------------------------------------------

    def link_guardians(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._pairs("link_guardians", pairs, self.guardian_links, self.users, True)

    def unlink_guardians(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._pairs("unlink_guardians", pairs, self.guardian_links, self.users, False)

    def _pairs(
        self,
        operation: str,
        pairs: Sequence[tuple[int, int]],
        links: set[tuple[int, int]],
        first: dict[int, MemoryUser] | dict[int, MemoryCohort],
        add: bool,
    ) -> BatchResult:
        """Add or remove pairs; unknown ends fail the pair, not the batch (Moodle warnings)."""

        def apply(batch: Sequence[tuple[int, int]]) -> BatchResult:
            ok: dict[str, int] = {}
            failed: dict[str, str] = {}
            for a, b in batch:
                if a not in first or b not in self.users:
                    failed[pair_key(a, b)] = "cohorte ou compte introuvable sur la plateforme"
                    continue
                (links.add if add else links.discard)((a, b))
                ok[pair_key(a, b)] = b
            return BatchResult(ok, failed)

        return self._each_batch(operation, list(pairs), apply)

    def check(self, *, writes: bool = True) -> Preflight:
        return Preflight(self.name, (PreflightCheck("joignable", True, "Hôte de test prêt."),))
