"""Batching shared by every host: chunking, isolating refused records, safe creates.

Moodle runs a whole ``core_user_create_users`` (and several other calls) in one
transaction: one bad record fails the call and, at default debug level, the message does not
name it. Every adapter therefore sends batches through :func:`isolate`, which splits a refused
batch in halves until the offending records stand alone, while the others go through.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from ..errors import HostUnavailableError
from .base import BatchResult, HostUser, NewUser

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: Runs a function over items, possibly several at once; returns the results in item order.
Runner = Callable[[Callable[[T], R], Sequence[T]], list[R]]

#: Form fields one record takes in each function's request (the adapter's payloads), to keep
#: a request within PHP's ``max_input_vars``.
FIELDS_PER_RECORD: dict[str, int] = {
    "core_user_create_users": 9,  # 7 fields + one preference (type, value)
    "core_user_update_users": 2,  # id, suspended
    "core_user_delete_users": 1,
    "core_user_get_users_by_field": 1,
    "core_cohort_create_cohorts": 6,
    "core_cohort_add_cohort_members": 4,
    "core_cohort_delete_cohort_members": 2,
    "core_cohort_get_cohort_members": 1,
    "core_role_assign_roles": 4,
    "core_role_unassign_roles": 4,
}

#: Records per request of each function, measured on a Moodle 5.0 lab (``python -m bench
#: moodle-lab``). A create costs Moodle about 10 ms per user (password hashing, context,
#: events) whatever the batch, and a refused batch is bisected, so creates stay small;
#: memberships, role assignments and look-ups cost little per record, so their batches are
#: large and the fixed cost of a request (about 30 ms of Moodle bootstrap) is paid rarely.
BATCH_SIZES: dict[str, int] = {
    "core_user_create_users": 100,
    "core_user_update_users": 500,
    "core_user_delete_users": 100,
    "core_user_get_users_by_field": 500,
    "core_cohort_create_cohorts": 100,
    "core_cohort_add_cohort_members": 500,
    "core_cohort_delete_cohort_members": 500,
    "core_cohort_get_cohort_members": 100,
    "core_role_assign_roles": 500,
    "core_role_unassign_roles": 500,
}

#: ``max_input_vars`` assumed on the site: Moodle's installer (4.1 and later) refuses less.
MAX_INPUT_VARS = 5000
#: Fields of a request besides the records: ``wstoken``, ``wsfunction``, the format, and
#: the function's own (``field`` of a look-up).
_PROTOCOL_FIELDS = 8


def batch_size_for(function: str, cap: int | None = None,
                   max_input_vars: int = MAX_INPUT_VARS) -> int:
    """Records per request of ``function``: its measured size, within ``max_input_vars``.

    :param cap: a size set by the admin (``CPRO_SIECLE_BATCH_SIZE``), used for every function
        when given (still within ``max_input_vars``).
    """
    wanted = cap if cap else BATCH_SIZES.get(function, 50)
    fields = FIELDS_PER_RECORD.get(function, 10)
    return max(1, min(wanted, (max_input_vars - _PROTOCOL_FIELDS) // fields))


def sequential(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """The :data:`Runner` that runs one item after the other."""
    return [fn(item) for item in items]

#: What Moodle accepts as a username without ``extendedusernamechars`` (lib/moodlelib.php,
#: ``core_user::clean_field`` with PARAM_USERNAME): lowercase letters, digits, ``_ . @ -``.
USERNAME_RE = re.compile(r"^[a-z0-9_.@-]+$")

#: Operations that change the host; ``calls`` entries of these count as writes.
WRITE_OPERATIONS = frozenset({
    "create_users", "set_suspended", "delete_users", "create_cohorts", "add_cohort_members",
    "remove_cohort_members", "link_guardians", "unlink_guardians", "set_password",
})


class BatchRefused(Exception):
    """Internal signal: the host refused a whole call; ``reason`` is French."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), max(1, size)):
        yield items[start:start + size]


def isolate(
    records: Sequence[T],
    key: Callable[[T], str],
    call: Callable[[Sequence[T]], BatchResult],
    *,
    batch_size: int,
    run: Runner[Sequence[T], BatchResult] = sequential,
) -> BatchResult:
    """Send ``records`` in batches; bisect a refused batch to isolate the bad records.

    :param call: sends one batch; raises :class:`BatchRefused` when the host refuses it whole.
    :param run: how the batches are run (several at once by the Moodle transport): batches
        are independent, and the bisection of one stays within its own task.
    :returns: merged result; each isolated record is in ``failed`` with the host's reason.
    :raises HostError: unavailable or auth failures propagate untouched.
    """
    result = BatchResult()
    for part in run(lambda batch: _bisect(batch, key, call), list(chunks(records, batch_size))):
        result = result.merge(part)
    return result


def _bisect(
    batch: Sequence[T], key: Callable[[T], str], call: Callable[[Sequence[T]], BatchResult]
) -> BatchResult:
    try:
        return call(batch)
    except BatchRefused as refused:
        if len(batch) == 1:
            return BatchResult(failed={key(batch[0]): refused.reason})
        middle = len(batch) // 2
        log.info("Lot de %d refusé par l'hôte : découpage pour isoler l'erreur.", len(batch))
        return _bisect(batch[:middle], key, call).merge(_bisect(batch[middle:], key, call))


def create_safely(
    batch: Sequence[NewUser],
    create: Callable[[Sequence[NewUser]], BatchResult],
    lookup: Callable[[Sequence[str]], list[HostUser]],
) -> BatchResult:
    """Create users; if the outcome is unknown (timeout), look them up before creating again.

    A create is never blindly retried: after a :class:`HostUnavailableError`, the users
    already on the host (found by idnumber) count as created and only the missing ones are
    sent once more, isolated among themselves if refused (so the created ones are never
    sent again). A second outage propagates.
    """
    try:
        return create(batch)
    except HostUnavailableError:
        log.warning("Issue inconnue d'une création de %d compte(s) : vérification.", len(batch))
        found = {u.idnumber: u.id for u in lookup([u.idnumber for u in batch])}
        missing = [u for u in batch if u.idnumber not in found]
        done = BatchResult(ok={u.idnumber: found[u.idnumber] for u in batch
                               if u.idnumber in found})
        if not missing:
            return done
        return done.merge(isolate(missing, lambda u: u.idnumber, create,
                                  batch_size=len(missing)))


def check_username(username: str) -> str | None:
    """French reason why Moodle would refuse this username, or ``None``."""
    if not username or not USERNAME_RE.match(username):
        return (f"identifiant « {username} » refusé : seuls les minuscules a-z, les chiffres "
                "et les caractères _ . @ - sont permis")
    if len(username) > 100:
        return f"identifiant « {username} » trop long (100 caractères au plus)"
    return None


def duplicate_username(username: str) -> str:
    """French reason for a username already taken on the host."""
    return f"l'identifiant « {username} » existe déjà sur la plateforme"
