"""The embedded default host: accounts and cohorts in SQLite (any SQLAlchemy URL).

It lets the product run with no LMS: the demo platform logs users in against these tables.
It follows the same rules as Moodle and :class:`~.memory.MemoryHost` (lowercase unique
usernames, unique cohort idnumbers, all-or-nothing creates isolated by bisection).
Passwords are stored hashed (werkzeug). The tables are the host's own, apart from the
plugin's ledger; they are created on start-up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import Engine, create_engine, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import HostRejectedError, HostUnavailableError
from ._batching import (
    BatchRefused,
    check_username,
    chunks,
    create_safely,
    duplicate_username,
    isolate,
)
from ._embedded_tables import Base as _Base
from ._embedded_tables import Cohort as _Cohort
from ._embedded_tables import Guardian as _Guardian
from ._embedded_tables import Member as _Member
from ._embedded_tables import User as _User
from .base import (
    BatchResult,
    HostAdapter,
    HostIdentity,
    HostUser,
    NewCohort,
    NewUser,
    Preflight,
    PreflightCheck,
    pair_key,
)

__all__ = ["EmbeddedHost"]


class EmbeddedHost(HostAdapter):
    """Accounts, cohorts, memberships and guardian links in a SQL database.

    :param url: SQLAlchemy URL, e.g. ``sqlite:///cpro_siecle_host.sqlite3``.
    :param batch_size: records per transaction.
    :param initial_hash: werkzeug hash method of initial and reset passwords. They are
        birth dates to be changed at first login, so a costly hash protects nothing and
        would make a 4,000-account import take minutes; passwords users choose themselves
        (:meth:`change_password`) get werkzeug's strong default.
    """

    name = "embedded"

    def __init__(
        self, url: str, *, batch_size: int = 50, initial_hash: str = "pbkdf2:sha256:20000"
    ) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.initial_hash = initial_hash
        self.engine = create_engine(url)
        _create_tables(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def _hash(self, password: str) -> str:
        return generate_password_hash(password, method=self.initial_hash)

    def _tx(self, operation: str) -> Session:
        self.calls[operation] += 1
        return self._session.begin()  # type: ignore[return-value]

    # -- read API for the demo platform ---------------------------------------------------

    def list_users(self) -> list[HostUser]:
        """Every account, by username."""
        with self._session() as s:
            return [u.to_host() for u in s.scalars(select(_User).order_by(_User.username))]

    def verify_password(self, username: str, password: str) -> bool:
        """Whether ``password`` is the account's; suspended accounts never log in."""
        with self._session() as s:
            user = s.scalar(select(_User).where(_User.username == username))
            return bool(user and not user.suspended
                        and check_password_hash(user.password_hash, password))

    def must_change_password(self, username: str) -> bool:
        """Whether the account must change its password at next login."""
        with self._session() as s:
            user = s.scalar(select(_User).where(_User.username == username))
            return bool(user and user.force_change)

    def change_password(self, username: str, password: str) -> None:
        """The user's own password change: clears the forced change."""
        with self._session.begin() as s:
            user = s.scalar(select(_User).where(_User.username == username))
            if user is None:
                raise HostRejectedError("Compte introuvable.", {username: "compte introuvable"})
            user.password_hash = generate_password_hash(password)
            user.force_change = False

    def guardians_of(self, student_id: int) -> set[int]:
        """Ids of the guardians linked to a student."""
        with self._session() as s:
            query = select(_Guardian.guardian_id).where(_Guardian.student_id == student_id)
            return set(s.scalars(query))

    # -- users ----------------------------------------------------------------------------

    def find_users(
        self, field_name: Literal["idnumber", "username"], values: Sequence[str]
    ) -> list[HostUser]:
        column = _User.idnumber if field_name == "idnumber" else _User.username
        found: list[HostUser] = []
        for chunk in chunks(list(values), self.batch_size):
            with self._tx("find_users") as s:
                found += [u.to_host() for u in s.scalars(select(_User).where(column.in_(chunk)))]
        return sorted(found, key=lambda u: u.id)

    def create_users(self, users: Sequence[NewUser]) -> BatchResult:
        def send(batch: Sequence[NewUser]) -> BatchResult:
            return create_safely(batch, self._create_call,
                                 lambda ids: self.find_users("idnumber", ids))

        return isolate(list(users), lambda u: u.idnumber, send, batch_size=self.batch_size)

    def _create_call(self, batch: Sequence[NewUser]) -> BatchResult:
        try:
            with self._tx("create_users") as s:  # all-or-nothing, like Moodle
                taken = set(s.scalars(select(_User.username).where(
                    _User.username.in_([u.username for u in batch]))))
                for new in batch:
                    reason = check_username(new.username)
                    if reason is None and new.username in taken:
                        reason = duplicate_username(new.username)
                    if reason:
                        raise BatchRefused(reason)
                    taken.add(new.username)
                rows = [_User(username=new.username, idnumber=new.idnumber,
                              firstname=new.firstname, lastname=new.lastname,
                              email=new.email or "", suspended=False, force_change=True,
                              password_hash=self._hash(new.password)) for new in batch]
                s.add_all(rows)
                s.flush()
                return BatchResult(ok={r.idnumber: r.id for r in rows})
        except SQLAlchemyError as exc:
            raise HostUnavailableError(f"Comptes de démonstration inaccessibles : {exc}") from exc

    def set_suspended(self, user_ids: Sequence[int], suspended: bool) -> BatchResult:
        result = BatchResult()
        for batch in chunks(list(user_ids), self.batch_size):
            with self._tx("set_suspended") as s:
                users = {u.id: u for u in s.scalars(select(_User).where(_User.id.in_(batch)))}
                for user in users.values():
                    user.suspended = suspended
                result = result.merge(BatchResult(
                    {str(i): i for i in batch if i in users},
                    {str(i): "compte introuvable sur la plateforme" for i in batch
                     if i not in users}))
        return result

    def delete_users(self, user_ids: Sequence[int]) -> BatchResult:
        result = BatchResult()
        for batch in chunks(list(user_ids), self.batch_size):
            with self._tx("delete_users") as s:  # deleting an account already gone is fine
                s.execute(delete(_Member).where(_Member.user_id.in_(batch)))
                s.execute(delete(_Guardian).where(_Guardian.guardian_id.in_(batch)))
                s.execute(delete(_Guardian).where(_Guardian.student_id.in_(batch)))
                s.execute(delete(_User).where(_User.id.in_(batch)))
            result = result.merge(BatchResult(ok={str(i): i for i in batch}))
        return result

    def set_password(self, user_id: int, password: str) -> None:
        with self._tx("set_password") as s:
            user = s.get(_User, user_id)
            if user is None:
                raise HostRejectedError("Compte introuvable sur la plateforme.",
                                        {str(user_id): "compte introuvable"})
            user.password_hash = self._hash(password)
            user.force_change = True

    # -- cohorts --------------------------------------------------------------------------

    def find_cohorts(self, idnumbers: Sequence[str]) -> dict[str, int]:
        with self._tx("find_cohorts") as s:
            rows = s.execute(select(_Cohort.idnumber, _Cohort.id)
                             .where(_Cohort.idnumber.in_(list(idnumbers))))
            return {idnumber: cid for idnumber, cid in rows}

    def create_cohorts(self, cohorts: Sequence[NewCohort]) -> BatchResult:
        def send(batch: Sequence[NewCohort]) -> BatchResult:
            with self._tx("create_cohorts") as s:
                taken = set(s.scalars(select(_Cohort.idnumber).where(
                    _Cohort.idnumber.in_([c.idnumber for c in batch]))))
                rows = []
                for new in batch:
                    if not new.idnumber or new.idnumber in taken:
                        raise BatchRefused(f"la cohorte « {new.idnumber} » existe déjà")
                    taken.add(new.idnumber)
                    rows.append(_Cohort(idnumber=new.idnumber, name=new.name,
                                        description=new.description))
                s.add_all(rows)
                s.flush()
                return BatchResult(ok={r.idnumber: r.id for r in rows})

        return isolate(list(cohorts), lambda c: c.idnumber, send, batch_size=self.batch_size)

    def add_cohort_members(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._pairs("add_cohort_members", pairs, _Member, _Cohort, add=True)

    def remove_cohort_members(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._pairs("remove_cohort_members", pairs, _Member, _Cohort, add=False)

    def cohort_members(self, cohort_ids: Sequence[int]) -> dict[int, set[int]]:
        result: dict[int, set[int]] = {}
        for batch in chunks(list(cohort_ids), self.batch_size):
            with self._tx("cohort_members") as s:
                for cid in s.scalars(select(_Cohort.id).where(_Cohort.id.in_(batch))):
                    result[cid] = set()
                for cid, uid in s.execute(select(_Member.cohort_id, _Member.user_id)
                                          .where(_Member.cohort_id.in_(batch))):
                    result[cid].add(uid)
        return result

    # -- guardians ------------------------------------------------------------------------

    def link_guardians(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._pairs("link_guardians", pairs, _Guardian, _User, add=True)

    def unlink_guardians(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._pairs("unlink_guardians", pairs, _Guardian, _User, add=False)

    def _pairs(
        self,
        operation: str,
        pairs: Sequence[tuple[int, int]],
        link: type[_Member] | type[_Guardian],
        first: type[_Cohort] | type[_User],
        *,
        add: bool,
    ) -> BatchResult:
        """Add or remove pairs; unknown ends fail the pair only (Moodle warnings)."""
        result = BatchResult()
        for batch in chunks(list(pairs), self.batch_size):
            ok: dict[str, int] = {}
            failed: dict[str, str] = {}
            with self._tx(operation) as s:
                for a, b in batch:
                    if s.get(first, a) is None or s.get(_User, b) is None:
                        failed[pair_key(a, b)] = "cohorte ou compte introuvable sur la plateforme"
                        continue
                    existing = s.get(link, (a, b))
                    if add and existing is None:
                        s.add(link(**dict(zip(_pk_names(link), (a, b), strict=True))))
                        s.flush()
                    elif not add and existing is not None:
                        s.delete(existing)
                        s.flush()
                    ok[pair_key(a, b)] = b
            result = result.merge(BatchResult(ok, failed))
        return result

    def identity(self) -> HostIdentity:
        """The database the accounts live in (its URL, password hidden)."""
        url = self.engine.url.render_as_string(hide_password=True)
        return HostIdentity(self.name, url,
                            "embedded:" + hashlib.sha256(url.encode()).hexdigest()[:24])

    def check(self, *, writes: bool = True) -> Preflight:
        try:
            with self._session() as s:
                s.execute(select(_User.id).limit(1))
        except SQLAlchemyError as exc:
            message = f"Comptes de démonstration inaccessibles : {exc.__class__.__name__}."
            return Preflight(self.name, (PreflightCheck("joignable", False, message),))
        return Preflight(self.name, (PreflightCheck(
            "joignable", True, "Plateforme de démonstration prête (comptes en base locale)."),))


def _pk_names(link: type[_Member] | type[_Guardian]) -> tuple[str, str]:
    return ("cohort_id", "user_id") if link is _Member else ("guardian_id", "student_id")


def _create_tables(engine: Engine, attempts: int = 3) -> None:
    """Create the host's tables if missing. Several web workers starting at once on one
    PostgreSQL database race in ``CREATE TABLE`` (a unique violation on ``pg_type``): the
    loser tries again and finds the tables the winner made."""
    for attempt in range(attempts):
        try:
            _Base.metadata.create_all(engine)
            return
        except SQLAlchemyError:
            if attempt == attempts - 1:
                raise
