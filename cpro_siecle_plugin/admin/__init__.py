"""The « Importation SIECLE » pages mounted into the host's Flask-Admin (see ``extension``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_admin import BaseView

from ..messages import MENU
from .history_views import HistoryView, LoginsView
from .sheets_views import SheetsUploadView
from .views import EntryView, ImportView, StudentsUploadView, UploadView

if TYPE_CHECKING:
    from .state import PluginState

__all__ = ["make_views"]


def make_views(state: PluginState) -> list[BaseView]:
    """One fresh set of views for one app, in menu order (teachers first)."""
    return [
        UploadView(state, MENU["sts"], "cpro_siecle_sts", "cpro-siecle/enseignants"),
        StudentsUploadView(
            state, MENU["students"], "cpro_siecle_students", "cpro-siecle/apprenants"
        ),
        ImportView(state, "Importation", "cpro_siecle_import", "cpro-siecle/import", visible=False),
        SheetsUploadView(state, MENU["sheets"], "cpro_siecle_sheets", "cpro-siecle/hors-siecle"),
        HistoryView(state, MENU["history"], "cpro_siecle_history", "cpro-siecle/historique"),
        LoginsView(state, MENU["logins"], "cpro_siecle_logins", "cpro-siecle/identifiants"),
        EntryView(state, "Importation SIECLE", "cpro_siecle_entry", "cpro-siecle", visible=False),
    ]
