"""The plugin's ledger: what it created on the host, stored plans, journal, runs and locks.

Any SQLAlchemy URL works (SQLite by default); opening a ``Ledger`` upgrades its schema to
the latest Alembic revision. Everything it hands out is plain data (``LedgerState``,
records), never a database row.

Stored plans hold the initial passwords of the accounts they create (they are part of the
checksummed plan) until the plan is fully applied; then they are dropped from the plan and
kept only in the run's report, which the admin must protect like the printed report. The
ledger keeps birth dates, not passwords, for password resets.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, sessionmaker
from sqlalchemy.pool import StaticPool

from ..adapters.base import HostIdentity
from ..errors import ChecksumMismatchError, LedgerError, PlanError
from ..sync.plan import Plan
from ..sync.state import LedgerState
from . import hosts as _hosts
from . import login_parts as _parts
from . import people as _people
from .closing import close_plan
from .faults import ledger_error
from .jobs import LedgerJobs
from .journal import LedgerJournal, now
from .locks import (
    STALE_AFTER,
    HeldLock,
    LockRecord,
    acquire,
    force_release,
    lock_record,
    locks,
)
from .migrate import current, describe, head, make_engine, sqlite_path, upgrade
from .plans import StoredPlan, save_parts
from .records import PersonRecord, PlanRecord, RunRecord, SchoolRecord
from .retention import Retention, purge
from .runs import (
    UNFINISHED,
    finish_run,
    last_exports,
    mark_interrupted,
    reap_runs,
    run_record,
)
from .tables import LockRow, PlanRow, RunRow, SchoolRow, SecretRow

DEFAULT_URL = "sqlite:///cpro_siecle.sqlite3"


class Ledger:
    """The ledger at ``url``; the schema is migrated on open.

    :param url: SQLAlchemy URL (``sqlite://`` for an in-memory ledger).
    """

    def __init__(self, url: str = DEFAULT_URL, *, readonly: bool = False) -> None:
        """:param readonly: open a SQLite file read-only, never migrating it (``analyse``).

        :raises LedgerError: the database is unreachable, read-only, full or locked (or,
            read-only, of an older schema).
        """
        self.url = url
        self.readonly = readonly and sqlite_path(url) is not None
        self.engine = make_engine(url, readonly=self.readonly)
        if self.readonly:
            try:
                revision = current(self.engine)
            except LedgerError:  # a WAL ledger on a read-only disk opens only as immutable
                self.engine.dispose()
                self.engine = make_engine(url, readonly=True, immutable=True)
                revision = current(self.engine)
            if revision != head():
                self.engine.dispose()
                raise ledger_error("outdated", describe(url))
        else:
            upgrade(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: Import jobs (phase, progress, result), shared by every process.
        self.jobs = LedgerJobs(self.sessions)

    def __repr__(self) -> str:
        return f"Ledger({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def secret(self, name: str = "passwords") -> str:
        """A random secret generated on first use and kept in the ledger ever after.

        Used when ``CPRO_SIECLE_SECRET`` is not set, so guardians' derived passwords are
        never guessable and stay the same from one run (or process) to the next.
        """
        with self.sessions() as s:
            row = s.get(SecretRow, name)
            if row is not None:
                return row.value
        try:
            with self.sessions.begin() as s:
                s.add(SecretRow(name=name, value=secrets.token_hex(32)))
        except IntegrityError:  # another process created it first: use theirs
            pass
        with self.sessions() as s:
            return s.get_one(SecretRow, name).value

    # -- state ------------------------------------------------------------------------------

    def load_state(self, uaj: str, *, every_login: bool = True) -> LedgerState:
        """What the ledger knows of ``uaj``, for the planner (a handful of queries).

        :param every_login: ``taken_usernames`` holds every login of the platform; when
            false, only the school's own: add the logins the plan may meet with
            :meth:`taken_logins` (what previews do, whatever the size of the platform).
        """
        with self.sessions() as s:
            return _people.load_state(s, uaj, every_login)

    def taken_logins(self, stems: Iterable[str]) -> frozenset[str]:
        """Logins of every school sharing one of ``stems`` (``sync.credentials.login_stem``)."""
        with self.sessions() as s:
            return _people.taken_logins(s, stems)

    def school(self, uaj: str) -> SchoolRecord | None:
        """The school's record, or ``None`` if never imported."""
        with self.sessions() as s:
            return _people.school_record(s, uaj)

    def last_exports(self, uaj: str) -> dict[str, dict[str, Any]]:
        """School year and export time of the last file of each kind applied to ``uaj``."""
        with self.sessions() as s:
            return last_exports(s, uaj)

    def state_version(self, uaj: str) -> int:
        """A number that changes whenever an import is applied to ``uaj``."""
        school = self.school(uaj)
        return school.version if school else 0

    def set_source(self, uaj: str, source: str) -> None:
        """Record where the school's files come from (``siecle`` or ``hors-siecle``); an
        explicit act of the admin. A school never imported is recorded with that source."""
        with self.sessions.begin() as s:
            school = s.get(SchoolRow, uaj)
            if school is None:
                s.add(SchoolRow(uaj=uaj, has_sts_import=False, version=0, source=source))
            else:
                school.source = source

    def school_uajs(self) -> list[str]:
        """The UAJ of every school of the ledger, sorted (one query)."""
        with self.sessions() as s:
            return list(s.scalars(select(SchoolRow.uaj).order_by(SchoolRow.uaj)))

    def schools(self) -> list[SchoolRecord]:
        """Every school of the ledger, by UAJ."""
        with self.sessions() as s:
            uajs = list(s.scalars(select(SchoolRow.uaj).order_by(SchoolRow.uaj)))
            return [r for u in uajs if (r := _people.school_record(s, u)) is not None]

    def structures(
        self, uaj: str | None = None, *, uajs: Collection[str] | None = None
    ) -> dict[str, tuple[str, bool]]:
        """Divisions and groups of the school's last STS import: code → (label, is_group);
        of every school (of ``uajs`` when given) if ``uaj`` is ``None``.
        """
        with self.sessions() as s:
            return _people.structures(s, uaj, uajs)

    def person(self, key: str) -> PersonRecord | None:
        """One person, with birth date and cohorts (for password resets)."""
        with self.sessions() as s:
            return _people.person_record(s, key)

    def people(
        self, uaj: str | None = None, *, uajs: Collection[str] | None = None
    ) -> list[PersonRecord]:
        """Every person of ``uaj`` (of every school, or of ``uajs``, if ``None``), by
        population then name.
        """
        with self.sessions() as s:
            return _people.people_records(s, uaj, uajs)

    def guardian_children(
        self, uaj: str | None = None, *, uajs: Collection[str] | None = None
    ) -> dict[str, list[str]]:
        """Guardian key → their students' keys (every school, or of ``uajs``, if ``None``)."""
        with self.sessions() as s:
            return _people.guardian_children(s, uaj, uajs)

    # -- login list, part by part (store/login_parts.py) --------------------------------------

    def login_parts(self, uaj: str) -> _parts.SchoolParts:
        """How many people each part of the school's login list holds."""
        with self.sessions() as s:
            return _parts.school_parts(s, uaj)

    def logins_part(self, uaj: str, part: _parts.LoginsPart) -> _parts.PartPeople:
        """The people of one part of the school's login list (and guardians' children)."""
        with self.sessions() as s:
            return _parts.part_people(s, uaj, part)

    def guardian_page(self, uaj: str, key: str, per_page: int) -> int:
        """The page of the school's guardians (by name) that lists guardian ``key``."""
        with self.sessions() as s:
            return _parts.guardian_page(s, uaj, key, per_page)

    # -- plans ------------------------------------------------------------------------------

    def save_plan(
        self, plan: Plan, user: str, files: Sequence[str] = (), *,
        extra: Mapping[str, Any] | None = None, state_version: int | None = None,
    ) -> int:
        """Store a previewed plan with the state version it was computed against.

        :param extra: side data not in the plan: ``birth_dates`` (person key → ISO date),
            ``structures`` (list of ``{code, label, is_group}``), ``school_name``.
        :param state_version: :meth:`state_version` read before loading the state the plan
            was computed from (the current one if ``None``).
        :returns: the plan id.
        """
        uaj = str(plan.meta.get("uaj", ""))
        if state_version is None:
            state_version = self.state_version(uaj)
        row = PlanRow(uaj=uaj, checksum=plan.checksum, data=plan.header(),
                      extra=dict(extra or {}), state_version=state_version,
                      created_by=user, created_at=now(), files=list(files))
        with self.sessions.begin() as s:
            s.add(row)
            s.flush()
            save_parts(s, int(row.id), plan.actions)  # the actions, a part at a time
            return int(row.id)

    def plan_record(self, plan_id: int) -> PlanRecord:
        """The stored plan's bookkeeping. :raises PlanError: unknown id."""
        with self.sessions() as s:
            row = s.get(PlanRow, plan_id)
            if row is None:
                raise PlanError(f"Plan n° {plan_id} introuvable : relancez l'aperçu.")
            return PlanRecord(row.id, row.uaj, row.checksum, row.data, row.extra,
                              row.state_version, row.created_by, row.created_at,
                              tuple(row.files), row.status)

    def get_plan(self, plan_id: int, expected_checksum: str | None = None) -> Plan:
        """The stored plan whole, verified against its checksum (and ``expected_checksum``).

        :raises ChecksumMismatchError: the plan is not the one previewed.
        :raises PlanError: the plan was applied and its initial passwords dropped.
        """
        return self._stored_plan(plan_id, expected_checksum).whole()

    def stored_plan(self, plan_id: int, expected_checksum: str | None = None) -> StoredPlan:
        """The stored plan, streamed part by part (what apply runs), verified like
        :meth:`get_plan` by one pass over its parts; never loaded whole."""
        return self._stored_plan(plan_id, expected_checksum).verify()

    def _stored_plan(self, plan_id: int, expected_checksum: str | None) -> StoredPlan:
        with self.sessions() as s:
            row = s.get(PlanRow, plan_id)
            if row is None:
                raise PlanError(f"Plan n° {plan_id} introuvable : relancez l'aperçu.")
            if row.extra.get("redacted"):
                raise PlanError("Ce plan a déjà été appliqué : ses mots de passe initiaux ne "
                                "sont plus conservés que dans le rapport de l'importation.")
            if expected_checksum is not None and expected_checksum != row.checksum:
                raise ChecksumMismatchError(expected_checksum, row.checksum)
            return StoredPlan(self.sessions, int(row.id), row.checksum, row.data)

    def resumable_plan(self, uaj: str, files_digest: str, *,
                       stale_after: timedelta = STALE_AFTER) -> int | None:
        """The school's unfinished plan made from the same files, to be continued.

        That is the plan that last changed the school, if its runs did not finish it and
        ``extra["files_digest"]`` (given at :meth:`save_plan`) is ``files_digest``, and no
        live import holds the school's lock (a running import is not continued: a preview
        taken meanwhile is a new plan, refused after it by its state version).
        """
        with self.sessions() as s:
            lock = s.get(LockRow, uaj)
            if lock is not None and not lock_record(lock, stale_after).stale:
                return None
            school = s.get(SchoolRow, uaj)
            plan = s.get(PlanRow, school.version_plan_id) if school and school.version_plan_id \
                else None
            if (plan is None or plan.status not in UNFINISHED or plan.extra.get("redacted")
                    or plan.extra.get("files_digest") != files_digest):
                return None
            return int(plan.id)

    def journal(self, plan_id: int) -> LedgerJournal:
        """The journal apply writes to for this plan."""
        record = self.plan_record(plan_id)
        return LedgerJournal(self.sessions, record.uaj, record.extra)

    def begin_apply(self, plan_id: int) -> None:
        """Check the plan still matches the ledger's state, then mark the state as changing.

        A plan may be applied while the school's state is the one it was computed against,
        or resumed when the last change came from this same plan.

        :raises ChecksumMismatchError: another import changed the school since the preview.
        """
        record = self.plan_record(plan_id)
        with self.sessions.begin() as s:
            school = s.get(SchoolRow, record.uaj)
            if school is None:  # a new school takes the source of its first import
                school = SchoolRow(uaj=record.uaj, has_sts_import=False, version=0,
                                   source=record.extra.get("source", "siecle"))
                s.add(school)
                s.flush()
            if school.version != record.state_version and school.version_plan_id != plan_id:
                raise ChecksumMismatchError(_fingerprint(record.uaj, record.state_version),
                                            _fingerprint(record.uaj, school.version))
            if school.version_plan_id not in (None, plan_id):
                left = s.get(PlanRow, school.version_plan_id)
                if left is not None and left.status in UNFINISHED:
                    close_plan(s, left)  # never to be continued now: make its report
            if school.version_plan_id != plan_id:
                school.version += 1
                school.version_plan_id = plan_id
            s.execute(update(PlanRow).where(PlanRow.id == plan_id).values(status="applying"))

    # -- host identity (store/hosts.py) -----------------------------------------------------

    def host_binding(self, uaj: str) -> HostIdentity | None:
        """The host the school's ids belong to, or ``None`` when none was recorded."""
        with self.sessions() as s:
            return _hosts.binding(s, uaj)

    def bind_host(self, uaj: str, identity: HostIdentity) -> None:
        """Record the host the school's ids belong to."""
        with self.sessions.begin() as s:
            _hosts.bind(s, uaj, identity)

    def has_host_ids(self, uaj: str) -> bool:
        """Whether the ledger holds host ids for the school."""
        with self.sessions() as s:
            return _hosts.has_host_ids(s, uaj)

    def rematch(self, uaj: str, people: Mapping[str, tuple[int, bool] | None],
                cohorts: Mapping[str, int | None], identity: HostIdentity) -> None:
        """Re-match the school on a host by idnumber (see :func:`.hosts.rematch`)."""
        with self.sessions.begin() as s:
            _hosts.rematch(s, uaj, people, cohorts, identity)

    # -- runs -------------------------------------------------------------------------------

    def start_run(self, plan_id: int, user: str) -> int:
        """Record the start of an apply; returns the run id.

        Called under the school's lock: a run of the school still marked running was killed
        (process stopped, machine down) and is recorded as interrupted.
        """
        record = self.plan_record(plan_id)
        row = RunRow(uaj=record.uaj, plan_id=plan_id, user=user, started=now(),
                     files=list(record.files), counts={}, result="running")
        with self.sessions.begin() as s:
            running = s.scalars(select(RunRow.id).where(RunRow.uaj == record.uaj,
                                                        RunRow.result == "running")).all()
            mark_interrupted(s, list(running), None)
            s.add(row)
            s.flush()
            return int(row.id)

    def finish_run(self, run_id: int, outcome: Any, report: Mapping[str, Any] | None) -> RunRecord:
        """Record how a run ended; a complete run also updates the school's record.

        :param outcome: an ``ApplyOutcome``.
        """
        with self.sessions.begin() as s:
            finish_run(s, run_id, outcome, report)
        return self.run(run_id)

    def purge(self, policy: Retention, at: datetime | None = None) -> dict[str, int]:
        """Drop the personal data kept longer than ``policy`` allows (see
        :mod:`.retention`); returns how many previews, plans and reports changed."""
        with self.sessions.begin() as s:
            return purge(s, policy, at or now())

    def reap_runs(self, uaj: str | None = None, *, stale_after: timedelta = STALE_AFTER
                  ) -> list[int]:
        """Mark interrupted the runs still « running » whose school's lock is stale or gone
        (their process died); returns their ids."""
        with self.sessions.begin() as s:
            return reap_runs(s, uaj, stale_after)

    def history(
        self, uaj: str | None = None, limit: int = 100, *, uajs: Collection[str] | None = None,
        stale_after: timedelta = STALE_AFTER,
    ) -> list[RunRecord]:
        """Latest runs first, for one school, those of ``uajs``, or all (dead runs — their
        lock silent for ``stale_after`` or gone — marked interrupted first); without their
        reports (:meth:`run` gives one with it)."""
        self.reap_runs(uaj, stale_after=stale_after)
        query = (select(RunRow).options(defer(RunRow.report)).order_by(RunRow.id.desc())
                 .limit(limit))
        if uaj is not None:
            query = query.where(RunRow.uaj == uaj)
        if uajs is not None:
            query = query.where(RunRow.uaj.in_(sorted(uajs)))
        with self.sessions() as s:
            return [run_record(r, with_report=False) for r in s.scalars(query)]

    def run(self, run_id: int) -> RunRecord:
        """One run. :raises PlanError: unknown id."""
        with self.sessions() as s:
            row = s.get(RunRow, run_id)
            if row is None:
                raise PlanError(f"Importation n° {run_id} introuvable.")
            return run_record(row)

    def count(self, table: type[Any]) -> int:
        """Rows of a table (tests and diagnostics)."""
        with self.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(table)) or 0)

    # -- lock -------------------------------------------------------------------------------

    def acquire_lock(
        self, uaj: str, holder: str, *, stale_after: timedelta = STALE_AFTER
    ) -> HeldLock:
        """Take the school's import lock (over a stale one); :meth:`HeldLock.start` starts
        its heartbeat, :meth:`HeldLock.release` gives it back.

        :raises ImportLockedError: a live import holds it (who, since when, where).
        """
        token = acquire(self.sessions, uaj, holder, stale_after=stale_after)
        return HeldLock(self.sessions, uaj, token, stale_after,
                        thread=not isinstance(self.engine.pool, StaticPool))

    @contextmanager
    def lock(
        self, uaj: str, holder: str, *, stale_after: timedelta = STALE_AFTER
    ) -> Iterator[HeldLock]:
        """Hold the school's import lock, heartbeat running, for the ``with`` block.

        :raises ImportLockedError: already held by a live import.
        """
        held = self.acquire_lock(uaj, holder, stale_after=stale_after).start()
        try:
            yield held
        finally:
            held.release()

    def locks(self, *, stale_after: timedelta = STALE_AFTER) -> list[LockRecord]:
        """Every import lock held, each judged stale or live."""
        return locks(self.sessions, stale_after)

    def unlock(self, uaj: str, *, stale_after: timedelta = STALE_AFTER) -> LockRecord | None:
        """Release the school's lock by hand (the admin's confirmation is the caller's); its
        running runs are marked interrupted. Returns the lock released, ``None`` if none."""
        with self.sessions.begin() as s:
            record = force_release(s, uaj, stale_after)
            if record is not None:
                running = s.scalars(select(RunRow.id).where(RunRow.uaj == uaj,
                                                            RunRow.result == "running")).all()
                mark_interrupted(s, list(running), record.heartbeat)
        return record


def _fingerprint(uaj: str, version: int) -> str:
    return hashlib.sha256(f"{uaj}:{version}".encode()).hexdigest()

