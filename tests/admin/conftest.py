"""Fixtures of the admin tests: a host app with the plugin mounted, clients, form helpers."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from flask_admin import Admin
from jinja2 import StrictUndefined

from cpro_siecle_plugin.extension import SieclePlugin, get_state
from tests.doubles.memory_host import MemoryHost

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
STS = SAMPLES / "sts_emp_0691234X_2025.xml"
ELEVES = SAMPLES / "ElevesSansAdresses.xml"
RESPONSABLES = SAMPLES / "ResponsablesAvecAdresses.xml"

BASE = "/admin/cpro-siecle"
STS_URL = f"{BASE}/enseignants/"
STUDENTS_URL = f"{BASE}/apprenants/"
IMPORT_URL = f"{BASE}/import/"
HISTORY_URL = f"{BASE}/historique/"
LOGINS_URL = f"{BASE}/identifiants/"
ADMIN_HEADERS = {"X-Test-Admin": "oui"}


def header_admin() -> bool:
    """The test host's administrator check: a request header."""
    return request.headers.get("X-Test-Admin") == "oui"


def _build_app(
    tmp_path: Path, hook: Callable[[], bool] | None = header_admin, **config: Any
) -> Flask:
    """A host platform with its own Flask-Admin and the plugin mounted.

    The host is the in-process test double unless ``CPRO_SIECLE_HOST`` is given (a real
    host, built from the settings as in production).
    """
    app = Flask("host_platform")
    app.config.update(
        SECRET_KEY="test",
        WTF_CSRF_ENABLED=True,
        TESTING=True,
        CPRO_SIECLE_SECRET="s3cret",
        CPRO_SIECLE_DATABASE_URL=f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        **config,
    )
    app.jinja_env.undefined = StrictUndefined
    admin = Admin(app, name="Plateforme")
    host = None if "CPRO_SIECLE_HOST" in config else MemoryHost()
    SieclePlugin(app, admin, is_admin=hook, host=host)
    return app


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    """Factory of host apps: ``make_app(hook=..., **config)``."""
    return lambda hook=header_admin, **config: _build_app(tmp_path, hook, **config)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client the host does not consider an administrator."""
    return app.test_client()


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    """A client the host considers an administrator."""
    client = app.test_client()
    client.environ_base["HTTP_X_TEST_ADMIN"] = "oui"
    return client


class UI:
    """Page addresses and form helpers of the admin tests (the ``ui`` fixture)."""

    STS = STS
    ELEVES = ELEVES
    RESPONSABLES = RESPONSABLES
    SAMPLES = SAMPLES
    STS_URL = STS_URL
    STUDENTS_URL = STUDENTS_URL
    IMPORT_URL = IMPORT_URL
    HISTORY_URL = HISTORY_URL
    LOGINS_URL = LOGINS_URL
    ADMIN_HEADERS = ADMIN_HEADERS

    @staticmethod
    def csrf_token(html: str) -> str:
        """The CSRF token of the first form of a page."""
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        assert found, "no CSRF token in the page"
        return found.group(1)

    @staticmethod
    def hidden(html: str, name: str) -> str:
        """The value of a hidden field of a page."""
        found = re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
        assert found, f"no hidden field {name}"
        return found.group(1)

    @staticmethod
    def upload(client: FlaskClient, url: str, files: Mapping[str, Path | tuple[bytes, str]],
               **fields: str) -> Any:
        """Open ``url``, then post ``files`` (field → path, or (content, name)) with its token
        and the other form ``fields`` (e.g. ``new_school="y"``)."""
        data: dict[str, Any] = {"csrf_token": UI.csrf_token(client.get(url).get_data(as_text=True)),
                                **fields}
        for field, value in files.items():
            if isinstance(value, Path):
                data[field] = (io.BytesIO(value.read_bytes()), value.name)
            else:
                data[field] = (io.BytesIO(value[0]), value[1])
        return client.post(url, data=data, content_type="multipart/form-data")

    @staticmethod
    def confirm(
        client: FlaskClient, preview_html: str, force: bool = False, checksum: str | None = None
    ) -> Any:
        """Post the preview's import form (optionally with another checksum)."""
        data = {
            "csrf_token": UI.csrf_token(preview_html),
            "plan_id": UI.hidden(preview_html, "plan_id"),
            "checksum": checksum or UI.hidden(preview_html, "checksum"),
        }
        if force:
            data["force"] = "y"
        return client.post(IMPORT_URL, data=data)

    @staticmethod
    def run_import(client: FlaskClient, app: Flask, preview_html: str, force: bool = False) -> Any:
        """Confirm the preview, wait for the background job, and return its final status."""
        response = UI.confirm(client, preview_html, force)
        assert response.status_code == 302, response.get_data(as_text=True)
        job_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        job = get_state(app).jobs.wait(job_id, 60)
        status = job.to_data() if job else None
        assert status and status["state"] == "done", status
        return status


@pytest.fixture
def ui() -> type[UI]:
    return UI


@pytest.fixture
def imported(admin_client: FlaskClient, app: Flask, ui: type[UI]) -> None:
    """The three sample exports imported (STS first)."""
    sts = ui.upload(admin_client, ui.STS_URL, {"sts": ui.STS}).get_data(as_text=True)
    ui.run_import(admin_client, app, sts)
    files = {"eleves": ui.ELEVES, "responsables": ui.RESPONSABLES}
    ui.run_import(
        admin_client, app, ui.upload(admin_client, ui.STUDENTS_URL, files).get_data(as_text=True)
    )
