"""Logins stay unique across schools while a preview reads only the logins it may meet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import text

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.credentials import login_stems
from cpro_siecle_plugin.sync.plan import CreateUser
from tests.doubles.memory_host import MemoryHost

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
STS = SAMPLES / "sts_emp_0691234X_2025.xml"
A, B = "0691234X", "0759999Z"
TODAY = date(2025, 9, 15)


def _service(ledger: Ledger) -> SiecleService:
    """A service on ``ledger`` and a host that knows no account (only the ledger can tell
    which logins other schools hold)."""
    return SiecleService(Settings(secret="s", host="memory"), ledger, MemoryHost(), today=TODAY)


def test_another_schools_logins_are_never_given_again(ledger: Ledger, tmp_path: Path) -> None:
    """School B's staff, homonyms of school A's, get other logins than A's."""
    service = _service(ledger)
    preview = service.preview([InputFile(STS, STS.name)], "admin")
    assert service.apply(preview.plan_id, preview.checksum, "admin").ok
    a_logins = {p.username for p in ledger.people(A)}
    other = tmp_path / f"sts_emp_{B}_2025.xml"
    other.write_bytes(STS.read_bytes().replace(A.encode(), B.encode()))
    plan = _service(ledger).plan([InputFile(other, other.name)], confirm={"new_school"})
    b_logins = {a.username for a in plan.actions if isinstance(a, CreateUser)}
    assert len(b_logins) == len(a_logins) and not a_logins & b_logins
    assert ledger.load_state(B, every_login=False).taken_usernames == frozenset()
    assert ledger.taken_logins(login_stems("Jean", "Martin")) <= a_logins


def test_taken_logins_use_the_login_stem_index(ledger: Ledger) -> None:
    """The stem query is an index lookup on SQLite and PostgreSQL, not a scan of people."""
    query = ("SELECT username FROM people "
             "WHERE rtrim(username, '0123456789') IN ('jean.martin', 'anne.roy')")
    with ledger.engine.connect() as conn:
        if ledger.engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
        else:  # an empty table is scanned whatever its indexes: forbid that to see the index
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {query}")))
    assert "ix_people_login_stem" in plan, plan
