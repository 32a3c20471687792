"""Imports on the live Moodle (the lab), each checked in Moodle's own database.

Every check reads ``mdl_user``, ``mdl_cohort_members``, ``mdl_role_assignments``... on the
lab's PostgreSQL (``CPRO_MOODLE_DB_URL``), never through the adapter under test.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate_school
from cpro_siecle_plugin.errors import PlanError
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.sync.plan import AddMember, CreateCohort, CreateUser, LinkGuardian
from cpro_siecle_plugin.sync.state import host_idnumber
from tests.lab import Lab
from tests.lab.conftest import WRITE_FUNCTIONS, LabSchool


def site(lab: Lab, uaj: str) -> dict[str, Any]:
    """What Moodle's database holds for a school: accounts, memberships, parent links."""
    users = {u["idnumber"]: u for u in lab.active_users(f"cpro:{uaj}:")}
    by_id = {u["id"]: u["idnumber"] for u in users.values()}
    members = {(c, by_id.get(u)) for c, ids in lab.cohort_members(f"cpro:{uaj}:").items()
               for u in ids}
    links = {(by_id.get(g), by_id.get(s)) for g, s in lab.parent_links()}
    return {"users": users, "members": members, "links": links,
            "cohorts": set(lab.cohort_members(f"cpro:{uaj}:"))}


def expected(plans: list[Any]) -> dict[str, Any]:
    """What the plans applied should have left on the site (creations, memberships, links)."""
    actions = [a for p in plans for a in p.actions]
    return {
        "users": {a.idnumber: a for a in actions if isinstance(a, CreateUser)},
        "cohorts": {a.idnumber for a in actions if isinstance(a, CreateCohort)},
        "members": {(host_idnumber(a.cohort_key), host_idnumber(a.person_key))
                    for a in actions if isinstance(a, AddMember)},
        "links": {(host_idnumber(a.guardian_key), host_idnumber(a.student_key))
                  for a in actions if isinstance(a, LinkGuardian)},
    }


def _inputs(files: list[Path]) -> list[InputFile]:
    return [InputFile(p, p.name) for p in files]


def _generated(tmp_path: Path, name: str, **options: Any) -> list[Path]:
    defaults: dict[str, Any] = {"n_students": 40, "n_guardians": 70, "n_staff": 8,
                                "uaj": "0690001A", "seed": 7, "leavers": 0.0}
    files = generate_school(tmp_path / name, **{**defaults, **options})
    return [files["sts"], files["eleves"], files["responsables"]]


def test_first_import_of_the_samples_leaves_moodle_exactly_right(school: LabSchool,
                                                                  sample_files):
    """Every account, cohort, membership and guardian link of the plan is in Moodle's
    tables, once, with forced password change; nothing else of the school is there."""
    preview = school.preview(sample_files)
    outcome = school.service.apply(preview.plan_id, preview.checksum, "test")
    assert outcome.ok, outcome.failed
    want, got = expected([preview.plan]), site(school.lab, "0691234X")
    assert set(got["users"]) == set(want["users"])
    for idnumber, action in want["users"].items():
        row = school.lab.user(got["users"][idnumber]["id"])
        assert (row["username"], row["firstname"], row["lastname"], row["auth"]) == (
            action.username, action.firstname, action.lastname, "manual")
        assert row["force_change"] and not row["suspended"]
    assert got["cohorts"] == want["cohorts"]
    assert got["members"] == want["members"] and got["links"] == want["links"]
    idnumbers = Counter(r["idnumber"] for r in school.lab.rows(
        "select idnumber from mdl_user where deleted = 0 and idnumber like 'cpro:%'"))
    assert max(idnumbers.values()) == 1


def test_no_change_reimport_sends_no_write_request(school: LabSchool, sample_files):
    """The same files again: an empty plan, and not one request to a write function (the
    preflight's write probes included)."""
    assert school.run(sample_files).ok
    school.host = school.service.host = school.new_host()  # a new process, as in the CLI
    outcome = school.run(sample_files)
    assert outcome.ok and outcome.total == 0
    assert school.writes() == 0, school.host.ws_calls


def test_year_change_graduates_keep_login_staff_suspended_guardians_follow(
        school: LabSchool, tmp_path: Path):
    """A new school year with a third of the students and two teachers gone: the students
    leave their cohorts and keep an active login, the staff and the guardians left with no
    student are suspended; a returner the year after gets the same account back."""
    first = _generated(tmp_path, "y2025", year=2025)
    assert school.run(first).ok
    before = site(school.lab, "0690001A")
    second = _generated(tmp_path, "y2026", year=2026, drop_students=0.3, n_staff=6)
    outcome = school.run(second, today=date(2026, 9, 14))
    assert outcome.ok, outcome.failed
    after = site(school.lab, "0690001A")
    state = school.ledger.load_state("0690001A")
    gone = {p.idnumber for p in state.people.values()
            if p.population.value == "student" and not p.active}
    staff_gone = {p.idnumber for p in state.people.values()
                  if p.population.value in ("teacher", "head") and not p.active}
    guardians_gone = {p.idnumber for p in state.people.values()
                      if p.population.value == "guardian" and not p.active}
    assert len(gone) >= 8 and len(staff_gone) == 2 and guardians_gone
    assert set(after["users"]) == set(before["users"])  # nobody deleted
    for idnumber in gone:
        assert not after["users"][idnumber]["suspended"]  # keeps the login
        assert not {c for c, u in after["members"] if u == idnumber}
    assert all(after["users"][i]["suspended"] for i in staff_gone | guardians_gone)
    assert not {s for g, s in after["links"] if g in guardians_gone} - gone
    # The year after, one of them is back: same account, in a class again.
    back = _generated(tmp_path, "y2026b", year=2026, drop_students=0.0, n_staff=6)
    assert school.run(back, today=date(2026, 10, 1)).ok
    final = site(school.lab, "0690001A")
    assert set(final["users"]) == set(before["users"])
    for idnumber in gone:
        assert {c for c, u in final["members"] if u == idnumber}


def test_policy_on_refuses_before_any_write_in_french(school: LabSchool, sample_files):
    """Moodle's default password policy: the import is refused before anything is
    written, and the message says what to change, in French."""
    school.lab.policy(True)
    preview = school.preview(sample_files)
    assert preview.blocked
    with pytest.raises(PlanError, match="politique de mots de passe") as refused:
        school.service.apply(preview.plan_id, preview.checksum, "test")
    assert "Règles de mot de passe" in str(refused.value)
    assert school.lab.active_users("cpro:") == [] and not school.lab.cohort_members()
    probes = {"core_user_create_users", "core_role_unassign_roles"}  # rolled back / no-op
    assert {f for f, n in school.host.ws_calls.items() if f in WRITE_FUNCTIONS} <= probes
    assert school.lab.rows("select count(*) as n from mdl_user where deleted = 0 and "
                           "username like 'cpro-siecle-verif%'")[0]["n"] == 0


def test_policy_off_birth_date_passwords_and_forced_change(school: LabSchool, sample_files):
    """Policy off: birth-date passwords are set and Moodle forces their change."""
    preview = school.preview(sample_files)
    assert school.service.apply(preview.plan_id, preview.checksum, "test").ok
    students = [a for a in preview.plan.actions
                if isinstance(a, CreateUser) and a.population == "student"][:3]
    users = site(school.lab, "0691234X")["users"]
    for action in students:
        assert len(action.password) == 8 and action.password.isdigit()  # jjmmaaaa
        uid = users[action.idnumber]["id"]
        assert school.lab.password_ok(uid, action.password)
        assert school.lab.rows(
            "select value from mdl_user_preferences where userid = :u and name = "
            "'auth_forcepasswordchange'", u=uid) == [{"value": "1"}]


def test_emails_shared_in_other_cases_and_invalid_never_fail_the_import(
        school: LabSchool, tmp_path: Path):
    """Guardians sharing an address in other cases (also with an account made by hand),
    and an address Moodle refuses: every account is created, the report says which got a
    placeholder address."""
    files = _generated(tmp_path, "mail", n_students=6, n_guardians=10, n_staff=2)
    text = files[2].read_bytes().decode("iso-8859-15")
    mails = sorted({a.email for a in school.service.plan(_inputs(files)).actions
                    if isinstance(a, CreateUser) and a.email})
    assert len(mails) >= 3
    text = text.replace(f"<MEL>{mails[0]}</MEL>", "<MEL>Famille.Dupont@Example.org</MEL>")
    text = text.replace(f"<MEL>{mails[1]}</MEL>", "<MEL>famille.dupont@example.org</MEL>")
    text = text.replace(f"<MEL>{mails[2]}</MEL>", "<MEL>marie dupont@gmail.com</MEL>")
    files[2].write_bytes(text.encode("iso-8859-15"))
    school.lab.call("core_user_create_users", admin=True, users=[{
        "username": "voisin", "password": "Voisin-2025!", "firstname": "Paul",
        "lastname": "Voisin", "email": "FAMILLE.dupont@EXAMPLE.org", "auth": "manual"}])
    outcome = school.run(files)
    assert outcome.ok, outcome.failed
    emails = [u["email"] for u in site(school.lab, "0690001A")["users"].values()]
    assert not [e for e in emails if e.lower() == "famille.dupont@example.org"]
    assert "marie dupont@gmail.com" not in emails
    report = school.service.report(outcome.run_id)
    assert any("marie dupont@gmail.com" in w and "fictive" in w for w in report.warnings)


def test_username_taken_by_a_hand_made_account_gets_a_suffix_or_is_adopted(
        school: LabSchool, sample_files):
    """A login planned for a newcomer already belongs to an account made by hand: another
    idnumber -> the newcomer gets the next free login; the same idnumber -> adopted."""
    plan = school.service.plan(_inputs(sample_files))
    creates = [a for a in plan.actions if isinstance(a, CreateUser)]
    stranger, ours = creates[0], creates[1]
    school.lab.call("core_user_create_users", admin=True, users=[
        {"username": stranger.username, "password": "Main-2025!", "firstname": "X",
         "lastname": "Y", "email": "x@example.org", "auth": "manual", "idnumber": "manuel"},
        {"username": ours.username, "password": "Main-2025!", "firstname": "X",
         "lastname": "Y", "email": "y@example.org", "auth": "manual",
         "idnumber": ours.idnumber}])
    outcome = school.run(sample_files)
    assert outcome.ok, outcome.failed
    users = site(school.lab, "0691234X")["users"]
    assert users[stranger.idnumber]["username"] == stranger.username + "2"
    assert users[ours.idnumber]["username"] == ours.username  # adopted, not duplicated
    taken = next(a for a in school.service.report(outcome.run_id).accounts  # type: ignore[arg-type]
                 if a.key == ours.person_key)
    assert taken.taken_over and not taken.password  # its own password, not the plan's
    assert len(school.lab.rows("select id from mdl_user where deleted = 0 and "
                               "username = :u", u=stranger.username)) == 1


def test_account_and_cohort_deleted_by_hand_are_reported_then_repaired(
        school: LabSchool, sample_files, tmp_path: Path):
    """Between two imports an admin deletes an account and a cohort in Moodle: the next
    import says so in French; « rematch » then the import recreate them."""
    assert school.run(sample_files).ok
    got = site(school.lab, "0691234X")
    victim = next(i for i in got["users"] if ":eleve:" in i)
    cohort = next(c for c, u in got["members"] if u == victim)
    school.lab.call("core_user_delete_users", admin=True, userids=[got["users"][victim]["id"]])
    cid = school.lab.rows("select id from mdl_cohort where idnumber = :i", i=cohort)[0]["id"]
    school.lab.call("core_cohort_delete_cohorts", admin=True, cohortids=[cid])
    counts = school.service.rematch("0691234X")
    assert counts["people_missing"] == 1 and counts["cohorts_missing"] == 1
    outcome = school.run(sample_files)
    assert outcome.ok, outcome.failed
    repaired = site(school.lab, "0691234X")
    assert victim in repaired["users"] and cohort in repaired["cohorts"]
    assert repaired["members"] == got["members"] and repaired["links"] == got["links"]


def test_missing_capability_is_named_by_the_preflight(school: LabSchool, sample_files):
    """The token's role loses moodle/user:create: the preflight names the failing check."""
    lab = school.lab
    lab.execute("update mdl_role_capabilities set permission = -1000 where roleid = :r "
                "and capability = 'moodle/user:create'", r=lab.ws_role)
    try:
        lab.purge_caches()
        preview = school.preview(sample_files)
        failed = [c for c in preview.preflight.checks if not c.ok and c.blocking]
        assert failed, preview.preflight.checks
        assert any("moodle/user:create" in c.message for c in failed), failed
        with pytest.raises(PlanError, match="moodle/user:create"):
            school.service.apply(preview.plan_id, preview.checksum, "test")
        assert school.lab.active_users("cpro:") == []
    finally:
        lab.execute("update mdl_role_capabilities set permission = 1 where roleid = :r "
                    "and capability = 'moodle/user:create'", r=lab.ws_role)
        lab.purge_caches()


def test_ledger_of_another_host_is_refused_then_moved_on_purpose(school: LabSchool,
                                                                 sample_files, tmp_path: Path):
    """A school imported on the embedded host, then pointed at Moodle: refused before any
    write, in French, naming « rematch »; after « cpro-siecle rematch » (by idnumber) the
    import creates every account once on Moodle."""
    from cpro_siecle_plugin.adapters.embedded import EmbeddedHost
    from cpro_siecle_plugin.service import SiecleService

    embedded = EmbeddedHost(f"sqlite:///{tmp_path / 'host.sqlite3'}",
                            initial_hash="pbkdf2:sha256:1")
    first = SiecleService(school.settings, school.ledger, embedded, today=school.today)
    preview = first.preview(_inputs(sample_files), "test")
    assert first.apply(preview.plan_id, preview.checksum, "test").ok
    assert school.ledger.host_binding("0691234X").kind == "embedded"
    again = school.preview(sample_files)
    assert again.blocked
    with pytest.raises(PlanError, match="autre plateforme.*rematch 0691234X"):
        school.service.apply(again.plan_id, again.checksum, "test")
    assert school.writes() == 0 and school.lab.active_users("cpro:") == []
    counts = school.service.rematch("0691234X")
    assert counts["people_found"] == 0 and counts["people_missing"] > 0
    moved = school.run(sample_files)
    assert moved.ok
    assert school.ledger.host_binding("0691234X").kind == "moodle"
    users = site(school.lab, "0691234X")["users"]
    assert len(users) == counts["people_missing"]
    assert {p.host_id for p in school.ledger.people("0691234X")} == {
        u["id"] for u in users.values()}
    embedded.close()
