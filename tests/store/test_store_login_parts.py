"""A large school's login list read part by part: every account in exactly one part."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.login_parts import LoginsPart
from tests.doubles.memory_host import MemoryHost

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
UAJ = "0691234X"


def test_parts_hold_every_account_once_with_the_guardians_children(ledger: Ledger) -> None:
    """Staff, each class, the students without a class and the guardians' pages (by name)
    together list the school's accounts once each; counts match; a guardian's page is the
    one listing them; guardians' children come with their cohorts."""
    service = SiecleService(Settings(secret="s", host="memory"), ledger, MemoryHost(),
                            today=date(2025, 9, 15))
    for names in (["sts_emp_0691234X_2025.xml"],
                  ["ElevesSansAdresses.xml", "ResponsablesAvecAdresses.xml"]):
        preview = service.preview([InputFile(SAMPLES / n, n) for n in names], "admin")
        assert service.apply(preview.plan_id, preview.checksum, "admin").ok
    people = {p.key: p for p in ledger.people(UAJ)}
    parts = ledger.login_parts(UAJ)
    assert parts.classes and parts.staff == sum(
        p.population not in ("student", "guardian") for p in people.values())
    assert parts.guardians == sum(p.population == "guardian" for p in people.values())
    listed: list[str] = [p.key for p in ledger.logins_part(UAJ, LoginsPart("staff")).people]
    for code in [*parts.classes, ""]:
        found = ledger.logins_part(UAJ, LoginsPart("class", code)).people
        assert (len(found) == parts.classes[code]) if code else (
            len(found) == parts.without_class)
        listed += [p.key for p in found]
    page, per_page = 1, 4
    while found := [p for p in ledger.logins_part(UAJ, LoginsPart(
            "guardians", page=page, per_page=per_page)).people if p.population == "guardian"]:
        assert all(ledger.guardian_page(UAJ, p.key, per_page) == page for p in found)
        listed += [p.key for p in found]
        page += 1
    assert sorted(listed) == sorted(people)
    first = ledger.logins_part(UAJ, LoginsPart("guardians", per_page=per_page))
    guardian, kids = next(iter(first.children.items()))
    records = {p.key: p for p in first.people}
    assert kids and all(records[k].cohorts == people[k].cohorts for k in kids)
    assert guardian in records
