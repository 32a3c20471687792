"""Plan values, settings and error messages: the contracts every layer relies on."""

from __future__ import annotations

import json

import pytest

from cpro_siecle_plugin.config import Settings, settings_from_mapping
from cpro_siecle_plugin.errors import (
    ChecksumMismatchError,
    ConfigError,
    InputError,
    PlanError,
    SafetyBrakeError,
)
from cpro_siecle_plugin.sync.plan import (
    AddMember,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    Plan,
    sort_actions,
)


def _plan() -> Plan:
    actions = [
        DeactivateUser("X:sts:1", "teacher", "a.b", suspend=True),
        AddMember("X:2A", "X:eleve:2"),
        CreateUser("X:eleve:2", "student", "cpro:X:eleve:2", "c.d", "01022010", "C", "D",
                   groups=("G1",)),
        CreateCohort("X:2A", "cpro:X:2A", "2A"),
    ]
    return Plan(sort_actions(actions), {"uaj": "X", "today": "2025-09-15"})


def test_actions_are_ordered_by_phase_then_key() -> None:
    """Cohorts come first, then accounts, memberships, and deactivations last."""
    kinds = [a.kind for a in _plan().actions]
    assert kinds == ["create_cohort", "create_user", "add_member", "deactivate_user"]


def test_plan_round_trips_through_json_with_same_checksum() -> None:
    """A stored plan rebuilt from JSON is the same plan, with the same checksum."""
    plan = _plan()
    data = json.loads(json.dumps(plan.to_data()))
    again = Plan.from_data(data)
    assert again == plan
    assert again.checksum == plan.checksum
    assert data["counts"]["create_user"] == 1


def test_tampered_plan_is_refused() -> None:
    """A stored plan whose content no longer matches its checksum is refused."""
    data = _plan().to_data()
    data["actions"][1]["username"] = "intrus"
    with pytest.raises(ChecksumMismatchError, match="Relancez"):
        Plan.from_data(data)


def test_plan_checked_against_previewed_checksum() -> None:
    """Apply may demand the checksum the admin previewed."""
    with pytest.raises(ChecksumMismatchError):
        Plan.from_data(_plan().to_data(), expected_checksum="0" * 64)


def test_duplicate_action_keys_are_refused() -> None:
    """A plan never holds the same action twice."""
    action = CreateCohort("X:2A", "cpro:X:2A", "2A")
    with pytest.raises(PlanError):
        Plan((action, action))


def test_settings_read_prefixed_keys_then_environment() -> None:
    """CPRO_SIECLE_* keys come from the app config first, then from the environment."""
    settings = settings_from_mapping(
        {"CPRO_SIECLE_BATCH_SIZE": "20"},
        {"CPRO_SIECLE_BATCH_SIZE": "99", "CPRO_SIECLE_BRAKE_SHARE": "0.5"},
    )
    assert settings.batch_size == 20
    assert settings.brake_share == 0.5


def test_moodle_host_needs_url_and_token() -> None:
    """A Moodle host without token fails at start-up, naming the key."""
    with pytest.raises(ConfigError, match="CPRO_SIECLE_MOODLE_TOKEN"):
        settings_from_mapping({"CPRO_SIECLE_HOST": "moodle",
                               "CPRO_SIECLE_MOODLE_URL": "https://m.example"}, {})


def test_settings_repr_hides_the_token() -> None:
    """The host token never reaches a repr."""
    assert "s3cr3t" not in repr(Settings(moodle_token="s3cr3t", secret="other"))


def test_error_messages_name_file_line_and_counts() -> None:
    """Errors build their French message from structured fields."""
    err = InputError("ElevesSansAdresses.xml", "balise fermante manquante", line=12)
    assert str(err) == ("Fichier « ElevesSansAdresses.xml » refusé (ligne 12) : "
                        "balise fermante manquante")
    brake = SafetyBrakeError("élèves", 80, 100, 0.3)
    assert "80" in str(brake) and "100" in str(brake) and "30 %" in str(brake)


def test_package_exports_the_plugin_lazily() -> None:
    """``SieclePlugin`` is the public entry point, importable from the package root."""
    import cpro_siecle_plugin
    from cpro_siecle_plugin.extension import SieclePlugin

    assert cpro_siecle_plugin.SieclePlugin is SieclePlugin
    assert "SieclePlugin" in cpro_siecle_plugin.__all__
