"""Per-school access: an administrator of school A never reaches nor sees school B."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from cpro_siecle_plugin.extension import get_state
from cpro_siecle_plugin.store.tables import JobRow, PlanRow, RunRow

A, B = "0691234X", "0759999Z"
BASE = "/admin/cpro-siecle"


def header_schools() -> Any:
    """The test host's schools hook: the ``X-Test-Schools`` header (``ALL`` or UAJs)."""
    value = request.headers.get("X-Test-Schools", "")
    return "ALL" if value == "ALL" else set(filter(None, value.split(",")))


def _client(app: Flask, schools: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update(HTTP_X_TEST_ADMIN="oui", HTTP_X_TEST_SCHOOLS=schools)
    return client


def sts_b(ui) -> tuple[bytes, str]:
    """School B's STS export: the sample with another UAJ and name."""
    data = ui.STS.read_bytes().replace(A.encode(), B.encode())
    return data.replace(b"JEAN MOULIN", b"VICTOR HUGO"), f"sts_emp_{B}_2025.xml"


@pytest.fixture(scope="module")
def world(tmp_path_factory, ui_module) -> dict[str, Any]:
    """Both schools imported by the operator; B also left a job and a second preview."""
    from tests.admin.conftest import _build_app

    ui = ui_module
    app = _build_app(tmp_path_factory.mktemp("schools"), CPRO_SIECLE_SCHOOLS=header_schools)
    operator = _client(app, "ALL")
    ui.run_import(operator, app, ui.upload(operator, ui.STS_URL, {"sts": ui.STS})
                  .get_data(as_text=True))
    # A second school on the platform: its first import is confirmed as a new school.
    first, preview = (ui.upload(operator, ui.STS_URL, {"sts": sts_b(ui)}, new_school="y")
                      .get_data(as_text=True) for _ in range(2))
    b_status = ui.run_import(operator, app, first)
    ledger = get_state(app).ledger
    b_people = ledger.people(B)
    a_names = {p.username for p in ledger.people(A)}
    with ledger.sessions() as s:
        b_job = s.query(JobRow).filter(JobRow.uaj == B).first().id
    return {
        "app": app, "run": b_status["run_id"], "job": b_job, "preview": preview,
        "plan": ui.hidden(preview, "plan_id"), "person": b_people[0].key,
        "b_logins": {p.username for p in b_people} - a_names,
    }


@pytest.fixture(scope="module")
def ui_module():
    from tests.admin.conftest import UI

    return UI


def _leaks(html: str, world: dict[str, Any]) -> list[str]:
    """What of school B a page shows."""
    found = [B] if B in html else []
    found += ["VICTOR HUGO"] if "VICTOR HUGO" in html.upper() else []
    return found + [u for u in world["b_logins"] if re.search(rf">{re.escape(u)}<", html)]


def test_school_admin_gets_404_on_the_other_schools_history_row_report_and_downloads(
    world
) -> None:
    """B's report page, CSV and PDF answer 404 to A's administrator, naming nothing of B."""
    client = _client(world["app"], A)
    for suffix in ("", "/rapport.csv", "/rapport.pdf"):
        response = client.get(f"{BASE}/historique/{world['run']}{suffix}")
        assert response.status_code == 404, suffix
        assert not _leaks(response.get_data(as_text=True), world)
    assert _client(world["app"], "ALL").get(f"{BASE}/historique/{world['run']}").status_code == 200


def test_other_school_never_appears_in_the_lists(world) -> None:
    """A's history and login lists (page and PDF) hold nothing of B; the operator's hold both."""
    client, operator = _client(world["app"], A), _client(world["app"], "ALL")
    for page in ("historique/", "identifiants/"):
        html = client.get(f"{BASE}/{page}").get_data(as_text=True)
        assert not _leaks(html, world), page
        assert A in html or page == "identifiants/"
        assert _leaks(operator.get(f"{BASE}/{page}").get_data(as_text=True), world)
    pdf = client.get(f"{BASE}/identifiants/eleves.pdf")
    assert pdf.status_code == 200 and B.encode() not in pdf.data


def test_login_list_shows_one_school_at_a_time(world) -> None:
    """The operator's list shows one school, with a link to the other; A's administrator
    asking for B's list gets a 404 naming nothing of B."""
    operator = _client(world["app"], "ALL")
    first = operator.get(f"{BASE}/identifiants/").get_data(as_text=True)
    assert f"etablissement={B}" in first and not [
        u for u in world["b_logins"] if re.search(rf">{re.escape(u)}<", first)]
    second = operator.get(f"{BASE}/identifiants/?etablissement={B}").get_data(as_text=True)
    assert all(re.search(rf">{re.escape(u)}<", second) for u in world["b_logins"])
    refused = _client(world["app"], A).get(f"{BASE}/identifiants/?etablissement={B}")
    assert refused.status_code == 404 and not _leaks(refused.get_data(as_text=True), world)
    pdf = operator.get(f"{BASE}/identifiants/eleves.pdf?etablissement={B}")
    assert pdf.status_code == 200


def test_school_admin_cannot_reset_a_password_of_the_other_school(world, ui_module) -> None:
    """Resetting a password of B's account answers 404 and changes nothing on the host."""
    app = world["app"]
    client = _client(app, A)
    token = ui_module.csrf_token(client.get(ui_module.STS_URL).get_data(as_text=True))
    host = get_state(app).host
    before = host.calls.get("set_password", 0)
    response = client.post(f"{BASE}/identifiants/reinitialiser",
                           data={"csrf_token": token, "person_key": world["person"]})
    assert response.status_code == 404 and not _leaks(response.get_data(as_text=True), world)
    assert host.calls.get("set_password", 0) == before


def test_school_admin_cannot_preview_the_other_schools_files(world, ui_module) -> None:
    """B's files uploaded by A's administrator are refused (403) and no plan is stored."""
    app = world["app"]
    ledger = get_state(app).ledger
    plans = ledger.count(PlanRow)
    response = ui_module.upload(_client(app, A), ui_module.STS_URL, {"sts": sts_b(ui_module)})
    assert response.status_code == 403
    assert "Vous ne gérez pas" in response.get_data(as_text=True)
    assert ledger.count(PlanRow) == plans


def test_school_admin_cannot_download_the_other_schools_preview_csv(world) -> None:
    """B's previewed plan as CSV answers 404 to A's administrator, 200 to the operator."""
    url = f"{BASE}/import/apercu/{world['plan']}.csv"
    assert _client(world["app"], A).get(url).status_code == 404
    assert _client(world["app"], "ALL").get(url).status_code == 200


def test_school_admin_cannot_import_the_other_schools_plan(world, ui_module) -> None:
    """Confirming B's previewed plan as A's administrator is a 404; no job, no run."""
    app = world["app"]
    ledger = get_state(app).ledger
    jobs, runs = ledger.count(JobRow), ledger.count(RunRow)
    client = _client(app, A)
    page = client.get(ui_module.STS_URL).get_data(as_text=True)
    preview = world["preview"].replace(ui_module.csrf_token(world["preview"]),
                                       ui_module.csrf_token(page))
    response = ui_module.confirm(client, preview)
    assert response.status_code == 404 and not _leaks(response.get_data(as_text=True), world)
    assert (ledger.count(JobRow), ledger.count(RunRow)) == (jobs, runs)


def test_school_admin_cannot_follow_the_other_schools_import(world) -> None:
    """B's job: its status is a 404 and its progress page says it is not followed."""
    client = _client(world["app"], A)
    assert client.get(f"{BASE}/import/{world['job']}/status").status_code == 404
    page = client.get(f"{BASE}/import/{world['job']}", follow_redirects=True)
    assert not _leaks(page.get_data(as_text=True), world)


def test_no_school_hook_value_means_no_school(world) -> None:
    """A hook giving nothing usable (no UAJ) shows no school at all."""
    client = _client(world["app"], "")
    html = client.get(f"{BASE}/historique/").get_data(as_text=True)
    assert A not in html and B not in html


def _fill(rule: Any, world: dict[str, Any]) -> str:
    """The rule's URL with B's identifiers in every parameter."""
    values = {}
    for name in rule.arguments:
        if "run" in name:
            values[name] = world["run"]
        elif "job" in name:
            values[name] = world["job"]
        elif "plan" in name:
            values[name] = world["plan"]
        elif "person" in name or "key" in name:
            values[name] = world["person"]
        else:
            values[name] = B
    url = rule.rule
    for name, value in values.items():
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), url)
    return url


def test_every_plugin_url_keeps_the_other_school_out(world, ui_module) -> None:
    """Every registered plugin URL, fed B's identifiers, answers A's administrator with a
    refusal or a page holding nothing of B, and changes nothing of B.
    """
    app = world["app"]
    ledger = get_state(app).ledger
    client = _client(app, A)
    token = ui_module.csrf_token(client.get(ui_module.STS_URL).get_data(as_text=True))
    counts = (ledger.count(JobRow), ledger.count(RunRow))
    source = ledger.school(B).source
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(BASE)]
    assert len(rules) >= 8
    for rule in rules:
        url = _fill(rule, world)
        if "GET" in rule.methods:
            response = client.get(url)
            assert response.status_code in (200, 302, 403, 404), url
            assert not _leaks(response.data.decode("utf-8", "replace"), world), url
        if "POST" in rule.methods:
            response = client.post(url, data={
                "csrf_token": token, "person_key": world["person"], "plan_id": world["plan"],
                "checksum": ui_module.hidden(world["preview"], "checksum"), "uaj": B,
                "source": "hors-siecle", "confirm": "y"})
            assert response.status_code in (302, 400, 403, 404, 422), url
            assert not _leaks(response.data.decode("utf-8", "replace"), world), url
    assert (ledger.count(JobRow), ledger.count(RunRow)) == counts
    assert ledger.school(B).source == source


def test_other_schools_import_lock_is_neither_shown_nor_released(world, ui_module) -> None:
    """B's stale import lock is not listed for A's administrator, whose release of it is a
    404 that keeps it; the operator sees it and releases it."""
    ledger = get_state(world["app"]).ledger
    ledger.acquire_lock(B, "bob")
    client, operator = _client(world["app"], A), _client(world["app"], "ALL")
    page = client.get(f"{BASE}/historique/").get_data(as_text=True)
    assert "verrou pris par bob" not in page and not _leaks(page, world)
    token = ui_module.csrf_token(client.get(ui_module.STS_URL).get_data(as_text=True))
    refused = client.post(f"{BASE}/historique/verrou", data={
        "csrf_token": token, "uaj": B, "confirm": "y"})
    assert refused.status_code == 404 and not _leaks(refused.get_data(as_text=True), world)
    assert [lock.uaj for lock in ledger.locks()] == [B]
    page = operator.get(f"{BASE}/historique/").get_data(as_text=True)
    assert "verrou pris par bob" in page
    done = operator.post(f"{BASE}/historique/verrou", data={
        "csrf_token": ui_module.csrf_token(page), "uaj": B, "confirm": "y"})
    assert done.status_code == 302 and ledger.locks() == []
