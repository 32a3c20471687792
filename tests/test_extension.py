"""The Flask extension: configuration, state per app, one registration per app."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_admin import Admin

from cpro_siecle_plugin.errors import ConfigError
from cpro_siecle_plugin.extension import SieclePlugin, get_state


def _app(tmp_path: Path, name: str = "host", **config: object) -> Flask:
    app = Flask(name)
    app.config.update(
        SECRET_KEY="x",
        CPRO_SIECLE_DATABASE_URL=f"sqlite:///{tmp_path / (name + '.sqlite3')}",
        CPRO_SIECLE_EMBEDDED_HOST_URL=f"sqlite:///{tmp_path / (name + '-host.sqlite3')}",
    )
    app.config.update(config)
    return app


def test_second_registration_raises(tmp_path: Path) -> None:
    """Registering the plugin twice on one app is a clear RuntimeError."""
    app = _app(tmp_path)
    admin = Admin(app)
    plugin = SieclePlugin(app, admin)
    with pytest.raises(RuntimeError, match="déjà enregistré"):
        plugin.init_app(app, admin)


def test_one_plugin_serves_several_apps(tmp_path: Path) -> None:
    """Two apps in one process each get their own state, settings and views."""
    plugin = SieclePlugin()
    first, second = _app(tmp_path, "one"), _app(tmp_path, "two", CPRO_SIECLE_BATCH_SIZE=7)
    plugin.init_app(first, Admin(first))
    plugin.init_app(second, Admin(second))
    assert get_state(first) is not get_state(second)
    assert get_state(first).settings.batch_size == 0
    assert get_state(second).settings.batch_size == 7
    assert not hasattr(plugin, "app")


def test_config_keys_get_defaults_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Missing keys are set from the environment when there, else from the defaults."""
    monkeypatch.setenv("CPRO_SIECLE_BRAKE_SHARE", "0.5")
    app = _app(tmp_path)
    SieclePlugin(app, Admin(app))
    assert app.config["CPRO_SIECLE_MAX_UPLOAD_BYTES"] == 100 * 1024 * 1024
    assert get_state(app).settings.brake_share == 0.5


def test_moodle_without_token_fails_at_start_up(tmp_path: Path) -> None:
    """A Moodle host without URL or token fails when the app starts, naming the key."""
    app = _app(tmp_path, CPRO_SIECLE_HOST="moodle", CPRO_SIECLE_MOODLE_URL="https://m.example")
    with pytest.raises(ConfigError, match="CPRO_SIECLE_MOODLE_TOKEN"):
        SieclePlugin(app, Admin(app))


def test_plugin_needs_an_admin(tmp_path: Path) -> None:
    """Without a Flask-Admin to mount into, the error says what to pass."""
    with pytest.raises(RuntimeError, match="Flask-Admin"):
        SieclePlugin(_app(tmp_path))


def test_plugin_uses_the_app_admin_when_not_given(tmp_path: Path) -> None:
    """The app's registered Flask-Admin is used when none is passed."""
    app = _app(tmp_path)
    admin = Admin(app)
    SieclePlugin(app)
    assert any(v.endpoint == "cpro_siecle_sts" for v in admin._views)


def test_state_repr_hides_the_secrets(tmp_path: Path) -> None:
    """The plugin's state never shows the host token or the secret in its repr."""
    app = _app(tmp_path, CPRO_SIECLE_MOODLE_TOKEN="tok-123456", CPRO_SIECLE_SECRET="sel-987654")
    SieclePlugin(app, Admin(app))
    text = repr(get_state(app))
    assert "tok-123456" not in text and "sel-987654" not in text

