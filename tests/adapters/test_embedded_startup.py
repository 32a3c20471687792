"""Web workers starting together on one database: the host's tables are created once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from cpro_siecle_plugin.adapters import embedded


def test_a_worker_that_loses_the_create_table_race_tries_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first ``CREATE TABLE`` fails as on PostgreSQL when another worker made the table
    at the same moment; the host starts anyway, on the tables found."""
    real = embedded._Base.metadata.create_all
    calls: list[int] = []

    def racing(engine: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            real(engine)  # the other worker's tables...
            raise IntegrityError("CREATE TABLE host_user", {}, Exception("pg_type_typname"))
        real(engine, **kwargs)

    monkeypatch.setattr(embedded._Base.metadata, "create_all", racing)
    host = embedded.EmbeddedHost(f"sqlite:///{tmp_path / 'host.sqlite3'}")
    assert len(calls) == 2 and host.find_users("username", ["nobody"]) == []
    host.close()
