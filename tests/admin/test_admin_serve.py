"""``cpro-siecle serve``: the demo platform from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from cpro_siecle_plugin import demo
from cpro_siecle_plugin.cli import main


def test_serve_runs_the_demo_and_prints_the_admin_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve`` builds the demo app, prints where and how to log in, then runs it."""
    for key in ("CPRO_SIECLE_DEMO_ADMIN", "CPRO_SIECLE_DEMO_PASSWORD", "CPRO_SIECLE_HOST"):
        monkeypatch.delenv(key, raising=False)
    real = demo.create_app
    monkeypatch.setattr(demo, "create_app", lambda: real(instance_path=str(tmp_path)))
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(Flask, "run", lambda self, **kw: calls.append(kw))
    result = CliRunner().invoke(main, ["serve", "--port", "5055"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5055/" in result.output and "admin / admin" in result.output
    assert calls and calls[0]["port"] == 5055 and calls[0]["host"] == "127.0.0.1"


def test_serve_never_prints_a_password_set_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A password chosen in the environment is not echoed."""
    monkeypatch.setenv("CPRO_SIECLE_DEMO_PASSWORD", "tres-secret")
    monkeypatch.delenv("CPRO_SIECLE_HOST", raising=False)
    real = demo.create_app
    monkeypatch.setattr(demo, "create_app", lambda: real(instance_path=str(tmp_path)))
    monkeypatch.setattr(Flask, "run", lambda self, **kw: None)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0 and "tres-secret" not in result.output
