"""The Alembic migrations create exactly the tables the models declare."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.tables import Base


# SQLite cannot reflect the login stems' expression index (PostgreSQL compares it); a
# test of store/test_store_login_stems.py checks SQLite's plan uses it.
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index ix_people_login_stem")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrations_match_the_models(ledger: Ledger) -> None:
    """Autogenerate finds no difference between the migrated schema and the models."""
    with ledger.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrations_create_every_declared_table(ledger: Ledger) -> None:
    """Every model table exists, plus Alembic's version table and nothing else."""
    names = set(inspect(ledger.engine).get_table_names())
    assert names == set(Base.metadata.tables) | {"alembic_version"}

