"""The initial ledger: people, cohorts, links, schools, plans, journal, runs, locks.

Revision ID: 0001
Revises:
Create Date: 2026-11-29 02:03:16.436036
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("uaj", sa.String(length=16), nullable=False),
        sa.Column("idnumber", sa.String(length=150), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_cohorts")),
        sa.UniqueConstraint("idnumber", name=op.f("uq_cohorts_idnumber")),
    )
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohorts_uaj"), ["uaj"], unique=False)

    op.create_table(
        "journal",
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("action_key", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("checksum", "action_key", name=op.f("pk_journal")),
    )
    op.create_table(
        "locks",
        sa.Column("uaj", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uaj", name=op.f("pk_locks")),
    )
    op.create_table(
        "people",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("uaj", sa.String(length=16), nullable=False),
        sa.Column("population", sa.String(length=20), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("idnumber", sa.String(length=150), nullable=False),
        sa.Column("firstname", sa.String(length=100), nullable=False),
        sa.Column("lastname", sa.String(length=100), nullable=False),
        sa.Column("national_id", sa.String(length=40), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("host_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("deactivated_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_people")),
        sa.UniqueConstraint("idnumber", name=op.f("uq_people_idnumber")),
        sa.UniqueConstraint("username", name=op.f("uq_people_username")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_uaj"), ["uaj"], unique=False)

    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uaj", sa.String(length=16), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("state_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_uaj"), ["uaj"], unique=False)

    op.create_table(
        "schools",
        sa.Column("uaj", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("last_year", sa.Integer(), nullable=True),
        sa.Column("has_sts_import", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("version_plan_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("uaj", name=op.f("pk_schools")),
    )
    op.create_table(
        "structures",
        sa.Column("uaj", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("uaj", "code", name=op.f("pk_structures")),
    )
    op.create_table(
        "guardian_links",
        sa.Column("guardian_key", sa.String(length=120), nullable=False),
        sa.Column("student_key", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["guardian_key"], ["people.key"], name=op.f("fk_guardian_links_guardian_key_people")
        ),
        sa.ForeignKeyConstraint(
            ["student_key"], ["people.key"], name=op.f("fk_guardian_links_student_key_people")
        ),
        sa.PrimaryKeyConstraint("guardian_key", "student_key", name=op.f("pk_guardian_links")),
    )
    with op.batch_alter_table("guardian_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guardian_links_student_key"), ["student_key"], unique=False
        )

    op.create_table(
        "memberships",
        sa.Column("cohort_key", sa.String(length=120), nullable=False),
        sa.Column("person_key", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_key"], ["cohorts.key"], name=op.f("fk_memberships_cohort_key_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["person_key"], ["people.key"], name=op.f("fk_memberships_person_key_people")
        ),
        sa.PrimaryKeyConstraint("cohort_key", "person_key", name=op.f("pk_memberships")),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_memberships_person_key"), ["person_key"], unique=False)

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uaj", sa.String(length=16), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=100), nullable=False),
        sa.Column("started", sa.DateTime(), nullable=False),
        sa.Column("finished", sa.DateTime(), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_runs_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_uaj"), ["uaj"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_uaj"))

    op.drop_table("runs")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_person_key"))

    op.drop_table("memberships")
    with op.batch_alter_table("guardian_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardian_links_student_key"))

    op.drop_table("guardian_links")
    op.drop_table("structures")
    op.drop_table("schools")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_uaj"))

    op.drop_table("plans")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_uaj"))

    op.drop_table("people")
    op.drop_table("locks")
    op.drop_table("journal")
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohorts_uaj"))

    op.drop_table("cohorts")
