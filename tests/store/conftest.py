"""Fixtures of the store's tests: an in-memory ledger."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cpro_siecle_plugin.store import Ledger


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    """A fresh in-memory ledger, migrated to head."""
    led = Ledger("sqlite://")
    yield led
    led.close()
