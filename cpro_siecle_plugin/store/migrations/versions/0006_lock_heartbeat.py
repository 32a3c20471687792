"""Locks bound to a live import (holder's process, heartbeat); runs continued by another.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("locks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("process", sa.String(length=200), nullable=True))
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resumed_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("resumed_by")
    with op.batch_alter_table("locks", schema=None) as batch_op:
        batch_op.drop_column("process")
        batch_op.drop_column("heartbeat")
