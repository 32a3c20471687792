"""Personal data has an end: previews, interrupted imports, passwords and reports are purged
after their delays, and a person deleted for good (GDPR) leaves no name, login or birth date
in the ledger."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.journal import now
from cpro_siecle_plugin.store.report_data import report_from_data
from cpro_siecle_plugin.store.retention import Retention
from cpro_siecle_plugin.store.tables import JournalRow, PlanRow
from cpro_siecle_plugin.sync.plan import CreateUser
from tests.doubles.memory_host import MemoryHost

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
STS = SAMPLES / "sts_emp_0691234X_2025.xml"
ELEVES = SAMPLES / "ElevesSansAdresses.xml"
RESP = SAMPLES / "ResponsablesAvecAdresses.xml"
POLICY = Retention()


def files(*paths: Path) -> list[InputFile]:
    return [InputFile(p, p.name) for p in paths]


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    led = Ledger("sqlite://")
    yield led
    led.close()


def service(ledger: Ledger, host: MemoryHost, day: date = date(2025, 9, 15)) -> SiecleService:
    return SiecleService(Settings(secret="s", host="memory"), ledger, host, today=day)


def dump(ledger: Ledger) -> str:
    """Every stored value of every table, as one text."""
    with ledger.engine.connect() as c:
        names = [r[0] for r in c.execute(text("SELECT name FROM sqlite_master "
                                              "WHERE type='table'"))]
        return "\n".join(str(row) for n in names for row in c.execute(text(f"SELECT * FROM {n}")))


def test_preview_never_applied_is_deleted_after_its_delay(ledger: Ledger) -> None:
    svc = service(ledger, MemoryHost())
    kept = svc.preview(files(STS), "admin")
    assert svc.apply(kept.plan_id, kept.checksum, "admin").ok
    left = svc.preview(files(STS, ELEVES, RESP), "admin")
    assert ledger.purge(POLICY, now() + timedelta(hours=23))["previews"] == 0
    assert ledger.purge(POLICY, now() + timedelta(hours=25))["previews"] == 1
    assert ledger.count(PlanRow) == 1 and ledger.plan_record(kept.plan_id).status == "applied"
    with pytest.raises(Exception, match="introuvable"):
        ledger.plan_record(left.plan_id)


def test_applied_plan_keeps_no_personal_data(ledger: Ledger) -> None:
    svc = service(ledger, MemoryHost())
    preview = svc.preview(files(STS, ELEVES, RESP), "admin")
    creates = preview.plan.of_kind(CreateUser)
    assert svc.apply(preview.plan_id, preview.checksum, "admin").ok
    record = ledger.plan_record(preview.plan_id)
    stored = str(record.data) + str(record.extra)
    assert not [a for a in creates if a.username in stored or a.password in stored]
    assert "birth_dates" not in record.extra and record.data["counts"]


def test_interrupted_import_is_closed_after_its_delay_with_its_report(ledger: Ledger) -> None:
    """Not continued within the delay: its report (accounts and passwords) goes to its run,
    its plan and journal keep nothing personal."""
    host = MemoryHost(fail_after=3)
    svc = service(ledger, host)
    preview = svc.preview(files(STS, ELEVES, RESP), "admin")
    first = svc.apply(preview.plan_id, preview.checksum, "admin")
    assert not first.complete and first.run_id is not None
    created = {(u.username) for u in host.users.values()}
    assert ledger.purge(POLICY, now() + timedelta(days=6))["interrupted"] == 0
    assert ledger.purge(POLICY, now() + timedelta(days=8))["interrupted"] == 1
    record = ledger.plan_record(preview.plan_id)
    assert record.status == "abandoned" and record.data["actions"] == []
    assert ledger.count(JournalRow) == 0
    report = svc.report(first.run_id)
    assert {a.username for a in report.accounts} == created and created
    wanted = {a.username: a.password for a in preview.plan.of_kind(CreateUser)}
    assert all(a.password == wanted[a.username] for a in report.accounts)


def test_passwords_then_names_leave_the_reports(ledger: Ledger) -> None:
    svc = service(ledger, MemoryHost())
    preview = svc.preview(files(STS, ELEVES, RESP), "admin")
    outcome = svc.apply(preview.plan_id, preview.checksum, "admin")
    assert outcome.run_id is not None
    a = svc.report(outcome.run_id).accounts[0]
    assert ledger.purge(POLICY, now() + timedelta(days=29))["passwords"] == 0
    assert ledger.purge(POLICY, now() + timedelta(days=31))["passwords"] == 1
    after = svc.report(outcome.run_id)
    assert {x.password for x in after.accounts} == {""} and after.accounts[0].username
    assert ledger.purge(POLICY, now() + timedelta(days=40))["passwords"] == 0  # done once
    assert ledger.purge(POLICY, now() + timedelta(days=366))["reports"] == 1
    bare = svc.report(outcome.run_id)
    assert {x.username for x in bare.accounts} == {""} and len(bare.accounts) > 50
    assert a.lastname not in str(ledger.run(outcome.run_id).report)
    assert ledger.run(outcome.run_id).counts["create_user"] == len(bare.accounts)


def _without(tmp_path: Path, eleve_id: str) -> Path:
    """The Eleves file less one student."""
    data = ELEVES.read_bytes().decode("iso-8859-15")
    for tag in ("ELEVE", "STRUCTURES_ELEVE"):
        data = re.sub(rf'<{tag} ELEVE_ID="{eleve_id}".*?</{tag}>\n', "", data, flags=re.S)
    path = tmp_path / "ElevesSansAdresses.xml"
    path.write_bytes(data.encode("iso-8859-15"))
    return path


def test_person_deleted_for_good_leaves_no_name_login_or_birth_date(
    ledger: Ledger, tmp_path: Path
) -> None:
    host = MemoryHost()
    start = service(ledger, host)
    start.apply(*_previewed(start, files(STS, ELEVES)))
    students = [p for p in ledger.people() if p.population == "student"]
    names = [(p.lastname, p.firstname) for p in students]
    key = next(p.key for p in students if names.count((p.lastname, p.firstname)) == 1
               and not any(c.isdigit() for c in p.username))
    fewer = _without(tmp_path, key.rsplit(":", 1)[1])
    person = ledger.person(key)
    assert person is not None and person.birth_date is not None
    login, born = person.username, person.birth_date
    shown = f"{person.lastname} {person.firstname}"
    later = service(ledger, host, date(2025, 10, 1))
    later.apply(*_previewed(later, files(STS, fewer)))
    left = service(ledger, host, date(2026, 11, 15))  # past the 12 months of retention
    preview = left.preview(files(STS, fewer), "admin")
    assert preview.plan.counts().get("delete_user") == 1
    outcome = left.apply(preview.plan_id, preview.checksum, "admin", force=True)
    assert outcome.ok and ledger.person(key) is None
    stored = dump(ledger)
    assert shown not in stored and login not in stored  # siblings may share the last name
    assert born.isoformat() not in stored and born.strftime("%d%m%Y") not in stored
    assert outcome.run_id is not None
    deleted = left.report(outcome.run_id).of_change("deleted")
    assert [(c.key, c.name) for c in deleted] == [(key, "(personne supprimée)")]
    first_report = ledger.run(ledger.history()[-1].id).report
    assert report_from_data(first_report or {}).accounts  # first report kept


def _previewed(svc: SiecleService, inputs: list[InputFile]) -> tuple[int, str, str]:
    preview = svc.preview(inputs, "admin")
    return preview.plan_id, preview.checksum, "admin"


def test_an_interrupted_import_whose_lock_may_be_alive_waits_for_the_stale_setting(
    ledger: Ledger,
) -> None:
    """An old unfinished plan is closed only once its school's lock is silent for longer than
    ``CPRO_SIECLE_LOCK_STALE_SECONDS`` (the import may still be running), not the default."""
    from sqlalchemy import update

    from cpro_siecle_plugin.store.tables import LockRow

    svc = service(ledger, MemoryHost(fail_after=3))
    preview = svc.preview(files(STS, ELEVES, RESP), "admin")
    assert not svc.apply(preview.plan_id, preview.checksum, "admin").complete
    ledger.acquire_lock("0691234X", "alice")
    with ledger.sessions.begin() as s:  # silent for 150 s, held on another machine
        s.execute(update(LockRow).values(heartbeat=now() - timedelta(seconds=150),
                                         process="autre-serveur|0123456789abcdef|4242|99"))
    patient = Retention.of(Settings(secret="s", lock_stale_seconds=600))
    assert patient.lock_stale_after == timedelta(seconds=600)
    assert ledger.purge(patient, now() + timedelta(days=8))["interrupted"] == 0
    hasty = Retention.of(Settings(secret="s", lock_stale_seconds=120))
    assert ledger.purge(hasty, now() + timedelta(days=8))["interrupted"] == 1
