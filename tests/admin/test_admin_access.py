"""Only the host's administrators get in; every form needs its CSRF token."""

from __future__ import annotations

import pytest

BASE = "/admin/cpro-siecle"
STS_URL, STUDENTS_URL = f"{BASE}/enseignants/", f"{BASE}/apprenants/"
IMPORT_URL, HISTORY_URL, LOGINS_URL = (
    f"{BASE}/import/",
    f"{BASE}/historique/",
    f"{BASE}/identifiants/",
)

PAGES = [
    STS_URL,
    STUDENTS_URL,
    f"{IMPORT_URL}abc",
    f"{IMPORT_URL}abc/status",
    HISTORY_URL,
    f"{HISTORY_URL}1",
    f"{HISTORY_URL}1/rapport.csv",
    f"{HISTORY_URL}1/rapport.pdf",
    LOGINS_URL,
    f"{LOGINS_URL}eleves.pdf",
]
POSTS = [STS_URL, STUDENTS_URL, IMPORT_URL, f"{LOGINS_URL}reinitialiser"]


@pytest.mark.parametrize("url", PAGES)
def test_non_admin_gets_403_on_every_page(client, url: str) -> None:
    """A user the host does not call an administrator gets 403 on every page."""
    response = client.get(url)
    assert response.status_code == 403
    assert "réservé aux administrateurs" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", POSTS)
def test_non_admin_gets_403_on_every_form(client, url: str) -> None:
    """A non-administrator cannot post any form either."""
    assert client.post(url, data={}).status_code == 403


def test_access_is_closed_without_a_hook(make_app) -> None:
    """With no administrator hook configured, nobody gets in."""
    client = make_app(hook=None).test_client()
    assert client.get(STS_URL, headers={"X-Test-Admin": "oui"}).status_code == 403


def test_config_key_hook_opens_access(make_app) -> None:
    """``CPRO_SIECLE_IS_ADMIN`` in the config is the administrator check."""
    app = make_app(hook=None, CPRO_SIECLE_IS_ADMIN=lambda: True)
    assert app.test_client().get(STS_URL).status_code == 200


def test_decorator_hook_opens_access(make_app) -> None:
    """``@plugin.is_admin`` registers the administrator check, even after init_app."""
    app = make_app(hook=None)
    client = app.test_client()
    assert client.get(STS_URL).status_code == 403
    app.extensions["cpro_siecle"].plugin.is_admin(lambda: True)
    assert client.get(STS_URL).status_code == 200


def test_menu_lists_teachers_first(admin_client) -> None:
    """The menu category holds the pages, the teachers' import first."""
    html = admin_client.get(STS_URL).get_data(as_text=True)
    assert "Importation SIECLE" in html
    assert html.index("Importation des enseignants") < html.index("Importation des apprenants")
    assert "toujours en premier" in html


@pytest.mark.parametrize("url", POSTS)
def test_post_without_csrf_token_gets_400(admin_client, url: str) -> None:
    """Every form refuses a POST without its CSRF token."""
    assert admin_client.post(url, data={}).status_code == 400


def test_refusal_pages_are_in_french(client, admin_client) -> None:
    """403, 400 and 404 pages carry a French title, never Werkzeug's English one."""
    pages = {
        "Accès refusé": client.get(STS_URL),
        "Requête refusée": admin_client.post(STS_URL, data={}),
        "Page introuvable": admin_client.get(f"{HISTORY_URL}999"),
    }
    for title, response in pages.items():
        html = response.get_data(as_text=True)
        assert f"<title>{title}</title>" in html
        assert '<html lang="fr">' in html
        for english in ("Forbidden", "Bad Request", "Not Found"):
            assert english not in html


def test_bare_addresses_lead_somewhere_for_admins(admin_client, client) -> None:
    """/cpro-siecle/ leads to step 1 and a GET on /import/ to the history; others get 403."""
    entry = admin_client.get(f"{BASE}/")
    assert entry.status_code == 302 and entry.headers["Location"].endswith(STS_URL)
    bookmark = admin_client.get(IMPORT_URL)
    assert bookmark.status_code == 302 and bookmark.headers["Location"].endswith(HISTORY_URL)
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(IMPORT_URL).status_code == 403
