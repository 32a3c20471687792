"""SiecleService end to end on the real sample exports, on the in-process host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cpro_siecle_plugin.adapters.base import NewUser, Preflight, PreflightCheck
from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.errors import (
    AnalysisError,
    ChecksumMismatchError,
    ImportLockedError,
    PlanError,
    SafetyBrakeError,
)
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.plan import CreateUser
from tests.doubles.memory_host import MemoryHost

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "siecle-samples"
STS = SAMPLES / "sts_emp_0691234X_2025.xml"
ELEVES = SAMPLES / "ElevesSansAdresses.xml"
RESP = SAMPLES / "ResponsablesAvecAdresses.xml"
TODAY = date(2025, 9, 15)


def files(*paths: Path) -> list[InputFile]:
    return [InputFile(p, p.name) for p in paths]


def eleves_without(tmp_path: Path, keep: int = 27, drop: tuple[str, ...] = ()) -> Path:
    """The sample Eleves file with its first ``keep`` students, less the ``drop`` ones."""
    text = ELEVES.read_bytes().decode("iso-8859-15")
    ids = re.findall(r'<ELEVE ELEVE_ID="(\d+)"', text)
    for gone in ids[keep:] + list(drop):
        text = re.sub(rf'<ELEVE ELEVE_ID="{gone}".*?</ELEVE>\n', "", text, flags=re.S)
        text = re.sub(rf'<STRUCTURES_ELEVE ELEVE_ID="{gone}".*?</STRUCTURES_ELEVE>\n', "",
                      text, flags=re.S)
    path = tmp_path / "ElevesSansAdresses.xml"
    path.write_bytes(text.encode("iso-8859-15"))
    return path


@pytest.fixture
def host() -> MemoryHost:
    return MemoryHost()


@pytest.fixture
def service(host: MemoryHost, ledger_url: str) -> Iterator[SiecleService]:
    ledger = Ledger(ledger_url)
    yield SiecleService(Settings(secret="s", host="memory"), ledger, host, today=TODAY)
    ledger.close()


def imported(service: SiecleService, *paths: Path, force: bool = False) -> int:
    """Preview and apply ``paths``; returns the run id."""
    preview = service.preview(files(*paths), "admin")
    outcome = service.apply(preview.plan_id, preview.checksum, "admin", force=force)
    assert outcome.ok, outcome.failed
    assert outcome.run_id is not None
    return outcome.run_id


def test_first_import_sts_then_students_creates_everyone(
    service: SiecleService, host: MemoryHost
) -> None:
    """STS creates staff and cohorts; Eleves and Responsables then create students, guardians."""
    imported(service, STS)
    staff = len(host.users)
    assert staff == 6 and host.cohorts
    imported(service, ELEVES, RESP)
    state = service.ledger.load_state("0691234X")
    populations = {p.population.value for p in state.people.values()}
    assert populations == {"teacher", "head", "student", "guardian"}
    assert len(host.users) == len(state.people) and host.guardian_links


def test_students_first_without_sts_is_refused(service: SiecleService) -> None:
    """A school never imported needs its STS file first."""
    with pytest.raises(AnalysisError, match="STS"):
        service.preview(files(ELEVES), "admin")


def test_reimport_without_change_is_empty_and_writes_nothing(
    service: SiecleService, host: MemoryHost
) -> None:
    """Importing the same three files again plans nothing and makes no host write."""
    imported(service, STS, ELEVES, RESP)
    writes = host.write_calls
    preview = service.preview(files(STS, ELEVES, RESP), "admin")
    assert preview.plan.is_empty
    service.apply(preview.plan_id, preview.checksum, "admin")
    assert host.write_calls == writes


def test_leaver_is_deactivated_and_removed_from_cohorts(
    service: SiecleService, tmp_path: Path
) -> None:
    """A student missing from a later Eleves file leaves their cohorts and is deactivated."""
    imported(service, STS, ELEVES, RESP)
    before = service.ledger.load_state("0691234X")
    imported(service, eleves_without(tmp_path, keep=26))
    after = service.ledger.load_state("0691234X")
    left = [k for k, p in after.people.items() if before.people[k].active and not p.active]
    assert len(left) == 1 and after.people[left[0]].cohorts == frozenset()
    assert after.people[left[0]].deactivated_on == TODAY


def test_wrong_checksum_is_refused(service: SiecleService) -> None:
    """Apply refuses a checksum other than the previewed plan's."""
    preview = service.preview(files(STS), "admin")
    with pytest.raises(ChecksumMismatchError):
        service.apply(preview.plan_id, "f" * 64, "admin")


def test_plan_previewed_before_another_import_is_refused(service: SiecleService) -> None:
    """A preview made stale by another import cannot be applied."""
    stale = service.preview(files(STS), "admin")
    imported(service, STS)
    with pytest.raises(ChecksumMismatchError, match="Relancez"):
        service.apply(stale.plan_id, stale.checksum, "admin")


def test_plan_already_applied_is_refused(service: SiecleService) -> None:
    """Applying the same preview twice is refused."""
    preview = service.preview(files(STS), "admin")
    service.apply(preview.plan_id, preview.checksum, "admin")
    with pytest.raises(PlanError, match="déjà été appliqué"):
        service.apply(preview.plan_id, preview.checksum, "admin")


def test_concurrent_import_of_the_school_is_refused(service: SiecleService) -> None:
    """While an import holds the school's lock, another apply is refused."""
    preview = service.preview(files(STS), "admin")
    with service.ledger.lock("0691234X", "alice"):
        with pytest.raises(ImportLockedError, match="alice"):
            service.apply(preview.plan_id, preview.checksum, "bob")


def test_truncated_file_is_braked_unless_forced(service: SiecleService, tmp_path: Path) -> None:
    """A file losing most students is refused without force, applied with it."""
    imported(service, STS, ELEVES, RESP)
    preview = service.preview(files(eleves_without(tmp_path, keep=4)), "admin")
    assert preview.brake["triggered"]
    with pytest.raises(SafetyBrakeError):
        service.apply(preview.plan_id, preview.checksum, "admin")
    outcome = service.apply(preview.plan_id, preview.checksum, "admin", force=True)
    assert outcome.ok and outcome.run_id is not None
    assert service.report(outcome.run_id).brake.startswith(
        "Importation forcée par admin malgré le frein de sécurité")


def test_login_taken_on_the_host_by_another_account_is_avoided(
    service: SiecleService, host: MemoryHost
) -> None:
    """A planned login already used on the host by someone else is replanned."""
    first = service.preview(files(STS), "admin")
    wanted = next(a for a in first.plan.actions if isinstance(a, CreateUser))
    host.create_users([NewUser("autre", wanted.username, "x", "X", "Y")])
    again = service.preview(files(STS), "admin")
    mine = next(a for a in again.plan.actions
                if isinstance(a, CreateUser) and a.person_key == wanted.person_key)
    assert mine.username != wanted.username
    assert service.apply(again.plan_id, again.checksum, "admin").ok


def test_blocking_preflight_refuses_apply(service: SiecleService, host: MemoryHost) -> None:
    """A host that is not ready refuses the import with its French reason."""
    preview = service.preview(files(STS), "admin")
    host.check = lambda **_: Preflight("memory", (  # type: ignore[method-assign]
        PreflightCheck("droits", False, "Le jeton n'a pas le droit de créer des comptes."),))
    with pytest.raises(PlanError, match="droit de créer"):
        service.apply(preview.plan_id, preview.checksum, "admin")


def test_host_outage_is_recorded_and_the_same_plan_resumes(
    service: SiecleService, host: MemoryHost
) -> None:
    """An interrupted run is in the history as failed; applying again finishes it."""
    preview = service.preview(files(STS, ELEVES, RESP), "admin")
    host.fail_after = 3
    broken = service.apply(preview.plan_id, preview.checksum, "admin")
    assert not broken.complete
    assert service.run(broken.run_id).result == "failed"  # type: ignore[arg-type]
    host.fail_after = None
    outcome = service.apply(preview.plan_id, preview.checksum, "admin")
    assert outcome.ok
    usernames = [u.username for u in host.users.values()]
    assert len(usernames) == len(set(usernames)) == len(preview.plan.of_kind(CreateUser))


def test_history_and_report_keep_the_initial_passwords(service: SiecleService) -> None:
    """The run's report lists the accounts created with their initial passwords."""
    run_id = imported(service, STS)
    report = service.report(run_id)
    assert [r.id for r in service.history()] == [run_id]
    assert report.teachers and all(a.password for a in report.teachers)
    assert service.run(run_id).counts["create_user"] == 6


def test_logins_list_staff_and_students_by_class(service: SiecleService) -> None:
    """Staff are listed apart, students under their division."""
    imported(service, STS, ELEVES, RESP)
    logins = service.logins("0691234X")
    assert len(logins["staff"]) == 6
    assert set(logins["students"]) == {"2NDE1", "1ERE1", "TLE1"}  # groups are not classes
    students = [p for p in service.ledger.people("0691234X") if p.population == "student"]
    assert sum(len(v) for v in logins["students"].values()) == len(students)
    assert service.logins() == logins


def test_reset_password_sets_the_birth_date_password_again(
    service: SiecleService, host: MemoryHost
) -> None:
    """A student's password goes back to jjmmaaaa of their birth date, change forced."""
    imported(service, STS, ELEVES, RESP)
    person = next(p for p in service.ledger.people("0691234X") if p.population == "student"
                  and p.birth_date is not None)
    host.users[person.host_id].force_change = False  # type: ignore[index]
    password = service.reset_password(person.key)
    assert password == person.birth_date.strftime("%d%m%Y")  # type: ignore[union-attr]
    assert host.users[person.host_id].password == password  # type: ignore[index]
    assert host.users[person.host_id].force_change  # type: ignore[index]


def test_reset_password_of_a_guardian_is_new_and_random_each_time(
    service: SiecleService, host: MemoryHost
) -> None:
    """A guardian's reset gives a new random password (not the derived initial one), each
    time another, change forced."""
    imported(service, STS, ELEVES, RESP)
    guardian = next(p for p in service.ledger.people("0691234X") if p.population == "guardian")
    initial = host.users[guardian.host_id].password  # type: ignore[index]
    host.users[guardian.host_id].force_change = False  # type: ignore[index]
    first, second = service.reset_password(guardian.key), service.reset_password(guardian.key)
    assert len({initial, first, second}) == 3
    assert host.users[guardian.host_id].password == second  # type: ignore[index]
    assert host.users[guardian.host_id].force_change  # type: ignore[index]


def test_logins_name_each_guardians_children_with_their_class(service: SiecleService) -> None:
    """« Identifiants » data: every guardian line carries their students' lines and classes."""
    imported(service, STS, ELEVES, RESP)
    guardians = service.logins("0691234X")["guardians"]
    assert guardians and all(g["children"] for g in guardians if g["active"])
    child = guardians[0]["children"][0]
    assert child["population"] == "student" and child["division"] in {"2NDE1", "1ERE1", "TLE1"}
    assert service.login_line(guardians[0]["key"]) == guardians[0]


def later(service: SiecleService, day: date) -> SiecleService:
    """The same ledger and host, on another day."""
    return SiecleService(service.settings, service.ledger, service.host, today=day)


def test_returner_within_a_year_is_reactivated_with_the_same_login(
    service: SiecleService, tmp_path: Path
) -> None:
    """A student back in the files months later gets the same account back."""
    imported(service, STS, ELEVES, RESP)
    imported(service, eleves_without(tmp_path, drop=("1005",)))
    gone = next(p for p in service.ledger.people("0691234X") if not p.active)
    imported(later(service, date(2026, 3, 1)), ELEVES)
    back = service.ledger.person(gone.key)
    assert back is not None and back.active and back.username == gone.username
    assert back.cohorts and back.host_id == gone.host_id


def test_leaver_is_deleted_after_the_retention_period(
    service: SiecleService, host: MemoryHost, tmp_path: Path
) -> None:
    """Thirteen months after leaving, the account is deleted from host and ledger."""
    imported(service, STS, ELEVES, RESP)
    imported(service, eleves_without(tmp_path, keep=26))
    gone = next(p for p in service.ledger.people("0691234X") if not p.active)
    imported(later(service, date(2026, 10, 20)), eleves_without(tmp_path, keep=26))
    assert service.ledger.person(gone.key) is None
    assert gone.username not in host.users_by_username()


def test_importing_sts_alone_never_touches_students(service: SiecleService) -> None:
    """A later STS-only import plans nothing for students or guardians."""
    imported(service, STS, ELEVES, RESP)
    preview = service.preview(files(STS), "admin")
    assert preview.plan.is_empty


def _next_year(path: Path, tmp_path: Path) -> Path:
    """``path`` rewritten as an export of school year 2026."""
    text = path.read_bytes().decode("iso-8859-15")
    text = text.replace('ANNEE="2025"', 'ANNEE="2026"')
    text = text.replace("<ANNEE_SCOLAIRE>2025<", "<ANNEE_SCOLAIRE>2026<")
    out = tmp_path / "2026" / path.name
    out.parent.mkdir(exist_ok=True)
    out.write_bytes(text.encode("iso-8859-15"))
    return out


def test_graduates_at_year_change_pass_even_when_sts_came_first(
    service: SiecleService, tmp_path: Path
) -> None:
    """A third of students leaving brakes within a year, not at a year change after STS."""
    imported(service, STS, ELEVES, RESP)
    fewer = eleves_without(tmp_path, keep=18)  # 9 of the 25 active students gone: 36 %
    assert service.preview(files(fewer), "admin").brake["triggered"]
    imported(service, _next_year(STS, tmp_path))
    preview = service.preview(files(_next_year(fewer, tmp_path)), "admin")
    assert preview.brake["year_change"] and not preview.brake["triggered"]


def test_without_a_configured_secret_the_ledger_keeps_one(tmp_path: Path) -> None:
    """Guardians' passwords never derive from an empty secret, and stay stable across runs."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    first = Ledger(url)
    secret = SiecleService(Settings(host="memory"), first, MemoryHost()).settings.secret
    first.close()
    again = Ledger(url)
    assert len(secret) == 64
    assert SiecleService(Settings(host="memory"), again, MemoryHost()).settings.secret == secret
    assert SiecleService(Settings(secret="mine"), again, MemoryHost()).settings.secret == "mine"
    again.close()


@pytest.mark.parametrize("k", [0, 1, 2, 4, 5])
@pytest.mark.parametrize("lost_reply", [False, True], ids=["refused", "timeout-after-write"])
def test_interrupted_import_run_again_from_the_files_finishes_without_duplicates(
    service: SiecleService, host: MemoryHost, k: int, lost_reply: bool
) -> None:
    """What the CLI does after an outage: the same files previewed again continue the same
    plan; the host ends with every account exactly once, and the last run's report — the
    one every run of the import leads to — lists every account with its password."""
    preview = service.preview(files(STS, ELEVES, RESP), "admin")
    wanted = {a.idnumber for a in preview.plan.of_kind(CreateUser)}
    host.fail_after, host.apply_failed_writes = k, lost_reply
    first = service.apply(preview.plan_id, preview.checksum, "admin")
    assert not first.complete
    host.fail_after = None
    again = service.preview(files(STS, ELEVES, RESP), "admin")
    assert again.resumed and again.plan_id == preview.plan_id
    outcome = service.apply(again.plan_id, again.checksum, "admin")
    assert outcome.ok
    accounts = {(a.username, a.password) for a in preview.plan.of_kind(CreateUser)}
    for run_id in (first.run_id, outcome.run_id):
        assert run_id is not None
        assert {(a.username, a.password) for a in service.report(run_id).accounts} == accounts
    assert service.run(first.run_id).resumed_by == outcome.run_id  # type: ignore[arg-type]
    idnumbers = [u.idnumber for u in host.users.values()]
    assert sorted(idnumbers) == sorted(wanted)
    usernames = [u.username for u in host.users.values()]
    assert len(usernames) == len(set(usernames))
    assert service.preview(files(STS, ELEVES, RESP), "admin").plan.is_empty


def test_students_alone_are_summarised_with_the_last_sts_classes_and_groups(
    service: SiecleService, tmp_path: Path
) -> None:
    """Without STS, the summary counts the last STS import's divisions and groups apart."""
    imported(service, STS)
    analysis = service.analyse(files(eleves_without(tmp_path, keep=3)))
    assert (analysis.summary["divisions"], analysis.summary["groups"]) == (3, 2)
    assert analysis.snapshot is not None
    labels = {s.code: s.is_group for s in analysis.snapshot.structures}
    assert labels == {"2NDE1": False, "1ERE1": False, "TLE1": False, "ESP1": True, "ALL1": True}


def test_students_checked_against_the_ledger_are_read_once(
    service: SiecleService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking student files against the last STS import does not parse them twice."""
    from cpro_siecle_plugin.siecle import analyse as analyse_module

    imported(service, STS)
    reads: list[str] = []
    real_read = analyse_module._read

    def counting(source: Any) -> Any:
        reads.append(source.label)
        return real_read(source)

    monkeypatch.setattr(analyse_module, "_read", counting)
    assert service.analyse(files(ELEVES, RESP)).ok
    assert len(reads) == 2
