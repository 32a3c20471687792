"""make_host builds the host named by the settings."""

from __future__ import annotations

import pytest

from cpro_siecle_plugin.adapters.embedded import EmbeddedHost
from cpro_siecle_plugin.adapters.factory import make_host
from cpro_siecle_plugin.adapters.moodle import MoodleHost
from cpro_siecle_plugin.config import Settings, settings_from_mapping
from cpro_siecle_plugin.errors import ConfigError


def test_embedded_host_uses_its_own_database(tmp_path):
    """The default host is the embedded one, on the configured SQLAlchemy URL."""
    url = f"sqlite:///{tmp_path / 'host.sqlite3'}"
    host = make_host(settings_from_mapping({"CPRO_SIECLE_EMBEDDED_HOST_URL": url}, {}))
    assert isinstance(host, EmbeddedHost) and (tmp_path / "host.sqlite3").exists()


def test_moodle_host_takes_url_token_and_options_from_the_environment():
    """URL, token, batch size, role and timeout come from CPRO_SIECLE_* keys."""
    env = {"CPRO_SIECLE_HOST": "moodle", "CPRO_SIECLE_MOODLE_URL": "https://m.example.org/",
           "CPRO_SIECLE_MOODLE_TOKEN": "tok-123", "CPRO_SIECLE_BATCH_SIZE": "20",
           "CPRO_SIECLE_MOODLE_PARENT_ROLE": "9", "CPRO_SIECLE_MOODLE_TIMEOUT": "5"}
    host = make_host(settings_from_mapping({}, env))
    assert isinstance(host, MoodleHost)
    assert (host.batch_size, host.role_id, host.rest.timeout) == (20, 9, 5.0)
    assert host.rest.url == "https://m.example.org/webservice/rest/server.php"
    assert "tok-123" not in repr(host)


def test_test_doubles_are_not_selectable_and_unknown_host():
    """Only real hosts are selectable: ``memory`` (a test double) and unknown names are refused."""
    with pytest.raises(ConfigError, match="inconnu"):
        make_host(Settings(host="memory"))
    with pytest.raises(ConfigError, match="inconnu"):
        settings_from_mapping({"CPRO_SIECLE_HOST": "memory"}, {})
    with pytest.raises(ConfigError, match="inconnu"):
        make_host(Settings(host="ftp"))
    with pytest.raises(ConfigError, match="MOODLE_TOKEN"):
        make_host(Settings(host="moodle", moodle_url="https://m.example.org"))
