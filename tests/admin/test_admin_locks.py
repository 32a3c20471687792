"""« Historique » shows the import locks; the admin releases one with a confirmation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from cpro_siecle_plugin.extension import get_state
from cpro_siecle_plugin.store.faults import ledger_error
from cpro_siecle_plugin.store.journal import now
from cpro_siecle_plugin.store.tables import LockRow
from cpro_siecle_plugin.sync.plan import Plan

from .conftest import UI

UAJ = "0691234X"


def _dead_import(app: Flask) -> int:
    """A lock and a running run left by an import whose machine went silent 10 min ago."""
    ledger = get_state(app).ledger
    ledger.acquire_lock(UAJ, "alice")
    plan_id = ledger.save_plan(Plan((), {"uaj": UAJ, "today": "2025-09-15"}), "alice")
    run_id = ledger.start_run(plan_id, "alice")
    with ledger.sessions.begin() as s:
        s.execute(update(LockRow).values(heartbeat=now() - timedelta(minutes=10),
                                         process="srv2|0123456789abcdef|77|5"))
    return run_id


def test_history_shows_a_stale_lock_and_releases_it_once_confirmed(
    app: Flask, admin_client: FlaskClient, ui: UI
) -> None:
    run_id = _dead_import(app)
    page = admin_client.get(ui.HISTORY_URL).get_data(as_text=True)
    assert "Verrous d'importation" in page and "verrou pris par alice" in page
    assert "abandonné" in page and "machine srv2, processus n° 77" in page
    token = ui.csrf_token(page)
    unconfirmed = admin_client.post(f"{ui.HISTORY_URL}verrou", data={
        "csrf_token": token, "uaj": UAJ}, follow_redirects=True).get_data(as_text=True)
    assert "Cochez la case de confirmation" in unconfirmed
    assert get_state(app).ledger.locks()
    done = admin_client.post(f"{ui.HISTORY_URL}verrou", data={
        "csrf_token": token, "uaj": UAJ, "confirm": "y"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Verrou d&#39;importation de l&#39;établissement 0691234X levé" in text
    assert get_state(app).ledger.locks() == []
    assert get_state(app).ledger.run(run_id).result == "interrupted"
    assert "Verrous d'importation" not in admin_client.get(ui.HISTORY_URL).get_data(as_text=True)


def test_lock_release_needs_the_csrf_token_and_an_admin(
    app: Flask, admin_client: FlaskClient, client: FlaskClient, ui: UI
) -> None:
    _dead_import(app)
    data = {"uaj": UAJ, "confirm": "y"}
    assert admin_client.post(f"{ui.HISTORY_URL}verrou", data=data).status_code == 400
    assert client.post(f"{ui.HISTORY_URL}verrou", data=data).status_code == 403
    assert len(get_state(app).ledger.locks()) == 1


def test_live_lock_is_shown_as_active_with_a_warning(
    app: Flask, admin_client: FlaskClient, ui: UI
) -> None:
    with get_state(app).ledger.lock(UAJ, "alice"):
        page = admin_client.get(ui.HISTORY_URL).get_data(as_text=True)
    assert "actif (dernier signe de vie il y a" in page
    assert "Ne le levez que si vous êtes sûr" in page


def test_a_ledger_fault_is_a_french_page_not_a_500(
    app: Flask, admin_client: FlaskClient, ui: UI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: object, **_kwargs: object) -> None:
        raise ledger_error("full", "registre.sqlite3")

    monkeypatch.setattr(get_state(app).ledger, "history", full)
    page = admin_client.get(ui.HISTORY_URL)
    text = page.get_data(as_text=True)
    assert page.status_code == 503 and "Registre des importations indisponible" in text
    assert "le disque est plein" in text and "Traceback" not in text
