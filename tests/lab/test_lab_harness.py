"""How the tests find a test Moodle, and what they say when there is none."""

from __future__ import annotations

from pathlib import Path

from tests.lab import DEFAULT_ENV, HOW_TO, Lab, read_env_file


def test_no_test_moodle_is_none_and_the_reason_says_how_to_point_at_one(tmp_path: Path):
    """Without URL/token nor env file there is no lab; the skip reason names the settings."""
    assert Lab.locate({"CPRO_SIECLE_TEST_MOODLE_ENV": str(tmp_path / "absent")}) is None
    for hint in ("setup.sh", "CPRO_SIECLE_TEST_MOODLE_ENV", "CPRO_SIECLE_TEST_MOODLE_URL",
                 "CPRO_SIECLE_TEST_MOODLE_TOKEN", DEFAULT_ENV):
        assert hint in HOW_TO


def test_lab_is_read_from_its_env_file(tmp_path: Path):
    """The lab's env file (export lines, quoted) gives URL, tokens, database and folder."""
    env = tmp_path / "env"
    env.write_text("# lab\nexport CPRO_SIECLE_MOODLE_URL='http://127.0.0.1:8765'\n"
                   "export CPRO_SIECLE_MOODLE_TOKEN='t1'\nexport CPRO_SIECLE_MOODLE_ADMIN_TOKEN="
                   "'t2'\nexport CPRO_SIECLE_MOODLE_PARENT_ROLE='9'\n"
                   "export CPRO_MOODLE_DB_URL='postgresql://u:p@127.0.0.1:5432/m'\n"
                   "export CPRO_MOODLE_DIR='/var/tmp/lab'\n", encoding="utf-8")
    assert read_env_file(env)["CPRO_SIECLE_MOODLE_TOKEN"] == "t1"
    lab = Lab.locate({"CPRO_SIECLE_TEST_MOODLE_ENV": str(env)})
    assert lab is not None
    assert (lab.url, lab.token, lab.admin_token, lab.folder) == (
        "http://127.0.0.1:8765", "t1", "t2", "/var/tmp/lab")
    assert lab.db_url.startswith("postgresql://")


def test_own_test_moodle_by_url_and_token_wins_over_the_env_file(tmp_path: Path):
    """A user's own test Moodle is named by URL and token (the env file is then ignored)."""
    lab = Lab.locate({"CPRO_SIECLE_TEST_MOODLE_URL": "https://test.example.org",
                      "CPRO_SIECLE_TEST_MOODLE_TOKEN": "abc",
                      "CPRO_SIECLE_TEST_MOODLE_ENV": str(tmp_path / "absent")})
    assert lab is not None and (lab.url, lab.token, lab.db_url) == (
        "https://test.example.org", "abc", "")
