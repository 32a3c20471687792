"""Web hardening: bad ids give the French 404, no page can be framed, Lax cookies, and the
demo's logout and login throttle."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cpro_siecle_plugin.demo import THROTTLE_LIMIT, create_app


def _framing_forbidden(response: Any) -> bool:
    policy = response.headers.get("Content-Security-Policy", "")
    return (response.headers.get("X-Frame-Options") == "DENY"
            and "frame-ancestors 'none'" in policy)


@pytest.mark.parametrize("path", ["/historique/99999999999999999999999",
                                  "/historique/99999999999999999999999/rapport.pdf",
                                  "/historique/0"])
def test_bad_run_ids_give_the_french_404(admin_client: FlaskClient, ui: Any, path: str) -> None:
    """An id too large for the ledger is « introuvable », never an English 500."""
    response = admin_client.get("/admin/cpro-siecle" + path)
    assert response.status_code == 404
    assert "Importation introuvable" in response.get_data(as_text=True)


@pytest.mark.parametrize("plan_id", ["²", "99999999999999999999999", "-1", "1e3", ""])
def test_bad_plan_ids_give_the_french_404(admin_client: FlaskClient, ui: Any,
                                          plan_id: str) -> None:
    """A forged ``plan_id`` on the import form: the French 404."""
    token = ui.csrf_token(admin_client.get(ui.STS_URL).get_data(as_text=True))
    response = admin_client.post(ui.IMPORT_URL, data={"csrf_token": token, "plan_id": plan_id,
                                                      "checksum": "0" * 64})
    assert response.status_code == 404, response.get_data(as_text=True)
    assert "Cet aperçu n&#39;existe plus" in response.get_data(as_text=True)


def test_every_plugin_page_forbids_framing(admin_client: FlaskClient, ui: Any) -> None:
    """X-Frame-Options DENY and CSP frame-ancestors 'none' on the plugin's pages, errors too."""
    for url in (ui.STS_URL, ui.STUDENTS_URL, ui.HISTORY_URL, ui.LOGINS_URL,
                ui.HISTORY_URL + "123456"):
        assert _framing_forbidden(admin_client.get(url)), url


def test_the_plugin_gives_lax_cookies_by_default(app: Flask) -> None:
    """A host app that set no SameSite policy gets Lax."""
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("CPRO_SIECLE_DEMO_ADMIN", "direction")
    monkeypatch.setenv("CPRO_SIECLE_DEMO_PASSWORD", "m0t-de-passe")
    monkeypatch.delenv("CPRO_SIECLE_HOST", raising=False)
    return create_app(instance_path=str(tmp_path / "instance"))


def _login(client: FlaskClient, password: str = "m0t-de-passe") -> Any:
    page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found
    return client.post("/login", data={"csrf_token": found.group(1), "username": "direction",
                                       "password": password})


def test_demo_cookie_is_lax_and_pages_cannot_be_framed(demo: Flask) -> None:
    """The session cookie says SameSite=Lax; the demo's own pages forbid framing too."""
    client = demo.test_client()
    response = _login(client)
    assert "SameSite=Lax" in response.headers.get("Set-Cookie", "")
    assert _framing_forbidden(client.get("/login")) and _framing_forbidden(client.get("/admin/"))


def test_demo_logout_invalidates_a_copied_session(demo: Flask) -> None:
    """A session cookie copied before logout no longer opens the pages after it."""
    client = demo.test_client()
    assert _login(client).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None and client.get("/admin/").status_code == 200
    client.get("/logout")
    thief = demo.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/admin/").status_code == 302
    assert thief.get("/admin/cpro-siecle/enseignants/").status_code == 403


def test_demo_login_is_throttled_in_french(demo: Flask) -> None:
    """After a few wrong passwords, even the right one waits, with a French message."""
    client = demo.test_client()
    for _ in range(THROTTLE_LIMIT):
        assert _login(client, "faux").status_code == 200
    held = _login(client)
    assert held.status_code == 429
    assert "Trop de tentatives de connexion" in held.get_data(as_text=True)
    assert demo.test_client().get("/admin/").status_code == 302
