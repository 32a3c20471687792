"""Stored plans' actions in parts (``plan_parts``), read one part at a time by apply.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_parts",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"],
                                name=op.f("fk_plan_parts_plan_id_plans")),
        sa.PrimaryKeyConstraint("plan_id", "seq", name=op.f("pk_plan_parts")),
    )


def downgrade() -> None:
    op.drop_table("plan_parts")
