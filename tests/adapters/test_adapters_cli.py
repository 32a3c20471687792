"""``cpro-siecle check-host`` prints the preflight in French, with its exit code."""

from __future__ import annotations

from click.testing import CliRunner

from cpro_siecle_plugin.cli import main

MOODLE_ENV = {"CPRO_SIECLE_MOODLE_URL": "https://moodle.example.org",
              "CPRO_SIECLE_MOODLE_TOKEN": "s3cr3t-t0ken", "CPRO_SIECLE_MOODLE_PARENT_ROLE": "9"}


def test_embedded_host_is_ready(tmp_path):
    """The embedded host passes its check; exit code 0."""
    env = {"CPRO_SIECLE_EMBEDDED_HOST_URL": f"sqlite:///{tmp_path / 'h.sqlite3'}"}
    result = CliRunner().invoke(main, ["check-host", "--host", "embedded"], env=env)
    assert result.exit_code == 0, result.output
    assert "[OK] joignable" in result.output and "prête pour l'importation" in result.output


def test_moodle_check_lists_every_point(moodle):
    """Each Moodle check is printed with its status; the token never is."""
    result = CliRunner().invoke(main, ["check-host", "--host", "moodle"], env=MOODLE_ENV)
    assert result.exit_code == 0, result.output
    for name in ("joignable", "jeton", "fonctions", "rôle parent", "mots de passe"):
        assert f"[OK] {name} :" in result.output
    assert "s3cr3t-t0ken" not in result.output


def test_moodle_not_ready_exits_1_with_the_failure(moodle):
    """A refused token prints the failure and exits 1."""
    moodle.fake.token = "other"
    result = CliRunner().invoke(main, ["check-host", "--host", "moodle"], env=MOODLE_ENV)
    assert result.exit_code == 1
    assert "[ÉCHEC] jeton" in result.output and "non prête" in result.output


def test_moodle_without_token_is_refused_by_name():
    """Missing settings are named, without a traceback; exit code 2."""
    env = {"CPRO_SIECLE_MOODLE_URL": "https://moodle.example.org", "CPRO_SIECLE_MOODLE_TOKEN": ""}
    result = CliRunner().invoke(main, ["check-host", "--host", "moodle"], env=env)
    assert result.exit_code == 2 and "CPRO_SIECLE_MOODLE_TOKEN" in result.output
