"""The in-process host's own features: fault injection and inspection helpers."""

from __future__ import annotations

import pytest

from cpro_siecle_plugin.adapters.base import NewCohort, NewUser
from cpro_siecle_plugin.errors import HostRejectedError, HostUnavailableError
from tests.doubles.memory_host import MemoryHost


def _user(n: int) -> NewUser:
    return NewUser(f"id{n}", f"user.{n}", "2008-05-12", f"P{n}", f"N{n}")


def test_fail_after_k_writes_raises_and_applies_nothing_more():
    """After k successful writes, every write fails and changes nothing; reads still work."""
    host = MemoryHost(fail_after=1, batch_size=2)
    with pytest.raises(HostUnavailableError):
        host.create_users([_user(i) for i in range(4)])
    assert sorted(host.users_by_username()) == ["user.0", "user.1"]
    with pytest.raises(HostUnavailableError):
        host.create_cohorts([NewCohort("c", "C")])
    assert host.find_users("username", ["user.0"])[0].username == "user.0"


def test_failed_write_can_be_applied_before_the_error():
    """With ``apply_failed_writes`` the write happens although the call fails."""
    host = MemoryHost(fail_after=0, apply_failed_writes=True)
    with pytest.raises(HostUnavailableError):
        host.create_cohorts([NewCohort("c", "C")])
    assert host.find_cohorts(["c"])


def test_create_after_lost_reply_is_recovered_by_look_up():
    """A lost create reply leads to a look-up and no second create request."""
    host = MemoryHost(fail_after=0, apply_failed_writes=True)
    result = host.create_users([_user(1)])
    assert list(result.ok) == ["id1"] and len(host.users) == 1
    assert host.calls["create_users"] == 1 and host.calls["find_users"] == 1


def test_inspection_helpers_show_members_and_guardians():
    """``members`` and ``guardians_of`` answer by usernames and idnumbers."""
    host = MemoryHost()
    ids = host.create_users([_user(1), _user(2)]).ok
    cid = host.create_cohorts([NewCohort("0001:2A", "2A")]).ok["0001:2A"]
    host.add_cohort_members([(cid, ids["id1"])])
    host.link_guardians([(ids["id2"], ids["id1"])])
    assert host.members("0001:2A") == {"user.1"}
    assert host.guardians_of("user.1") == {"user.2"}
    assert host.write_calls == 4


def test_password_policy_refuses_creation_with_its_reason():
    """A password policy refusal reaches ``failed`` with the policy's French reason."""
    host = MemoryHost(password_policy=lambda p: None if "!" in p else "symbole manquant")
    result = host.create_users([_user(1)])
    assert result.failed == {"id1": "symbole manquant"}
    with pytest.raises(HostRejectedError):
        host.set_password(999, "x!")


def test_repr_of_a_user_hides_the_password():
    """The stored password never shows in a repr."""
    host = MemoryHost()
    host.create_users([_user(1)])
    assert "2008-05-12" not in repr(host.user("user.1"))
