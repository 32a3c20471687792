"""The Moodle preflight: each way a site is not ready gives its own French message."""

from __future__ import annotations

import requests

from cpro_siecle_plugin.adapters.moodle import MoodleHost


def _failed(preflight) -> dict[str, str]:
    return {c.name: c.message for c in preflight.checks if not c.ok}


def test_ready_site_passes_every_check(moodle):
    """A well-configured site passes, and the password probe leaves no account behind."""
    before = set(moodle.fake.users)
    preflight = moodle.host.check()
    assert preflight.ok and not _failed(preflight)
    assert [c.name for c in preflight.checks] == [
        "joignable", "jeton", "fonctions", "rôle parent", "mots de passe"]
    assert set(moodle.fake.users) == before


def test_unreachable_site_is_reported(moodle):
    """A site that does not answer fails the first check only, in French."""
    moodle.fail_next("core_webservice_get_site_info", requests.ConnectionError("x"), times=9)
    failed = _failed(moodle.host.check())
    assert list(failed) == ["joignable"] and "injoignable" in failed["joignable"]


def test_invalid_token_is_reported(moodle):
    """A wrong token fails the token check with a message naming the setting."""
    moodle.fake.token = "other"
    preflight = moodle.host.check()
    assert not preflight.ok
    assert "CPRO_SIECLE_MOODLE_TOKEN" in _failed(preflight)["jeton"]


def test_missing_function_is_named(moodle):
    """A function missing from the token's service is named, with where to add it."""
    moodle.fake.functions.discard("core_cohort_add_cohort_members")
    failed = _failed(moodle.host.check())
    assert list(failed) == ["fonctions"]
    assert "core_cohort_add_cohort_members" in failed["fonctions"]
    assert "Services externes" in failed["fonctions"]


def test_missing_parent_role_is_reported(moodle):
    """A role id that does not exist (or is not assignable at user level) is refused."""
    moodle.fake.roles.clear()
    failed = _failed(moodle.host.check())
    assert list(failed) == ["rôle parent"]
    assert "introuvable ou n'est pas attribuable" in failed["rôle parent"]


def test_parent_role_given_by_shortname_asks_for_its_id(moodle):
    """Moodle's web services need the numeric role id; a shortname is explained."""
    host = MoodleHost("https://moodle.example.org", "s3cr3t-t0ken", parent_role="parent")
    failed = _failed(host.check())
    assert "identifiant numérique" in failed["rôle parent"]


def test_password_policy_refusing_birth_dates_is_reported(moodle):
    """A policy refusing birth-date passwords is caught, with what to change on the site."""
    moodle.fake.policy = lambda p: "<div>Passwords must have at least 1 upper case letter(s).</div>"
    before = set(moodle.fake.users)
    preflight = moodle.host.check()
    message = _failed(preflight)["mots de passe"]
    assert not preflight.ok
    assert "Règles de mot de passe" in message and "upper case letter(s)." in message
    assert "<div>" not in message
    assert set(moodle.fake.users) == before


def test_password_probe_can_be_disabled_with_a_warning(moodle):
    """Without the probe, the risk is a non-blocking warning saying what to check."""
    host = MoodleHost("https://moodle.example.org", "s3cr3t-t0ken", parent_role="9",
                      password_probe=False)
    preflight = host.check()
    check = next(c for c in preflight.checks if c.name == "mots de passe")
    assert preflight.ok and not check.ok and not check.blocking
    assert "non vérifiée" in check.message


def test_every_failure_has_its_own_message(moodle):
    """Token, function, role and password failures never share a message."""
    messages = set()
    for breaks in (lambda f: setattr(f, "token", "bad"),
                   lambda f: f.functions.discard("core_user_delete_users"),
                   lambda f: f.roles.clear(),
                   lambda f: setattr(f, "policy", lambda p: "Passwords must be longer")):
        moodle.fake.__init__("s3cr3t-t0ken")  # a fresh, ready site
        breaks(moodle.fake)
        messages |= set(_failed(moodle.host.check()).values())
    assert len(messages) == 4


def test_unexpected_probe_error_is_a_warning_not_a_policy_verdict(moodle):
    """A probe refused for another reason than the policy says it could not check."""
    moodle.fake.policy = lambda p: "usernamelowercase"
    preflight = moodle.host.check()
    check = next(c for c in preflight.checks if c.name == "mots de passe")
    assert preflight.ok and not check.ok and not check.blocking
    assert "non vérifiable" in check.message


def test_cohort_search_stands_for_get_cohorts(moodle):
    """Either cohort look-up function is enough; neither is named with its alternative."""
    moodle.fake.functions.discard("core_cohort_get_cohorts")
    assert moodle.host.check().ok
    moodle.fake.functions.discard("core_cohort_search_cohorts")
    failed = _failed(moodle.host.check())
    assert "core_cohort_get_cohorts (ou core_cohort_search_cohorts)" in failed["fonctions"]
