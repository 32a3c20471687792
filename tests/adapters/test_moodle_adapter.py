"""MoodleHost against Moodle's REST protocol: exact requests, failures, retries, secrecy."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

import pytest
import requests
import responses
from responses import matchers

from cpro_siecle_plugin.adapters.base import NewCohort, NewUser
from cpro_siecle_plugin.adapters.moodle import MoodleHost
from cpro_siecle_plugin.errors import HostAuthError, HostError, HostUnavailableError

URL = "https://moodle.example.org"
ENDPOINT = URL + "/webservice/rest/server.php"
TOKEN = "s3cr3t-t0ken"


def _host(**options) -> MoodleHost:
    return MoodleHost(URL, TOKEN, parent_role="9", sleep=lambda s: None, **options)


def _form(function: str, **fields: str) -> dict[str, str]:
    return {"wstoken": TOKEN, "wsfunction": function, "moodlewsrestformat": "json", **fields}


@responses.activate
def test_create_users_sends_exact_moodle_fields():
    """One user: manual auth, forced change, idnumber, placeholder email, PHP-style keys."""
    responses.post(ENDPOINT, json=[{"id": 41, "username": "jean.dupont"}], match=[
        matchers.urlencoded_params_matcher(_form(
            "core_user_create_users",
            **{"users[0][username]": "jean.dupont", "users[0][password]": "12052008",
               "users[0][firstname]": "Jean", "users[0][lastname]": "Dupont",
               "users[0][email]": "jean.dupont@noemail.invalid", "users[0][auth]": "manual",
               "users[0][idnumber]": "cpro:0001:eleve:7",
               "users[0][preferences][0][type]": "auth_forcepasswordchange",
               "users[0][preferences][0][value]": "1"}))])
    result = _host().create_users([NewUser("cpro:0001:eleve:7", "jean.dupont", "12052008",
                                           "Jean", "Dupont")])
    assert result.ok == {"cpro:0001:eleve:7": 41}


@responses.activate
def test_protocol_fields_come_first_against_max_input_vars():
    """wstoken, wsfunction, moodlewsrestformat open the body, before any record field."""
    responses.post(ENDPOINT, json=[])
    _host().find_users("idnumber", ["a"])
    body = parse_qsl(responses.calls[0].request.body)
    assert [k for k, _ in body[:3]] == ["wstoken", "wsfunction", "moodlewsrestformat"]
    assert body[3:] == [("field", "idnumber"), ("values[0]", "a")]


@responses.activate
def test_suspend_and_reactivate_send_only_id_and_suspended():
    """Suspension updates nothing but ``suspended`` (1, then 0)."""
    for flag in ("1", "0"):
        responses.post(ENDPOINT, json={"warnings": []}, match=[
            matchers.urlencoded_params_matcher(_form(
                "core_user_update_users", **{"users[0][id]": "5", "users[0][suspended]": flag}))])
    host = _host()
    assert host.set_suspended([5], True).ok == {"5": 5}
    assert host.set_suspended([5], False).ok == {"5": 5}


@responses.activate
def test_cohort_creation_and_membership_requests():
    """System-level cohorts; members by cohort id and user id; removal by ids."""
    responses.post(ENDPOINT, json=[{"id": 3, "idnumber": "0001:2A", "name": "2A"}], match=[
        matchers.urlencoded_params_matcher(_form(
            "core_cohort_create_cohorts",
            # (the matcher drops blank fields: categorytype value and description are "")
            **{"cohorts[0][categorytype][type]": "system", "cohorts[0][name]": "2A",
               "cohorts[0][idnumber]": "0001:2A", "cohorts[0][visible]": "1"}))])
    responses.post(ENDPOINT, json={"warnings": []}, match=[
        matchers.urlencoded_params_matcher(_form(
            "core_cohort_add_cohort_members",
            **{"members[0][cohorttype][type]": "id", "members[0][cohorttype][value]": "3",
               "members[0][usertype][type]": "id", "members[0][usertype][value]": "5"}))])
    responses.post(ENDPOINT, body="null", match=[
        matchers.urlencoded_params_matcher(_form(
            "core_cohort_delete_cohort_members",
            **{"members[0][cohortid]": "3", "members[0][userid]": "5"}))])
    host = _host()
    assert host.create_cohorts([NewCohort("0001:2A", "2A")]).ok == {"0001:2A": 3}
    assert not host.add_cohort_members([(3, 5)]).failed
    assert not host.remove_cohort_members([(3, 5)]).failed


@responses.activate
def test_guardian_link_assigns_parent_role_in_student_user_context():
    """The parent role is given to the guardian at context level user, instance = student."""
    responses.post(ENDPOINT, body="null", match=[
        matchers.urlencoded_params_matcher(_form(
            "core_role_assign_roles",
            **{"assignments[0][roleid]": "9", "assignments[0][userid]": "8",
               "assignments[0][contextlevel]": "user", "assignments[0][instanceid]": "5"}))])
    assert _host().link_guardians([(8, 5)]).ok == {"8:5": 5}


@pytest.mark.parametrize(("errorcode", "words"), [
    ("invalidtoken", "jeton"), ("accessexception", "fonction"),
    ("webservicesnotenabled", "services web sont désactivés"),
    ("servicenotavailable", "service externe"),
])
@responses.activate
def test_auth_errors_become_host_auth_error_in_french(errorcode, words):
    """Each refusal of the token or service gives its own French message."""
    responses.post(ENDPOINT, json={"exception": "moodle_exception", "errorcode": errorcode,
                                   "message": "x"})
    with pytest.raises(HostAuthError, match=words):
        _host().find_users("username", ["a"])


@responses.activate
def test_unreadable_or_server_error_replies_mean_unavailable():
    """A 5xx, an HTML page or maintenance is 'unavailable', not a record refusal."""
    responses.post(ENDPOINT, status=503, body="busy")
    responses.post(ENDPOINT, body="<html>login</html>")
    responses.post(ENDPOINT, json={"exception": "moodle_exception",
                                   "errorcode": "sitemaintenance", "message": "m"})
    for words in ("erreur serveur 503", "illisible", "maintenance"):
        with pytest.raises(HostUnavailableError, match=words):
            _host(retries=0).cohort_members([1])


@responses.activate
def test_transient_5xx_is_retried_for_reads():
    """A read that meets a 503 is tried again and succeeds."""
    responses.post(ENDPOINT, status=503)
    responses.post(ENDPOINT, json=[{"id": 5, "username": "a", "idnumber": "k"}])
    host = _host()
    assert [u.id for u in host.find_users("username", ["a"])] == [5]
    assert host.ws_calls == {"core_user_get_users_by_field": 2}


def test_create_is_not_retried_blindly_after_5xx(moodle):
    """After a 503 on create, the users are looked up before a single new create."""
    moodle.fail_next("core_user_create_users", 503)
    result = moodle.host.create_users([NewUser("k1", "a.b", "12052008", "A", "B")])
    functions = [dict(parse_qsl(c.request.body))["wsfunction"] for c in moodle.mock.calls]
    assert functions == ["core_user_create_users", "core_user_get_users_by_field",
                         "core_user_create_users"]
    assert list(result.ok) == ["k1"] and len(moodle.fake.users) == 2


def test_timeout_after_create_is_resolved_by_look_up(moodle):
    """A create applied but unanswered is found by idnumber, never sent again."""
    moodle.lose_next_create_reply()
    result = moodle.host.create_users([NewUser("k1", "a.b", "12052008", "A", "B")])
    assert list(result.ok) == ["k1"]
    assert moodle.host.ws_calls["core_user_create_users"] == 1
    assert [u["username"] for u in moodle.fake.users.values()].count("a.b") == 1


def test_host_down_during_create_raises_after_one_checked_attempt(moodle):
    """A create that keeps failing raises; it is sent at most twice, with a look-up between."""
    moodle.fail_next("core_user_create_users", requests.ConnectionError("refused"), times=9)
    with pytest.raises(HostUnavailableError):
        moodle.host.create_users([NewUser("k1", "a.b", "12052008", "A", "B")])
    assert moodle.host.ws_calls.get("core_user_create_users", 0) <= 2


def test_truncated_request_sends_the_unseen_users_again_after_look_up(moodle):
    """max_input_vars truncation: missing replies are looked up, then sent in smaller batches."""
    moodle.fake.max_input_vars = 3 + 9 * 7  # 7 users of 9 fields get through
    users = [NewUser(f"k{i}", f"u.{i}", "12052008", "A", "B") for i in range(10)]
    result = moodle.host.create_users(users)
    assert len(result.ok) == 10 and not result.failed
    assert moodle.host.ws_calls["core_user_create_users"] == 2
    assert len({u["username"] for u in moodle.fake.users.values()}) == 11


@responses.activate
def test_empty_create_reply_reports_the_batch_size():
    """A create answered with no user, and none found after, fails with what to change."""
    responses.post(ENDPOINT, json=[])
    result = _host().create_users([NewUser("k1", "a.b", "12052008", "A", "B")])
    assert "CPRO_SIECLE_BATCH_SIZE" in result.failed["k1"]
    assert len(responses.calls) == 2  # the create, then the look-up; no blind second create


def test_user_cut_in_the_middle_by_truncation_fails_the_call_then_bisection_saves_all(moodle):
    """A user whose required fields were dropped fails the call; smaller batches go through."""
    moodle.fake.max_input_vars = 3 + 9 * 7 + 4
    users = [NewUser(f"k{i}", f"u.{i}", "12052008", "A", "B") for i in range(10)]
    assert len(moodle.host.create_users(users).ok) == 10


def test_missing_or_shared_emails_get_a_placeholder(moodle):
    """Moodle needs unique emails: none or an address in use gives <login>@noemail.invalid."""
    users = [NewUser("k1", "p.un", "x", "P", "Un", "famille@example.org"),
             NewUser("k2", "p.deux", "x", "P", "Deux", "Famille@example.org"),
             NewUser("k3", "p.trois", "x", "P", "Trois", "admin@example.org"),
             NewUser("k4", "p.quatre", "x", "P", "Quatre")]
    ids = moodle.host.create_users(users).ok
    emails = {k: moodle.fake.users[i]["email"] for k, i in ids.items()}
    assert emails == {"k1": "famille@example.org", "k2": "p.deux@noemail.invalid",
                      "k3": "p.trois@noemail.invalid", "k4": "p.quatre@noemail.invalid"}
    assert moodle.host.find_users("idnumber", ["k4"])[0].email == ""


def test_password_policy_refusal_names_the_account_and_the_policy(moodle):
    """A user refused by the password policy gets a clear French reason."""
    moodle.fake.policy = lambda p: None if "!" in p else "Passwords must have at least 1 symbol"
    result = moodle.host.create_users([NewUser("k1", "a.b", "12052008", "A", "B"),
                                       NewUser("k2", "c.d", "Fort-2008!", "C", "D")])
    assert list(result.ok) == ["k2"]
    assert "a.b" in result.failed["k1"] and "politique de mots de passe" in result.failed["k1"]


def test_unknown_member_fails_only_its_pair(moodle):
    """add_cohort_members warnings (code 2) fail the pair; code 3 (already there) is fine."""
    host = moodle.host
    cid = host.create_cohorts([NewCohort("c", "C")]).ok["c"]
    uid = host.create_users([NewUser("k1", "a.b", "x", "A", "B")]).ok["k1"]
    host.add_cohort_members([(cid, uid)])
    result = host.add_cohort_members([(cid, uid), (cid, 4242)])
    assert result.ok == {f"{cid}:{uid}": uid} and f"{cid}:4242" in result.failed


def test_remove_member_of_deleted_user_is_isolated(moodle):
    """delete_cohort_members is all-or-nothing: bisection saves the valid removals, and the
    unknown (or deleted) account has no membership left to remove: done, not failed."""
    host = moodle.host
    cid = host.create_cohorts([NewCohort("c", "C")]).ok["c"]
    ids = host.create_users([NewUser(f"k{i}", f"u.{i}", "x", "A", "B") for i in range(4)]).ok
    host.add_cohort_members([(cid, u) for u in ids.values()])
    result = host.remove_cohort_members([(cid, u) for u in ids.values()] + [(cid, 4242)])
    assert len(result.ok) == 5 and not result.failed
    assert host.cohort_members([cid]) == {cid: set()}


def test_shortname_parent_role_fails_links_with_a_clear_reason():
    """Moodle's role functions take ids only: a shortname is reported, not sent."""
    host = MoodleHost(URL, TOKEN, parent_role="parent")
    result = host.link_guardians([(8, 5)])
    assert "identifiant numérique" in result.failed["8:5"] and not host.ws_calls


def test_token_never_appears_in_logs_reprs_or_errors(moodle, caplog):
    """The token stays out of every log record, repr and exception text."""
    caplog.set_level(logging.DEBUG)
    texts = [repr(moodle.host), repr(moodle.host.rest)]
    moodle.fake.token = "another"  # every call is now refused as an invalid token
    for call in (lambda: moodle.host.find_users("username", ["a"]),
                 lambda: moodle.host.create_users([NewUser("k", "a.b", "x", "A", "B")])):
        with pytest.raises(HostError) as info:
            call()
        texts += [str(info.value), repr(info.value)]
    moodle.fake.token = TOKEN
    moodle.fail_next("core_cohort_get_cohorts", requests.ConnectionError(f"x {TOKEN}"))
    moodle.host.find_cohorts(["x"])
    moodle.host.check()
    texts += [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    assert caplog.records and not [t for t in texts if TOKEN in t]


@responses.activate
def test_hidden_idnumber_is_an_auth_error_not_a_missing_user():
    """A token that cannot see idnumbers would duplicate accounts: refuse clearly."""
    responses.post(ENDPOINT, json=[{"id": 5, "username": "a.b", "firstname": "A"}])
    with pytest.raises(HostAuthError, match="idnumber"):
        _host().find_users("idnumber", ["k1"])


def test_cohorts_are_searched_by_exact_idnumber_when_get_cohorts_is_refused(moodle):
    """Without core_cohort_get_cohorts, search_cohorts finds each exact idnumber."""
    ids = moodle.host.create_cohorts([NewCohort("0001:2A", "2A"),
                                      NewCohort("0001:2A:ens", "2A profs")]).ok
    moodle.fake.functions.discard("core_cohort_get_cohorts")
    assert moodle.host.find_cohorts(["0001:2A", "0001:ZZ"]) == {"0001:2A": ids["0001:2A"]}
    assert moodle.host.ws_calls["core_cohort_search_cohorts"] == 2


def test_timeout_then_refusal_never_reports_created_users_as_failed(moodle):
    """After a lost reply, a refused re-send is isolated among the users still missing."""
    moodle.fail_next("core_user_create_users", requests.exceptions.ReadTimeout("t"))
    moodle.fake.users[3] = {**moodle.fake.users[2], "id": 3, "username": "pris",
                            "email": "pris@example.org"}
    users = [NewUser(f"k{i}", f"u.{i}", "x", "A", "B") for i in range(3)]
    users.append(NewUser("k9", "pris", "x", "A", "B"))
    moodle.host.calls.clear()
    result = moodle.host.create_users(users)
    assert set(result.ok) == {"k0", "k1", "k2"} and list(result.failed) == ["k9"]
