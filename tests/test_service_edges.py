"""Planner edges through the service, applied on the in-process host with real files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.errors import ChecksumMismatchError
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from tests.doubles.memory_host import MemoryHost

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "siecle-samples"
STS = SAMPLES / "sts_emp_0691234X_2025.xml"
ELEVES = SAMPLES / "ElevesSansAdresses.xml"
TODAY = date(2025, 9, 15)


@pytest.fixture
def host() -> MemoryHost:
    return MemoryHost()


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    ledger = Ledger("sqlite://")
    yield ledger
    ledger.close()


def _service(ledger: Ledger, host: MemoryHost, today: date = TODAY) -> SiecleService:
    return SiecleService(Settings(secret="s", host="memory"), ledger, host, today=today)


def _apply(service: SiecleService, *paths: Path) -> None:
    preview = service.preview([InputFile(p, p.name) for p in paths], "admin")
    assert service.apply(preview.plan_id, preview.checksum, "admin").ok


def _rewritten(tmp_path: Path, source: Path, old: str, new: str, count: int = 1) -> Path:
    text = source.read_bytes().decode("iso-8859-15")
    path = tmp_path / source.name
    path.write_bytes(re.sub(old, new, text, count=count, flags=re.S).encode("iso-8859-15"))
    return path


def test_returner_after_retention_is_erased_and_recreated_in_one_import(
    tmp_path: Path, ledger: Ledger, host: MemoryHost
) -> None:
    """The old account is deleted on the host, then a fresh one made, in the same import."""
    _apply(_service(ledger, host), STS, ELEVES)
    without = _rewritten(tmp_path, ELEVES, r'<ELEVE ELEVE_ID="1001".*?</ELEVE>\n', "")
    _apply(_service(ledger, host, date(2025, 10, 1)), without)
    idnumber = "cpro:0691234X:eleve:1001"
    old = next(u for u in host.users.values() if u.idnumber == idnumber)
    _apply(_service(ledger, host, date(2026, 11, 2)), ELEVES)
    new = [u for u in host.users.values() if u.idnumber == idnumber]
    assert len(new) == 1 and new[0].id != old.id and not new[0].suspended
    assert new[0].username == old.username
    person = ledger.person("0691234X:eleve:1001")
    assert person is not None and person.active and person.host_id == new[0].id


def test_teacher_who_becomes_head_changes_function_and_leaves_teachers_cohorts(
    tmp_path: Path, ledger: Ledger, host: MemoryHost
) -> None:
    """ENS → DIR: same account, population « head », out of the teachers' cohorts."""
    _apply(_service(ledger, host), STS)
    key = "0691234X:sts:1132"
    before = ledger.person(key)
    assert before is not None and before.population == "teacher" and before.cohorts
    head = _rewritten(tmp_path, STS, "<FONCTION>ENS</FONCTION>", "<FONCTION>DIR</FONCTION>")
    _apply(_service(ledger, host), head)
    after = ledger.person(key)
    assert after is not None and after.population == "head" and after.active
    assert after.host_id == before.host_id and not after.cohorts


def test_teacher_now_documentalist_keeps_the_account_as_other_staff(
    tmp_path: Path, ledger: Ledger, host: MemoryHost
) -> None:
    """ENS → DOC without CREATE_OTHER_STAFF: a function change, not « absent des fichiers »."""
    _apply(_service(ledger, host), STS)
    doc = _rewritten(tmp_path, STS, "<FONCTION>ENS</FONCTION>", "<FONCTION>DOC</FONCTION>")
    service = _service(ledger, host)
    plan = service.plan([InputFile(doc, doc.name)])
    assert plan.counts().get("change_function") == 1 and "deactivate_user" not in plan.counts()
    _apply(service, doc)
    person = ledger.person("0691234X:sts:1132")
    assert person is not None and person.population == "staff" and not person.suspended


def test_preview_taken_while_an_import_runs_is_refused_after_it(
    ledger: Ledger, host: MemoryHost
) -> None:
    """A preview computed mid-run is refused afterwards in French, never an IntegrityError."""
    service = _service(ledger, host)
    both = [InputFile(STS, STS.name), InputFile(ELEVES, ELEVES.name)]
    first = service.preview(both, "admin")
    taken: list[object] = []

    def meanwhile(done: int, total: int) -> None:
        if not taken and 0 < done < total:
            taken.append(service.preview(both, "admin"))

    assert service.apply(first.plan_id, first.checksum, "admin", progress=meanwhile).ok
    mid_run = taken[0]
    with pytest.raises(ChecksumMismatchError, match="Relancez l'analyse et l'aperçu"):
        service.apply(mid_run.plan_id, mid_run.checksum, "admin")  # type: ignore[attr-defined]


RESPONSABLES = SAMPLES / "ResponsablesAvecAdresses.xml"


def test_responsables_alone_after_a_new_eleve_id_keeps_the_guardians(
    tmp_path: Path, ledger: Ledger, host: MemoryHost
) -> None:
    """SIECLE renumbers a pupil (ELEVE_ID 1001 → 9001, same INE): the Eleves import keeps the
    account and the ledger learns the new id; the Responsables file imported alone with it
    leaves both legal guardians active and linked."""
    _apply(_service(ledger, host), STS, ELEVES, RESPONSABLES)
    guardians = {g for g, s in ledger.load_state("0691234X").links
                 if s == "0691234X:eleve:1001"}
    assert len(guardians) == 2
    (tmp_path / "e").mkdir()
    (tmp_path / "r").mkdir()
    eleves = _rewritten(tmp_path / "e", ELEVES, 'ELEVE_ID="1001"', 'ELEVE_ID="9001"', count=0)
    service = _service(ledger, host)
    assert service.plan([InputFile(eleves, eleves.name)]).counts() == {"renumber_student": 1}
    _apply(service, eleves)
    resp = _rewritten(tmp_path / "r", RESPONSABLES, "<ELEVE_ID>1001</ELEVE_ID>",
                      "<ELEVE_ID>9001</ELEVE_ID>", count=0)
    plan = service.plan([InputFile(resp, resp.name)])
    assert plan.is_empty, plan.counts()
    state = ledger.load_state("0691234X")
    assert all(state.people[g].active for g in guardians)
    assert {g for g, s in state.links if s == "0691234X:eleve:1001"} == guardians
