"""The ledger's tables, as SQLAlchemy 2.x declarative models.

The Alembic migrations in ``store/migrations`` create exactly these tables; a test compares
them (autogenerate yields no difference). Date-times are naive UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    literal_column,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..sync.credentials import DIGITS

#: Constraint names Alembic can rely on, on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KEY = String(120)


class Base(DeclarativeBase):
    """Base of the ledger's models."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class SchoolRow(Base):
    """A school known to the ledger; ``version`` changes whenever an import touches it."""

    __tablename__ = "schools"
    uaj: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    last_year: Mapped[int | None] = mapped_column(Integer)
    has_sts_import: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    version_plan_id: Mapped[int | None] = mapped_column(Integer)
    #: ``siecle`` or ``hors-siecle``: the files the school imports (changed explicitly only).
    source: Mapped[str] = mapped_column(String(12), default="siecle", server_default="siecle")


class StructureRow(Base):
    """A division or group of the school's last STS import."""

    __tablename__ = "structures"
    uaj: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)


class PersonRow(Base):
    """A person the ledger knows, as last applied to the host."""

    __tablename__ = "people"
    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    uaj: Mapped[str] = mapped_column(String(16), index=True)
    population: Mapped[str] = mapped_column(String(20))
    username: Mapped[str] = mapped_column(String(100), unique=True)
    idnumber: Mapped[str] = mapped_column(String(150), unique=True)
    firstname: Mapped[str] = mapped_column(String(100))
    lastname: Mapped[str] = mapped_column(String(100))
    national_id: Mapped[str | None] = mapped_column(String(40))
    eleve_id: Mapped[str | None] = mapped_column(String(40))  # renumbered students only
    birth_date: Mapped[date | None] = mapped_column(Date)
    host_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    deactivated_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)


#: A login without its trailing digits (``sync.credentials.login_stem``), indexed: the
#: planner reads only the platform's logins sharing the stems of the logins it may give.
LOGIN_STEM = func.rtrim(PersonRow.username, literal_column(f"'{DIGITS}'"))
Index("ix_people_login_stem", LOGIN_STEM)


class CohortRow(Base):
    """A cohort created on the host for a division or group (or its teachers)."""

    __tablename__ = "cohorts"
    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    uaj: Mapped[str] = mapped_column(String(16), index=True)
    idnumber: Mapped[str] = mapped_column(String(150), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    host_id: Mapped[int | None] = mapped_column(Integer)


class MembershipRow(Base):
    """A person's membership of a cohort."""

    __tablename__ = "memberships"
    cohort_key: Mapped[str] = mapped_column(KEY, ForeignKey("cohorts.key"), primary_key=True)
    person_key: Mapped[str] = mapped_column(
        KEY, ForeignKey("people.key"), primary_key=True, index=True
    )


class GuardianLinkRow(Base):
    """A legal guardian linked to a student."""

    __tablename__ = "guardian_links"
    guardian_key: Mapped[str] = mapped_column(KEY, ForeignKey("people.key"), primary_key=True)
    student_key: Mapped[str] = mapped_column(
        KEY, ForeignKey("people.key"), primary_key=True, index=True
    )


class PlanRow(Base):
    """A previewed plan, stored as the admin saw it: ``data`` is ``Plan.header()`` and its
    actions are in ``plan_parts`` (plans stored before the parts hold them in ``data``).

    ``extra`` holds context the plan does not carry (birth dates of the people to create,
    the STS structures) and is not part of the checksum.
    """

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uaj: Mapped[str] = mapped_column(String(16), index=True)
    checksum: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state_version: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="previewed")


class PlanPartRow(Base):
    """A part of a stored plan: consecutive actions of one kind (``Action.to_data()``), in
    plan order by ``seq``; read one at a time, so a large plan is never loaded whole."""

    __tablename__ = "plan_parts"
    plan_id: Mapped[int] = mapped_column(Integer, ForeignKey("plans.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    actions: Mapped[list[Any]] = mapped_column(JSON)


class JournalRow(Base):
    """Status of one action of one plan: ``pending``, ``done`` or ``failed``."""

    __tablename__ = "journal"
    checksum: Mapped[str] = mapped_column(String(64), primary_key=True)
    action_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class RunRow(Base):
    """One apply of a plan: who, when, files, counts, result and the report to keep."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uaj: Mapped[str] = mapped_column(String(16), index=True)
    plan_id: Mapped[int] = mapped_column(Integer, ForeignKey("plans.id"))
    user: Mapped[str] = mapped_column(String(100))
    started: Mapped[datetime] = mapped_column(DateTime)
    finished: Mapped[datetime | None] = mapped_column(DateTime)
    files: Mapped[list[Any]] = mapped_column(JSON, default=list)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[str] = mapped_column(String(20), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The later run of the same plan that finished it; its report is the complete one.
    resumed_by: Mapped[int | None] = mapped_column(Integer)
    #: What the retention purge removed from the report: ``passwords``, then ``personal``.
    redacted: Mapped[str | None] = mapped_column(String(20))


class LockRow(Base):
    """The per-school import lock: who holds it since when, from which process, and the
    last sign of life of that process (``heartbeat``, refreshed while the import runs)."""

    __tablename__ = "locks"
    uaj: Mapped[str] = mapped_column(String(16), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    token: Mapped[str] = mapped_column(String(40))
    since: Mapped[datetime] = mapped_column(DateTime)
    heartbeat: Mapped[datetime | None] = mapped_column(DateTime)
    process: Mapped[str | None] = mapped_column(String(200))


class SecretRow(Base):
    """A secret the ledger generated once and keeps (guardians' password derivation)."""

    __tablename__ = "secrets"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class JobRow(Base):
    """An import job: queued, applying, then done or failed; the progress page reads it."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    uaj: Mapped[str] = mapped_column(String(16), index=True)
    plan_id: Mapped[int] = mapped_column(Integer)
    user: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(10))
    phase: Mapped[str] = mapped_column(String(20))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    run_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    warning: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime)
    updated: Mapped[datetime] = mapped_column(DateTime)


class HostBindingRow(Base):
    """Which host a school's ids in the ledger belong to (see ``store/hosts.py``)."""

    __tablename__ = "host_bindings"
    uaj: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(300))
    site: Mapped[str] = mapped_column(String(120))
    since: Mapped[datetime] = mapped_column(DateTime)
