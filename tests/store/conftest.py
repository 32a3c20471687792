"""Fixtures of the store's tests: a fresh ledger, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cpro_siecle_plugin.store import Ledger


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """A fresh ledger migrated to head, on SQLite (in memory) then on PostgreSQL."""
    led = Ledger(ledger_url)
    yield led
    led.close()
