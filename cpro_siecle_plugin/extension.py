"""The Flask extension: mounts the « Importation SIECLE » pages into a host's Flask-Admin.

Usage, in the host platform::

    from flask_admin import Admin
    from cpro_siecle_plugin import SieclePlugin

    admin = Admin(app)
    plugin = SieclePlugin(app, admin, is_admin=lambda: current_user.is_admin)

or, with an application factory::

    plugin = SieclePlugin()
    plugin.init_app(app, admin)

Configuration: every ``CPRO_SIECLE_*`` key of :data:`cpro_siecle_plugin.config.DEFAULTS`
(host kind and connection, ledger URL, thresholds, size limits). ``init_app`` sets each
missing key with ``setdefault`` — from the environment when the variable is set there (so
the Moodle token can stay out of files), else from the default — and builds the frozen
``Settings`` once. A missing or invalid key fails at start-up with a ``ConfigError``.

Access control — **closed by default**. The plugin does not know the host's users; the host
says who its administrators are with a callable taking no argument and returning ``True``
for an administrator of the current request. Give it in one of three ways (the first found
wins, checked at each request):

1. the config key ``CPRO_SIECLE_IS_ADMIN`` (a callable);
2. ``SieclePlugin(..., is_admin=callable)``;
3. the decorator ``@plugin.is_admin``.

Without a hook, or when it returns a falsy value, every page answers 403.

Per-school access: on a platform serving several schools, the host also says which schools
(UAJ/RNE) the current administrator manages, with a callable returning an iterable of UAJs
(``{"0691234X"}``) or :data:`~cpro_siecle_plugin.domain.ALL_SCHOOLS` (``"ALL"``, the
platform's operator) — the config key ``CPRO_SIECLE_SCHOOLS``, ``SieclePlugin(...,
schools=callable)`` or the decorator ``@plugin.schools``. Every page, history row, report,
CSV/PDF, login list, password reset, preview and import is then limited to those schools:
another school's files are refused (403) before anything of it is read, its runs, jobs,
plans and accounts answer 404 as if they did not exist, and it never appears in a list. A
hook returning nothing usable (``None``, an empty set) gives no school at all; without a
schools hook, an administrator manages every school (a one-school platform needs nothing).
Likewise ``CPRO_SIECLE_USER_NAME`` (or ``user_name=``) gives the administrator's name kept
in the import history. ``CPRO_SIECLE_TIMEZONE`` (default ``Europe/Paris``) is the time zone
the pages show times in (the ledger keeps UTC).

Uploads: the largest request body accepted by the plugin's pages is
``CPRO_SIECLE_MAX_UPLOAD_BYTES`` (100 MB by default), set per request, so the host's own
``MAX_CONTENT_LENGTH`` is left untouched.

Imports: the pages never run an import; they record a job in the ledger and hand it to a
runner — a thread of the web process by default (``CPRO_SIECLE_RUNNER=thread``: the demo,
tests, a single web process), or Celery workers (``CPRO_SIECLE_RUNNER=celery`` with
``CPRO_SIECLE_CELERY_BROKER_URL``; worker command in :mod:`cpro_siecle_plugin.worker`), or
the ``runner=`` given here. Progress and results are read from the ledger, so every web
worker shows the same.

State: ``app.extensions["cpro_siecle"]`` holds a :class:`PluginState` (settings, ledger,
host, service, job runner). The extension never keeps a reference to an app, so one plugin
object may serve several apps of a process; registering twice on one app is an error.
"""

from __future__ import annotations

import os

from flask import Blueprint, Flask, Response, current_app, render_template
from flask_admin import Admin

from .adapters.base import HostAdapter
from .adapters.factory import make_host
from .admin import make_views
from .admin.security import harden
from .admin.state import (
    EXTENSION_KEY,
    IS_ADMIN_KEY,
    SCHOOLS_KEY,
    TIMEZONE_KEY,
    USER_NAME_KEY,
    AdminCheck,
    PluginState,
)
from .config import DEFAULTS, PREFIX, Settings, settings_from_mapping
from .errors import LedgerError
from .messages import ERROR_TITLES
from .runner.jobs import InProcessRunner, Jobs, Runner
from .service import SiecleService
from .store.ledger import Ledger

__all__ = [
    "EXTENSION_KEY",
    "IS_ADMIN_KEY",
    "SCHOOLS_KEY",
    "TIMEZONE_KEY",
    "USER_NAME_KEY",
    "PluginState",
    "SieclePlugin",
    "get_state",
]


class SieclePlugin:
    """The « Importation SIECLE » extension; see the module docstring."""

    def __init__(
        self,
        app: Flask | None = None,
        admin: Admin | None = None,
        *,
        is_admin: AdminCheck | None = None,
        user_name: AdminCheck | None = None,
        schools: AdminCheck | None = None,
        host: HostAdapter | None = None,
        runner: Runner | None = None,
    ) -> None:
        """:param app: the host app, or ``None`` to call :meth:`init_app` later.
        :param admin: the host's ``flask_admin.Admin``.
        :param is_admin: the host's administrator check (see the module docstring).
        :param user_name: gives the logged-in administrator's name, kept in the history.
        :param schools: gives the schools the logged-in administrator manages (see the
            module docstring).
        :param host: a host adapter to use instead of the one the settings describe.
        :param runner: where imports run, instead of the one ``CPRO_SIECLE_RUNNER`` names
            (e.g. ``CeleryRunner(host_celery_app)``).
        """
        self.admin_check: AdminCheck | None = is_admin
        self.user_name: AdminCheck | None = user_name
        self.schools_check: AdminCheck | None = schools
        self._host = host
        self._runner = runner
        if app is not None:
            self.init_app(app, admin)

    def is_admin(self, func: AdminCheck) -> AdminCheck:
        """Decorator registering the host's administrator check."""
        self.admin_check = func
        return func

    def schools(self, func: AdminCheck) -> AdminCheck:
        """Decorator registering the host's per-school access hook."""
        self.schools_check = func
        return func

    def init_app(self, app: Flask, admin: Admin | None = None) -> PluginState:
        """Configure ``app`` and mount the pages into ``admin``.

        :raises RuntimeError: the plugin is already registered on ``app``, or no admin.
        :raises ConfigError: a ``CPRO_SIECLE_*`` setting is missing or invalid.
        :returns: the state stored in ``app.extensions["cpro_siecle"]``.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "cpro_siecle_plugin est déjà enregistré sur cette application "
                "(SieclePlugin.init_app appelé deux fois)."
            )
        admin = admin or _registered_admin(app)
        for key, default in DEFAULTS.items():
            app.config.setdefault(PREFIX + key, os.environ.get(PREFIX + key, default))
        settings = settings_from_mapping(app.config)
        state = self._build_state(settings)
        app.extensions[EXTENSION_KEY] = state
        templates = Blueprint(
            EXTENSION_KEY,
            __name__,
            template_folder="admin/templates",
            static_folder="admin/static",
            static_url_path=f"{admin.url}/cpro-siecle/static",
        )
        app.register_blueprint(templates)
        app.register_error_handler(LedgerError, _ledger_unavailable)
        admin.add_views(*make_views(state))
        harden(app)
        return state

    def _build_state(self, settings: Settings) -> PluginState:
        ledger = Ledger(settings.database_url)
        host = self._host or make_host(settings)
        service = SiecleService(settings, ledger, host)
        runner = self._runner or _make_runner(settings, service)
        return PluginState(settings, ledger, host, service, Jobs(ledger.jobs, runner), self)


def _make_runner(settings: Settings, service: SiecleService) -> Runner:
    if settings.runner == "celery":
        from .runner.celery_runner import CeleryRunner, make_celery  # celery is optional

        return CeleryRunner(make_celery(settings.celery_broker_url))
    return InProcessRunner(service.apply_request, service.ledger.jobs)


def _ledger_unavailable(exc: LedgerError) -> Response:
    """A ledger fault (disk full, read-only, locked) as a French page, not a 500."""
    page = render_template("cpro_siecle/error.html", title=ERROR_TITLES[503], text=str(exc))
    return Response(page, 503, mimetype="text/html")


def _registered_admin(app: Flask) -> Admin:
    admins = app.extensions.get("admin") or []
    if not admins:
        raise RuntimeError(
            "cpro_siecle_plugin se monte dans un Flask-Admin existant : "
            "passez SieclePlugin(app, admin)."
        )
    return admins[0]


def get_state(app: Flask | None = None) -> PluginState:
    """The plugin's state for ``app`` (default: the current app)."""
    state: PluginState = (app or current_app).extensions[EXTENSION_KEY]
    return state
