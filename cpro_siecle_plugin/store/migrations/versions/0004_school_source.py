"""Schools record the source of their files: SIECLE exports or their own tables.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=12), nullable=False,
                                      server_default="siecle"))


def downgrade() -> None:
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_column("source")
