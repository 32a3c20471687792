"""The demo platform: an administrator login in front of the plugin's pages."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import StrictUndefined

from cpro_siecle_plugin.adapters.base import NewUser
from cpro_siecle_plugin.demo import create_app


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("CPRO_SIECLE_DEMO_ADMIN", "direction")
    monkeypatch.setenv("CPRO_SIECLE_DEMO_PASSWORD", "m0t-de-passe")
    monkeypatch.delenv("CPRO_SIECLE_HOST", raising=False)
    app = create_app(instance_path=str(tmp_path / "instance"))
    app.jinja_env.undefined = StrictUndefined
    return app


def _login(client, username: str, password: str):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )


def test_demo_pages_need_the_admin_login(demo: Flask) -> None:
    """Before logging in, the admin home redirects to the login and the plugin says 403."""
    client = demo.test_client()
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/cpro-siecle/enseignants/").status_code == 403


def test_wrong_password_is_refused(demo: Flask) -> None:
    """A wrong password shows a French message and opens nothing."""
    client = demo.test_client()
    assert "incorrect" in _login(client, "direction", "admin").get_data(as_text=True)
    assert client.get("/admin/cpro-siecle/enseignants/").status_code == 403


def test_admin_from_environment_reaches_the_plugin(demo: Flask) -> None:
    """The administrator set in the environment logs in and sees the import pages."""
    client = demo.test_client()
    assert _login(client, "direction", "m0t-de-passe").status_code == 302
    home = client.get("/admin/").get_data(as_text=True)
    assert "Importation SIECLE" in home and "Comptes de la plateforme (0)" in home
    assert client.get("/admin/cpro-siecle/enseignants/").status_code == 200


def test_demo_keeps_its_files_in_the_instance_folder(demo: Flask, tmp_path: Path) -> None:
    """Ledger, host accounts and secrets live in the instance folder."""
    names = {p.name for p in (tmp_path / "instance").iterdir()}
    assert {"cpro_siecle_ledger.sqlite3", "secret_key", "cpro_siecle_secret"} <= names
    assert demo.extensions["cpro_siecle"].settings.host == "embedded"


def test_home_page_tries_a_platform_account(demo: Flask) -> None:
    """An initial password from the report opens the account, with a forced change."""
    client = demo.test_client()
    _login(client, "direction", "m0t-de-passe")
    host = demo.extensions["cpro_siecle"].host
    host.create_users([NewUser("cpro:x", "lea.martin", "01022009", "Léa", "MARTIN")])
    page = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/admin/", data={"csrf_token": token, "username": "lea.martin", "password": "01022009"}
    ).get_data(as_text=True)
    assert "Connexion réussie" in answer and "changer le mot de passe" in answer
    wrong = client.post(
        "/admin/", data={"csrf_token": token, "username": "lea.martin", "password": "x"}
    ).get_data(as_text=True)
    assert "incorrect" in wrong


def test_demo_home_names_the_host_in_french(demo: Flask) -> None:
    """The home page names the host in French, not by its code name « embedded »."""
    client = demo.test_client()
    _login(client, "direction", "m0t-de-passe")
    home = client.get("/admin/").get_data(as_text=True)
    assert "Comptes créés sur : plateforme de démonstration." in home
    assert "embedded" not in home


def test_demo_referent_manages_one_school_only(demo: Flask, monkeypatch) -> None:
    """The demo's school referent is kept to their school: another school's files are
    refused, while the operator may import them.
    """
    monkeypatch.setenv("CPRO_SIECLE_DEMO_REFERENT_SCHOOL", "0759999Z")
    sts = Path(__file__).resolve().parents[2] / ".." / "shared" / "siecle-samples"
    data = (sts / "sts_emp_0691234X_2025.xml").read_bytes()
    referent, operator = demo.test_client(), demo.test_client()
    assert _login(referent, "referent", "referent").status_code == 302
    assert _login(operator, "direction", "m0t-de-passe").status_code == 302
    for client, expected in ((referent, 403), (operator, 200)):
        page = client.get("/admin/cpro-siecle/enseignants/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/admin/cpro-siecle/enseignants/", data={
            "csrf_token": token, "sts": (io.BytesIO(data), "sts_emp_0691234X_2025.xml")},
            content_type="multipart/form-data")
        assert response.status_code == expected
