"""The per-school import lock, held in the database so it works across processes.

A lock row per school: inserting it takes the lock (the primary key refuses a second one),
deleting it releases it. While the import runs, its holder refreshes ``heartbeat``
(:class:`HeldLock`: a background thread, and :meth:`HeldLock.beat` between batches), so an
import however long never loses its lock. A lock is *stale* — taken over by the next import,
and shown as such to the admin — when its heartbeat is older than ``stale_after`` (two
minutes by default), or at once when its holder ran on this machine and its process is gone
(:mod:`.liveness`). The admin may also release a lock by hand (:func:`force_release`).

API for the import runners (``service.apply``, the job engine)::

    with ledger.lock(uaj, user) as held:   # ImportLockedError: who, since when
        ...
        held.beat()                        # cheap; raises LockLostError if released by hand
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ImportLockedError, LockLostError
from .journal import now
from .liveness import describe, is_gone, process_identity
from .tables import LockRow

#: Time without a heartbeat after which a lock is presumed abandoned.
STALE_AFTER = timedelta(minutes=2)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LockRecord:
    """A school's import lock as the admin sees it."""

    uaj: str
    holder: str
    since: datetime
    heartbeat: datetime
    process: str | None
    stale: bool
    stale_after: timedelta = STALE_AFTER

    @property
    def where(self) -> str:
        """« machine m, processus n° p » (empty when unknown)."""
        return describe(self.process)

    @property
    def released_at(self) -> datetime:
        """When the lock becomes stale if no heartbeat comes."""
        return self.heartbeat + self.stale_after

    def age(self, at: datetime | None = None) -> int:
        """Seconds since the last heartbeat."""
        return max(0, int(((at or now()) - self.heartbeat).total_seconds()))


def lock_record(row: LockRow, stale_after: timedelta, at: datetime | None = None) -> LockRecord:
    """Plain record of a lock row, judged stale or not at ``at`` (now)."""
    beat = row.heartbeat or row.since
    stale = beat < (at or now()) - stale_after or is_gone(row.process)
    return LockRecord(row.uaj, row.holder, row.since, beat, row.process, stale, stale_after)


class HeldLock:
    """A lock this process holds: its token, its heartbeat and its release.

    :param thread: refresh the heartbeat from a background thread (not for an in-memory
        SQLite ledger, whose single connection must not be shared by two transactions).
    """

    def __init__(self, sessions: sessionmaker[Session], uaj: str, token: str,
                 stale_after: timedelta, *, thread: bool = True) -> None:
        self.uaj = uaj
        self.token = token
        self.interval = max(stale_after.total_seconds() / 4, 0.05)
        self.lost = False
        self._sessions = sessions
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._thread = (threading.Thread(target=self._beating, daemon=True,
                                         name=f"cpro-siecle-lock-{uaj}") if thread else None)

    def start(self) -> HeldLock:
        """Start the background heartbeat (if any)."""
        if self._thread is not None:
            self._thread.start()
        return self

    def beat(self, force: bool = False) -> None:
        """Refresh the heartbeat if the last one is older than a quarter of the delay.

        :raises LockLostError: the lock was released by hand (or taken over).
        """
        if self.lost:
            raise LockLostError(self.uaj)
        if not force and time.monotonic() - self._last < self.interval:
            return
        self._last = time.monotonic()
        if not heartbeat(self._sessions, self.uaj, self.token):
            self.lost = True
            raise LockLostError(self.uaj)

    def _beating(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat(force=True)
            except LockLostError:
                log.warning("Verrou d'importation de %s perdu (levé à la main ?).", self.uaj)
                return
            except Exception:  # a failing ledger: the lock ages, the import reports the error
                log.warning("Signe de vie du verrou de %s non enregistré.", self.uaj,
                            exc_info=True)

    def release(self) -> None:
        """Stop the heartbeat and delete the lock (if still ours)."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()
        release(self._sessions, self.uaj, self.token)


def acquire(
    sessions: sessionmaker[Session], uaj: str, holder: str, *,
    stale_after: timedelta = STALE_AFTER,
) -> str:
    """Take the import lock of ``uaj``, over a stale one; returns the lock's token.

    :raises ImportLockedError: a live import holds the lock (the message says who, since
        when, and when the lock would lift if that import was killed).
    """
    token = uuid.uuid4().hex
    with sessions.begin() as s:
        row = s.get(LockRow, uaj)
        if row is not None and lock_record(row, stale_after).stale:
            # Delete that very lock only: a racing process may have replaced it already.
            s.execute(delete(LockRow).where(LockRow.uaj == uaj, LockRow.token == row.token))
            log.warning("Verrou d'importation abandonné de %s (%s, %s) levé.", uaj, row.holder,
                        describe(row.process) or "processus inconnu")
    try:
        with sessions.begin() as s:
            stamp = now()
            s.execute(insert(LockRow).values(uaj=uaj, holder=holder, token=token, since=stamp,
                                             heartbeat=stamp, process=process_identity()))
    except IntegrityError as exc:
        raise _locked(sessions, uaj, stale_after) from exc
    return token


def _locked(sessions: sessionmaker[Session], uaj: str, stale_after: timedelta) -> Exception:
    with sessions() as s:
        row = s.get(LockRow, uaj)
        if row is None:  # released meanwhile: the caller may simply try again
            return ImportLockedError(uaj)
        record = lock_record(row, stale_after)
    return ImportLockedError(uaj, record.holder, record.since, record.released_at,
                             where=record.where, heartbeat=record.heartbeat)


def heartbeat(sessions: sessionmaker[Session], uaj: str, token: str) -> bool:
    """Refresh the lock's heartbeat; ``False`` when the lock is no longer ``token``'s."""
    with sessions.begin() as s:
        result = s.execute(update(LockRow).where(LockRow.uaj == uaj, LockRow.token == token)
                           .values(heartbeat=now()))
        return bool(getattr(result, "rowcount", 0))


def release(sessions: sessionmaker[Session], uaj: str, token: str) -> None:
    """Delete the lock if it is still ``token``'s."""
    with sessions.begin() as s:
        s.execute(delete(LockRow).where(LockRow.uaj == uaj, LockRow.token == token))


def locks(
    sessions: sessionmaker[Session], stale_after: timedelta = STALE_AFTER
) -> list[LockRecord]:
    """Every lock held, by school."""
    with sessions() as s:
        rows = s.scalars(select(LockRow).order_by(LockRow.uaj)).all()
        return [lock_record(r, stale_after) for r in rows]


def force_release(
    s: Session, uaj: str, stale_after: timedelta = STALE_AFTER
) -> LockRecord | None:
    """Delete the school's lock whoever holds it (the admin's release); the lock released,
    or ``None`` if there was none."""
    row = s.get(LockRow, uaj)
    if row is None:
        return None
    record = lock_record(row, stale_after)
    s.execute(delete(LockRow).where(LockRow.uaj == uaj, LockRow.token == row.token))
    log.warning("Verrou d'importation de %s (%s) levé à la main.", uaj, row.holder)
    return record
