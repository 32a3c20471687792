"""The per-school import lock, held in the database so it works across processes.

A lock row per school: inserting it takes the lock (the primary key refuses a second one),
deleting it releases it. A lock older than ``stale_after`` is presumed left by a crashed
process and taken over.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ImportLockedError
from .journal import now
from .tables import LockRow

#: Age after which a lock is presumed abandoned.
STALE_AFTER = timedelta(hours=2)

log = logging.getLogger(__name__)


@contextmanager
def school_lock(
    sessions: sessionmaker[Session], uaj: str, holder: str, *,
    stale_after: timedelta = STALE_AFTER,
) -> Iterator[str]:
    """Hold the import lock of ``uaj`` for the ``with`` block; yields the lock token.

    :raises ImportLockedError: another import holds the lock (the message names who).
    """
    token = uuid.uuid4().hex
    _acquire(sessions, uaj, holder, token, stale_after)
    try:
        yield token
    finally:
        with sessions.begin() as s:
            s.execute(delete(LockRow).where(LockRow.uaj == uaj, LockRow.token == token))


def _acquire(
    sessions: sessionmaker[Session], uaj: str, holder: str, token: str, stale_after: timedelta
) -> None:
    with sessions.begin() as s:
        stale = s.execute(delete(LockRow).where(LockRow.uaj == uaj,
                                                LockRow.since < now() - stale_after))
        if getattr(stale, "rowcount", 0):
            log.warning("Verrou d'importation abandonné de %s levé.", uaj)
    try:
        with sessions.begin() as s:
            s.execute(insert(LockRow).values(uaj=uaj, holder=holder, token=token, since=now()))
    except IntegrityError as exc:
        with sessions() as s:
            current = s.execute(
                select(LockRow.holder, LockRow.since).where(LockRow.uaj == uaj)).first()
        holder_now, since = (current.holder, current.since) if current else (None, None)
        raise ImportLockedError(uaj, holder_now, since,
                                since + stale_after if since else None) from exc
