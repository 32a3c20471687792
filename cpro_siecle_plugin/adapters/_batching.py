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
) -> BatchResult:
    """Send ``records`` in batches; bisect a refused batch to isolate the bad records.

    :param call: sends one batch; raises :class:`BatchRefused` when the host refuses it whole.
    :returns: merged result; each isolated record is in ``failed`` with the host's reason.
    :raises HostError: unavailable or auth failures propagate untouched.
    """
    result = BatchResult()
    for batch in chunks(records, batch_size):
        result = result.merge(_bisect(batch, key, call))
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
