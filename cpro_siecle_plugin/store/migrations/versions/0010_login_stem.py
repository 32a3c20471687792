"""Login stems: an index on ``people``'s logins without their trailing digits.

Previews read only the platform's logins sharing a stem with the logins they may give
(``store/people.py``), not every login of the platform.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_people_login_stem", "people",
                    [sa.text("rtrim(username, '0123456789')")])


def downgrade() -> None:
    op.drop_index("ix_people_login_stem", table_name="people")
