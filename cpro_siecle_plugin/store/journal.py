"""The ledger side of apply: action statuses, host ids, and the effect of each action.

``LedgerJournal`` implements :class:`cpro_siecle_plugin.runner.apply.Journal`. Each
:meth:`LedgerJournal.record` runs in one transaction: the journal rows and the people,
cohorts, memberships and links they change are written together, so the ledger never says
an action is done without its effect, nor the reverse.
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..runner.apply import Done
from ..sync.plan import (
    AddMember,
    ChangeFunction,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    DeleteUser,
    LinkGuardian,
    ReactivateUser,
    RemoveMember,
    SuspendUser,
    UnlinkGuardian,
)
from .gdpr import scrub_people
from .tables import Base, CohortRow, GuardianLinkRow, JournalRow, MembershipRow, PersonRow

_person_key = operator.attrgetter("person_key")
#: Core tables: plain inserts skip the ORM's bulk machinery, several times faster.
_TABLES = Base.metadata.tables

#: Largest IN list sent in one statement.
CHUNK = 500


def now() -> datetime:
    """Naive UTC now, as the ledger stores date-times."""
    return datetime.now(UTC).replace(tzinfo=None)


def chunked(items: Collection[str]) -> Iterator[list[str]]:
    """``items`` in lists of at most :data:`CHUNK`."""
    values = list(items)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


class LedgerJournal:
    """Journal of one plan of one school, writing its effects into the ledger.

    :param extra: the plan's side data (``birth_dates``: person key → ISO date).
    """

    def __init__(self, sessions: sessionmaker[Session], uaj: str, extra: Mapping[str, Any]):
        self._sessions = sessions
        self.uaj = uaj
        self._birth = dict(extra.get("birth_dates", {}))
        self._rows: dict[str, set[str]] = {}  # checksum → action keys with a journal row

    def statuses(self, checksum: str) -> dict[str, str]:
        with self._sessions() as s:
            rows = s.execute(select(JournalRow.action_key, JournalRow.status)
                             .where(JournalRow.checksum == checksum))
            found = {k: v for k, v in rows}
        self._rows[checksum] = set(found)
        return found

    def mark_pending(self, checksum: str, keys: Sequence[str]) -> None:
        with self._sessions.begin() as s:
            self._set(s, checksum, {k: ("pending", None) for k in keys})

    def journaled(self, keys: Collection[str]) -> set[str]:
        # Keys hold the school's UAJ, so any plan's row counts. Journal rows are keyed by
        # (checksum, action key): one scan per kind beats an IN list per chunk of keys.
        wanted = set(keys)
        found: set[str] = set()
        with self._sessions() as s:
            for kind in sorted({k.split(":", 1)[0] for k in wanted}):
                rows = s.execute(select(JournalRow.action_key).distinct()
                                 .where(JournalRow.action_key.startswith(f"{kind}:")))
                found.update(k for (k,) in rows if k in wanted)
        return found

    def person_ids(self, keys: Collection[str]) -> dict[str, int]:
        return self._ids(PersonRow, keys)

    def cohort_ids(self, keys: Collection[str]) -> dict[str, int]:
        return self._ids(CohortRow, keys)

    def record(
        self, checksum: str, done: Sequence[Done], failed: Mapping[str, str], *,
        today: date | None,
    ) -> None:
        statuses: dict[str, tuple[str, str | None]] = {k: ("failed", v) for k, v in failed.items()}
        statuses.update({d.action.key: ("done", None) for d in done})
        with self._sessions.begin() as s:
            self._set(s, checksum, statuses)
            self._effects(s, done, today, checksum)

    # -- internals ---------------------------------------------------------------------------

    def _ids(
        self, table: type[PersonRow] | type[CohortRow], keys: Collection[str]
    ) -> dict[str, int]:
        out: dict[str, int] = {}
        with self._sessions() as s:
            for part in chunked(keys):
                rows = s.execute(select(table.key, table.host_id)
                                 .where(table.key.in_(part), table.host_id.is_not(None)))
                out.update({k: int(v) for k, v in rows if v is not None})
        return out

    def _set(
        self, s: Session, checksum: str, statuses: Mapping[str, tuple[str, str | None]]
    ) -> None:
        """Write statuses: update the rows this journal knows, insert the others."""
        known = self._rows.get(checksum)
        if known is None:  # statuses() not read: rows may exist, replace them
            for part in chunked(statuses):
                s.execute(delete(JournalRow).where(JournalRow.checksum == checksum,
                                                   JournalRow.action_key.in_(part)))
            known = set()
        stamp = now()
        old = [k for k in statuses if k in known]
        plain = [k for k in old if statuses[k][1] is None]
        for status in {statuses[k][0] for k in plain}:
            for part in chunked([k for k in plain if statuses[k][0] == status]):
                s.execute(update(JournalRow).where(JournalRow.checksum == checksum,
                                                   JournalRow.action_key.in_(part))
                          .values(status=status, error=None, updated_at=stamp))
        for key in (k for k in old if statuses[k][1] is not None):
            s.execute(update(JournalRow).where(JournalRow.checksum == checksum,
                                               JournalRow.action_key == key)
                      .values(status=statuses[key][0], error=statuses[key][1], updated_at=stamp))
        new = [k for k in statuses if k not in known]
        if new:
            s.execute(insert(_TABLES["journal"]), [
                {"checksum": checksum, "action_key": k, "status": statuses[k][0],
                 "error": statuses[k][1], "updated_at": stamp} for k in new
            ])
        self._rows.setdefault(checksum, set()).update(statuses)

    def _effects(
        self, s: Session, done: Sequence[Done], today: date | None, checksum: str
    ) -> None:
        by_kind: dict[type, list[Done]] = {}
        for d in done:
            by_kind.setdefault(type(d.action), []).append(d)
        stamp = now()
        cohorts = by_kind.get(CreateCohort, [])
        if cohorts:
            s.execute(insert(_TABLES["cohorts"]), [self._cohort(d) for d in cohorts])
        users = by_kind.get(CreateUser, [])
        if users:
            s.execute(insert(_TABLES["people"]), [self._person(d, stamp) for d in users])
        self._people(s, by_kind.get(ReactivateUser, []),
                     {"active": True, "suspended": False, "deactivated_on": None})
        for d in by_kind.get(ChangeFunction, []):
            assert isinstance(d.action, ChangeFunction)
            s.execute(update(PersonRow).where(PersonRow.key == d.action.person_key)
                      .values(population=d.action.population))
        self._pairs(s, MembershipRow, by_kind.get(RemoveMember, []), add=False)
        self._pairs(s, MembershipRow, by_kind.get(AddMember, []), add=True)
        self._pairs(s, GuardianLinkRow, by_kind.get(UnlinkGuardian, []), add=False)
        self._pairs(s, GuardianLinkRow, by_kind.get(LinkGuardian, []), add=True)
        leaving = by_kind.get(DeactivateUser, [])
        self._people(s, [d for d in leaving if getattr(d.action, "suspend", False)],
                     {"active": False, "suspended": True, "deactivated_on": today})
        self._people(s, [d for d in leaving if not getattr(d.action, "suspend", False)],
                     {"active": False, "deactivated_on": today})
        self._people(s, by_kind.get(SuspendUser, []), {"suspended": True})
        self._delete(s, [_person_key(d.action) for d in by_kind.get(DeleteUser, [])], checksum)

    def _cohort(self, d: Done) -> dict[str, Any]:
        a = d.action
        assert isinstance(a, CreateCohort)
        return {"key": a.cohort_key, "uaj": self.uaj, "idnumber": a.idnumber, "name": a.name,
                "host_id": d.host_id}

    def _person(self, d: Done, stamp: datetime) -> dict[str, Any]:
        a = d.action
        assert isinstance(a, CreateUser)
        birth = self._birth.get(a.person_key)
        return {
            "key": a.person_key, "uaj": self.uaj, "population": a.population,
            "username": d.username or a.username, "idnumber": a.idnumber,
            "firstname": a.firstname, "lastname": a.lastname, "national_id": a.national_id,
            "birth_date": date.fromisoformat(birth) if birth else None,
            "host_id": d.host_id, "active": True, "suspended": False, "deactivated_on": None,
            "created_at": stamp,
        }

    @staticmethod
    def _people(s: Session, done: Sequence[Done], values: dict[str, Any]) -> None:
        keys = [_person_key(d.action) for d in done]
        for part in chunked(keys):
            s.execute(update(PersonRow).where(PersonRow.key.in_(part)).values(**values))

    @staticmethod
    def _pairs(
        s: Session, table: type[MembershipRow] | type[GuardianLinkRow], done: Sequence[Done],
        add: bool,
    ) -> None:
        if not done:
            return
        cols = table.__table__.columns.keys()
        pairs = {(getattr(d.action, cols[0]), getattr(d.action, cols[1])) for d in done}
        first, second = table.__table__.columns[cols[0]], table.__table__.columns[cols[1]]
        existing: set[tuple[str, str]] = set()
        for part in chunked({p[0] for p in pairs}):
            rows = s.execute(select(first, second).where(first.in_(part)))
            existing |= {(a, b) for a, b in rows if (a, b) in pairs}
        if add and pairs - existing:
            s.execute(insert(_TABLES[table.__tablename__]),
                      [{cols[0]: a, cols[1]: b} for a, b in pairs - existing])
        for a, b in (existing if not add else ()):
            s.execute(delete(table).where(first == a, second == b))

    @staticmethod
    def _delete(s: Session, keys: Sequence[str], checksum: str) -> None:
        """Delete people for good, and every name of theirs in stored plans and reports."""
        for part in chunked(keys):
            found = s.execute(select(PersonRow.key, PersonRow.lastname, PersonRow.firstname,
                                     PersonRow.username).where(PersonRow.key.in_(part)))
            scrub_people(s, [(k, last, first, login) for k, last, first, login in found],
                         keep=checksum)
            s.execute(delete(MembershipRow).where(MembershipRow.person_key.in_(part)))
            s.execute(delete(GuardianLinkRow).where(or_(GuardianLinkRow.guardian_key.in_(part),
                                                        GuardianLinkRow.student_key.in_(part))))
            s.execute(delete(PersonRow).where(PersonRow.key.in_(part)))
