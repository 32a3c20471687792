"""The host contract, run against every implementation (see ``conftest.HARNESSES``)."""

from __future__ import annotations

from typing import Any

from cpro_siecle_plugin.adapters.base import NewCohort, pair_key


def _create(harness: Any, make_user: Any, n: int, **over: Any) -> dict[str, int]:
    result = harness.host.create_users([make_user(i, **over) for i in range(n)])
    assert not result.failed
    return dict(result.ok)


def test_created_users_are_found_by_idnumber_and_username(harness, make_user):
    """Created accounts come back from both look-ups, active, with their names."""
    ok = _create(harness, make_user, 3)
    by_id = harness.host.find_users("idnumber", ["cpro:0001:eleve:1", "absent"])
    by_name = harness.host.find_users("username", ["eleve.2"])
    assert [(u.id, u.username, u.lastname, u.suspended) for u in by_id] == [
        (ok["cpro:0001:eleve:1"], "eleve.1", "Nom1", False)]
    assert [u.idnumber for u in by_name] == ["cpro:0001:eleve:2"]


def test_created_user_must_change_password_at_first_login(harness, make_user):
    """The initial password is set and its change forced."""
    uid = _create(harness, make_user, 1)["cpro:0001:eleve:0"]
    record = harness.record(uid)
    assert record["force_change"] and record["password_ok"]("12052008")


def test_batch_split_isolates_one_bad_record_out_of_100(harness, make_user):
    """One refused username fails alone; the 99 others are created."""
    users = [make_user(i) for i in range(100)]
    users[57] = make_user(57, username="Élève Invalide")
    result = harness.host.create_users(users)
    assert len(result.ok) == 99
    assert list(result.failed) == ["cpro:0001:eleve:57"]
    assert "Élève Invalide" in result.failed["cpro:0001:eleve:57"]


def test_taken_username_is_refused_with_its_name(harness, make_user):
    """A username already on the host is reported, not duplicated."""
    _create(harness, make_user, 1)
    result = harness.host.create_users([make_user(9, username="eleve.0"), make_user(8)])
    assert "eleve.0" in result.failed["cpro:0001:eleve:9"]
    assert list(result.ok) == ["cpro:0001:eleve:8"]
    assert len(harness.host.find_users("username", ["eleve.0"])) == 1


def test_users_sharing_an_email_are_both_created(harness, make_user):
    """Two guardians of one family with the same address both get an account."""
    result = harness.host.create_users([make_user(1, email="famille@example.org"),
                                        make_user(2, email="famille@example.org")])
    assert len(result.ok) == 2 and not result.failed


def test_timeout_on_create_leads_to_look_up_not_duplicate(harness, make_user):
    """A create whose reply is lost is checked on the host, never sent twice blindly."""
    harness.lose_next_create_reply()
    result = harness.host.create_users([make_user(i) for i in range(3)])
    assert len(result.ok) == 3 and not result.failed
    found = harness.host.find_users("idnumber", [f"cpro:0001:eleve:{i}" for i in range(3)])
    assert len(found) == 3
    assert {u.id for u in found} == set(result.ok.values())


def test_suspend_and_reactivate_touch_only_suspended(harness, make_user):
    """Suspension changes nothing but the suspended flag, and is reversible."""
    uid = _create(harness, make_user, 1, email="a@example.org")["cpro:0001:eleve:0"]
    before = harness.record(uid)
    assert harness.host.set_suspended([uid], True).ok == {str(uid): uid}
    after = harness.record(uid)
    assert after["suspended"] and after["password_ok"]("12052008")
    assert {k: v for k, v in after.items() if k not in ("suspended", "password_ok")} == {
        k: v for k, v in before.items() if k not in ("suspended", "password_ok")}
    harness.host.set_suspended([uid], False)
    assert harness.host.find_users("username", ["eleve.0"])[0].suspended is False


def test_suspending_an_unknown_account_fails_that_account_only(harness, make_user):
    """An unknown id is reported; the known ones are suspended."""
    uid = _create(harness, make_user, 1)["cpro:0001:eleve:0"]
    result = harness.host.set_suspended([uid, 999_999], True)
    assert result.ok == {str(uid): uid} and "999999" in result.failed


def test_deleted_users_are_gone_and_deleting_again_is_harmless(harness, make_user):
    """Deletion removes the accounts; a repeated deletion is not an error."""
    ids = list(_create(harness, make_user, 2).values())
    assert set(harness.host.delete_users(ids).ok) == {str(i) for i in ids}
    assert harness.host.find_users("username", ["eleve.0", "eleve.1"]) == []
    assert not harness.host.delete_users(ids).failed


def test_cohorts_are_created_once_and_found_by_idnumber(harness):
    """A cohort idnumber is unique: a second creation fails, the first is found."""
    host = harness.host
    first = host.create_cohorts([NewCohort("0001:2A", "2nde A"), NewCohort("0001:2B", "2nde B")])
    again = host.create_cohorts([NewCohort("0001:2A", "2nde A bis")])
    assert set(first.ok) == {"0001:2A", "0001:2B"}
    assert "0001:2A" in again.failed and not again.ok
    assert host.find_cohorts(["0001:2A", "0001:ZZ"]) == {"0001:2A": first.ok["0001:2A"]}


def test_memberships_are_added_and_removed_idempotently(harness, make_user):
    """Adding twice or removing a missing membership is not an error."""
    host = harness.host
    cid = host.create_cohorts([NewCohort("0001:2A", "2nde A")]).ok["0001:2A"]
    u1, u2 = _create(harness, make_user, 2).values()
    assert not host.add_cohort_members([(cid, u1), (cid, u2)]).failed
    assert not host.add_cohort_members([(cid, u1)]).failed
    assert host.cohort_members([cid]) == {cid: {u1, u2}}
    removed = host.remove_cohort_members([(cid, u1), (cid, u1)])
    assert not removed.failed and pair_key(cid, u1) in removed.ok
    assert host.cohort_members([cid]) == {cid: {u2}}


def test_guardian_links_follow_link_and_unlink(harness, make_user):
    """A guardian gets the parent role on the student, and loses it on unlink."""
    host = harness.host
    student, guardian = _create(harness, make_user, 2).values()
    assert not host.link_guardians([(guardian, student)]).failed
    assert not host.link_guardians([(guardian, student)]).failed
    assert harness.guardians_of(student) == {guardian}
    assert not host.unlink_guardians([(guardian, student)]).failed
    assert harness.guardians_of(student) == set()


def test_set_password_forces_change(harness, make_user):
    """A reset password is set and must be changed at next login."""
    uid = _create(harness, make_user, 1)["cpro:0001:eleve:0"]
    harness.host.set_password(uid, "Nouveau-2026!")
    record = harness.record(uid)
    assert record["password_ok"]("Nouveau-2026!") and record["force_change"]


def test_calls_count_requests_per_operation(harness, make_user):
    """``calls`` counts one request per batch and per operation."""
    harness.host.calls.clear()
    _create(harness, make_user, 25)
    assert harness.host.calls["create_users"] == 3  # batch size 10 in the harnesses


def test_emails_differing_only_in_case_are_all_created(harness, make_user):
    """Siblings' guardians sharing one address written in other cases: every account is
    created (Moodle's uniqueness ignores case, within one call too)."""
    first = harness.host.create_users([make_user(1, email="Famille.Martin@Example.org"),
                                       make_user(2, email="famille.martin@example.org")])
    later = harness.host.create_users([make_user(3, email="FAMILLE.MARTIN@EXAMPLE.ORG")])
    assert len(first.ok) == 2 and len(later.ok) == 1
    assert not first.failed and not later.failed


def test_invalid_email_does_not_fail_the_account(harness, make_user):
    """An address SIECLE holds but Moodle refuses (a space) never fails the account."""
    result = harness.host.create_users([make_user(1, email="marie dupont@gmail.com"),
                                        make_user(2, email="ok@example.org")])
    assert len(result.ok) == 2 and not result.failed
