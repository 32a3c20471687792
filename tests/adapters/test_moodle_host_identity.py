"""Host identity on the fake Moodle: the ledger binds a school to its site, refuses another,
and ``rematch`` moves it on purpose (the same on the real site: tests/lab)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.errors import PlanError
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
FILES = [SAMPLES / "sts_emp_0691234X_2025.xml", SAMPLES / "ElevesSansAdresses.xml",
         SAMPLES / "ResponsablesAvecAdresses.xml"]


def _run(service: SiecleService) -> object:
    preview = service.preview([InputFile(p, p.name) for p in FILES], "test")
    return service.apply(preview.plan_id, preview.checksum, "test")


@pytest.fixture
def service(moodle) -> SiecleService:
    settings = Settings(host="moodle", secret="s", moodle_parent_role="9", batch_size=20)
    return SiecleService(settings, Ledger("sqlite://"), moodle.host, today=date(2025, 9, 15))


def test_first_import_binds_the_school_to_the_site(moodle, service):
    """The site's identity (hash of its key, never the key) is recorded with its URL."""
    assert _run(service).ok
    bound = service.ledger.host_binding("0691234X")
    assert bound is not None and bound.kind == "moodle"
    assert bound.url == moodle.fake.siteurl and moodle.fake.site_key not in bound.site


def test_another_site_is_refused_before_any_write_then_rematch_moves_the_school(moodle,
                                                                               service):
    """The same URL, another site (reinstalled): refused with no write, in French, naming
    « rematch »; rematch re-matches by idnumber and the next import completes."""
    assert _run(service).ok
    moodle.fake.__init__("s3cr3t-t0ken")  # a fresh site: no account, another key
    moodle.host.site = None
    writes = moodle.writes
    with pytest.raises(PlanError, match="autre plateforme.*cpro-siecle rematch 0691234X"):
        _run(service)
    assert moodle.writes == writes
    counts = service.rematch("0691234X")
    assert counts["people_found"] == 0 and counts["people_missing"] > 0
    assert _run(service).ok
    people = service.ledger.people("0691234X")
    live = {u["id"] for u in moodle.fake.users.values() if u["idnumber"].startswith("cpro:")}
    assert {p.host_id for p in people} == live and len(live) == counts["people_missing"]


def test_hand_made_account_email_in_another_case_gets_a_placeholder(moodle):
    """Moodle's e-mail look-up is exact but its uniqueness ignores case: the refused
    account is created with the placeholder, and the notice says so."""
    from cpro_siecle_plugin.adapters.base import NewUser

    moodle.fake.users[50] = {"id": 50, "username": "voisin", "idnumber": "",
                             "firstname": "P", "lastname": "V", "suspended": 0,
                             "email": "FAMILLE@Example.org", "preferences": {}, "password": "x"}
    result = moodle.host.create_users([NewUser("k1", "anne.moreau", "12052008", "Anne",
                                               "Moreau", "famille@example.org")])
    assert list(result.ok) == ["k1"] and not result.failed
    assert moodle.fake.users[result.ok["k1"]]["email"] == "anne.moreau@noemail.invalid"
    assert any("famille@example.org" in n and "fictive" in n for n in moodle.host.notices)
