"""Accounts taken over on the host (ledger lost, made by hand): reported with the login they
have there and without a password they never had, in every rendering of the report."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from sync_factories import SETTINGS, TODAY, UAJ, skey, snapshot, student

from cpro_siecle_plugin.reports.handouts import TAKEN_OVER_LOGIN, Handout, slips_pdf
from cpro_siecle_plugin.reports.pdf import report_pdf
from cpro_siecle_plugin.reports.render import report_csv, report_text
from cpro_siecle_plugin.reports.report import TAKEN_OVER, Report, build_report
from cpro_siecle_plugin.runner.apply import ApplyOutcome, apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.store.report_data import report_from_data, report_to_data
from cpro_siecle_plugin.sync.planner import compute_plan
from tests.doubles.memory_host import MemoryHost

FILES = snapshot(students=[student("1", "Jean", "MARTIN"), student("2", "Jean", "MARTIN"),
                           student("3", "Zoé", "BLANC")])
#: The initial password of the three (their birth date); the newcomer's differs.
OLD_PASSWORD = "06102010"
NEWCOMER = student("4", "Léo", "MOREAU", born=date(2011, 2, 3))


def _apply(ledger: Ledger, host: MemoryHost, files: object) -> tuple[Report, ApplyOutcome]:
    plan = compute_plan(files, ledger.load_state(UAJ), TODAY, SETTINGS)  # type: ignore[arg-type]
    outcome = apply_plan(plan, host, ledger.journal(ledger.save_plan(plan, "t")), batch_size=2)
    assert outcome.ok, outcome.failed
    return build_report(plan, outcome), outcome


def _ledger_lost_after_logins_swapped_by_hand() -> tuple[Ledger, MemoryHost, Report]:
    """First import, then the platform's admin swaps the homonyms' logins, then the ledger
    is lost: the same files plus a newcomer are imported again into an empty ledger."""
    host = MemoryHost(batch_size=2)
    first = Ledger("sqlite://")
    _apply(first, host, FILES)
    first.close()
    users = {u.username: u for u in host.users.values()}
    users["jean.martin"].username, users["jean.martin2"].username = "jean.martin2", "jean.martin"
    ledger = Ledger("sqlite://")
    files = snapshot(students=[*FILES.eleves.students, NEWCOMER])  # type: ignore[union-attr]
    report, _ = _apply(ledger, host, files)
    return ledger, host, report


def test_accounts_adopted_on_the_host_keep_their_login_and_show_no_password() -> None:
    """Each adopted account is « compte existant repris » with its login on the host; the
    newcomer keeps a normal initial password; the ledger agrees with the host."""
    ledger, host, report = _ledger_lost_after_logins_swapped_by_hand()
    lines = {a.key: a for a in report.accounts}
    on_host = {u.idnumber: u.username for u in host.users.values()}
    for key in (skey("1"), skey("2"), skey("3")):
        line = lines[key]
        assert line.taken_over and line.password == "" and line.password_shown == TAKEN_OVER
        assert line.username == on_host[f"cpro:{key}"] == ledger.person(key).username  # type: ignore[union-attr]
    assert lines[skey("1")].username == "jean.martin2"
    newcomer = lines[skey("4")]
    assert not newcomer.taken_over and newcomer.password == "03022011"
    assert len(on_host) == len(host.users) == 4  # nobody duplicated
    assert compute_plan(snapshot(students=[*FILES.eleves.students, NEWCOMER]),  # type: ignore[union-attr]
                        ledger.load_state(UAJ), TODAY, SETTINGS).is_empty
    ledger.close()


def test_no_rendering_prints_a_password_an_adopted_account_never_had() -> None:
    """Text, CSV, PDF report and login slips: « compte existant repris », never the planned
    password; the slips tell the pupil to use their own password or ask for a reset. The
    stored report keeps the flag."""
    ledger, _, report = _ledger_lost_after_logins_swapped_by_hand()
    ledger.close()
    stored = report_from_data(report_to_data(report))
    assert stored == report
    text, csv = report_text(stored), report_csv(stored)
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(stored))).pages)
    for rendered in (text, csv, pdf):
        assert OLD_PASSWORD not in rendered and "03022011" in rendered
        assert "compte existant repris" in rendered
    slips = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(slips_pdf(
        stored, Handout("Lycée Jean Moulin", "https://moodle.example.fr", 2025)))).pages)
    assert OLD_PASSWORD not in slips and "votre mot de passe actuel" in slips
    assert "réinitialisation" in slips.replace("\n", " ") and "03022011" in slips
    assert "réinitialisation" in TAKEN_OVER_LOGIN
