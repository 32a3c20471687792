"""The embedded host's own features: hashed passwords, login checks, persistence."""

from __future__ import annotations

from cpro_siecle_plugin.adapters.base import NewCohort, NewUser
from cpro_siecle_plugin.adapters.embedded import EmbeddedHost


def _host(tmp_path) -> EmbeddedHost:
    return EmbeddedHost(f"sqlite:///{tmp_path / 'h.sqlite3'}", initial_hash="pbkdf2:sha256:1")


def _user(n: int) -> NewUser:
    return NewUser(f"id{n}", f"user.{n}", "2008-05-12", f"P{n}", f"N{n}")


def test_passwords_are_stored_hashed_and_verified(tmp_path):
    """The database never holds the clear password; login checks it."""
    host = _host(tmp_path)
    host.create_users([_user(1)])
    assert b"2008-05-12" not in (tmp_path / "h.sqlite3").read_bytes()
    assert host.verify_password("user.1", "2008-05-12")
    assert not host.verify_password("user.1", "wrong")
    assert not host.verify_password("nobody", "2008-05-12")


def test_suspended_account_cannot_log_in(tmp_path):
    """A suspended account is refused at login, and accepted again once reactivated."""
    host = _host(tmp_path)
    uid = host.create_users([_user(1)]).ok["id1"]
    host.set_suspended([uid], True)
    assert not host.verify_password("user.1", "2008-05-12")
    host.set_suspended([uid], False)
    assert host.verify_password("user.1", "2008-05-12")


def test_own_password_change_clears_forced_change(tmp_path):
    """After the first-login change, no change is forced any more."""
    host = _host(tmp_path)
    host.create_users([_user(1)])
    assert host.must_change_password("user.1")
    host.change_password("user.1", "Nouveau-Secret-1")
    assert not host.must_change_password("user.1")
    assert host.verify_password("user.1", "Nouveau-Secret-1")


def test_accounts_persist_across_instances(tmp_path):
    """A second host on the same database sees the accounts and cohorts."""
    _host(tmp_path).create_users([_user(1)])
    first = _host(tmp_path)
    first.create_cohorts([NewCohort("c1", "C1")])
    again = _host(tmp_path)
    assert [u.username for u in again.list_users()] == ["user.1"]
    assert list(again.find_cohorts(["c1"])) == ["c1"]


def test_deleting_a_user_removes_memberships_and_links(tmp_path):
    """Deletion leaves no membership nor guardian link behind."""
    host = _host(tmp_path)
    ids = host.create_users([_user(1), _user(2)]).ok
    cid = host.create_cohorts([NewCohort("c1", "C1")]).ok["c1"]
    host.add_cohort_members([(cid, ids["id1"])])
    host.link_guardians([(ids["id2"], ids["id1"])])
    host.delete_users([ids["id1"]])
    assert host.cohort_members([cid]) == {cid: set()}
    assert host.guardians_of(ids["id1"]) == set()


def test_check_reports_ready(tmp_path):
    """The preflight of a working embedded host passes."""
    assert _host(tmp_path).check().ok
