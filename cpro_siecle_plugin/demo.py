"""A small demo platform: Flask + Flask-Admin with one administrator and the plugin mounted.

``cpro-siecle serve`` runs it at http://127.0.0.1:5000. Everything it keeps (the plugin's
ledger, the embedded host's accounts, the session secret) lives in the instance folder.
Two kinds of accounts show the per-school access: the platform's operator, who manages
every school (``CPRO_SIECLE_DEMO_ADMIN`` / ``CPRO_SIECLE_DEMO_PASSWORD``, default
``admin`` / ``admin``), and a school referent who manages one school only
(``CPRO_SIECLE_DEMO_REFERENT`` / ``CPRO_SIECLE_DEMO_REFERENT_PASSWORD``, default
``referent`` / ``referent``, for ``CPRO_SIECLE_DEMO_REFERENT_SCHOOL``, default the samples'
``0691234X``). Set ``CPRO_SIECLE_HOST=moodle``,
``CPRO_SIECLE_MOODLE_URL`` and ``CPRO_SIECLE_MOODLE_TOKEN`` to work on a real Moodle.
"""

from __future__ import annotations

import hmac
import os
import secrets
import sqlite3
import time
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from flask import Flask, redirect, render_template, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.menu import MenuLink
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField

from .admin.presenters import host_label
from .admin.security import forbid_framing
from .admin.views import french_page
from .domain import ALL_SCHOOLS
from .extension import SieclePlugin, get_state

DEFAULT_ADMIN = ("admin", "admin")
DEFAULT_REFERENT = ("referent", "referent", "0691234X")


class DemoAdmin(UserMixin):
    """A demo account, the operator (every school) or a school's referent (one school), in
    one server-side session ``sid``.

    The session cookie carries ``name|sid``; logging out forgets ``sid``, so a copy of the
    cookie taken before is worth nothing after.
    """

    def __init__(self, name: str, sid: str) -> None:
        self.id = name
        self.sid = sid

    def get_id(self) -> str:
        return f"{self.id}|{self.sid}"

    @property
    def schools(self) -> Any:
        """What the plugin's schools hook returns for this account."""
        login, _, school = referent_credentials()
        return {school} if self.id == login else ALL_SCHOOLS


#: Failed logins allowed from one address within ``THROTTLE_WINDOW`` seconds.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = 15 * 60


class DemoGuard:
    """Server-side sessions and the login throttle of one demo app.

    Kept in SQLite in the instance folder, so that every web worker of one deployment
    (gunicorn) sees the same sessions: a login on one worker is valid on the others, and a
    logout on one ends the session everywhere.
    """

    def __init__(self, instance: Path) -> None:
        self.path = instance / "demo_sessions.sqlite3"
        with closing(self._db()) as db:
            db.execute("CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, name TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS failures (address TEXT, at REAL)")

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def open(self, name: str) -> DemoAdmin:
        sid = secrets.token_urlsafe(24)
        with closing(self._db()) as db:
            db.execute("INSERT INTO sessions VALUES (?, ?)", (sid, name))
        return DemoAdmin(name, sid)

    def load(self, user_id: str) -> DemoAdmin | None:
        name, _, sid = user_id.partition("|")
        with closing(self._db()) as db:
            row = db.execute("SELECT name FROM sessions WHERE sid = ?", (sid,)).fetchone()
        if row and row[0] == name and name in _accounts():
            return DemoAdmin(name, sid)
        return None

    def close(self, user: Any) -> None:
        with closing(self._db()) as db:
            db.execute("DELETE FROM sessions WHERE sid = ?", (getattr(user, "sid", ""),))

    def wait(self, address: str, now: float) -> int:
        """Seconds ``address`` must wait before trying again (0: it may try)."""
        with closing(self._db()) as db:
            db.execute("DELETE FROM failures WHERE at < ?", (now - THROTTLE_WINDOW,))
            times = [t for (t,) in db.execute(
                "SELECT at FROM failures WHERE address = ? ORDER BY at", (address,))]
        return int(THROTTLE_WINDOW - (now - times[0])) + 1 if len(times) >= THROTTLE_LIMIT else 0

    def failed(self, address: str, now: float) -> None:
        with closing(self._db()) as db:
            db.execute("INSERT INTO failures VALUES (?, ?)", (address, now))

    def forgive(self, address: str) -> None:
        with closing(self._db()) as db:
            db.execute("DELETE FROM failures WHERE address = ?", (address,))


class LoginForm(FlaskForm):
    """The demo's login form."""

    username = StringField("Identifiant")
    password = PasswordField("Mot de passe")
    submit = SubmitField("Se connecter")


class TryAccountForm(FlaskForm):
    """Checks a platform account's password, as a student or a teacher would log in."""

    username = StringField("Identifiant")
    password = PasswordField("Mot de passe")
    submit = SubmitField("Essayer ce compte")


def admin_credentials() -> tuple[str, str]:
    """The administrator's login and password, from the environment or the defaults."""
    return (
        os.environ.get("CPRO_SIECLE_DEMO_ADMIN", DEFAULT_ADMIN[0]),
        os.environ.get("CPRO_SIECLE_DEMO_PASSWORD", DEFAULT_ADMIN[1]),
    )


def referent_credentials() -> tuple[str, str, str]:
    """The school referent's login, password and school (UAJ)."""
    return (
        os.environ.get("CPRO_SIECLE_DEMO_REFERENT", DEFAULT_REFERENT[0]),
        os.environ.get("CPRO_SIECLE_DEMO_REFERENT_PASSWORD", DEFAULT_REFERENT[1]),
        os.environ.get("CPRO_SIECLE_DEMO_REFERENT_SCHOOL", DEFAULT_REFERENT[2]),
    )


def _accounts() -> dict[str, str]:
    """Login → password of the demo's accounts."""
    admin, referent = admin_credentials(), referent_credentials()
    return {referent[0]: referent[1], admin[0]: admin[1]}


class HomeView(AdminIndexView):
    """The admin home page: where to start, for the logged-in administrator only."""

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def inaccessible_callback(self, name: Any, **kwargs: Any) -> Any:
        return redirect(url_for("demo_login", next=request.path))

    def render(self, template: str, **kwargs: Any) -> str:
        return french_page(super().render(template, **kwargs))

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        host = get_state().host
        users = host.list_users() if hasattr(host, "list_users") else None
        scope = get_state().scope()
        if users is not None and not scope.every:  # a referent sees their school's only
            users = [u for u in users if scope.allows(_school_of(u.idnumber))]
        form, result = TryAccountForm(), None
        if users is not None and form.validate_on_submit():
            result = _try_account(host, form.username.data or "", form.password.data or "")
        return self.render(
            "cpro_siecle/demo_home.html",
            host=host_label(host.name),
            users=users,
            form=form,
            result=result,
        )


def _school_of(idnumber: str | None) -> str:
    """The UAJ in an account's ``cpro:{UAJ}:…`` idnumber (``""`` for another account)."""
    parts = (idnumber or "").split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "cpro" else ""


def _try_account(host: Any, username: str, password: str) -> str:
    """What logging in to the embedded platform with these credentials would do, in French."""
    if not host.verify_password(username, password):
        return "Identifiant ou mot de passe incorrect (ou compte suspendu)."
    if host.must_change_password(username):
        return "Connexion réussie : la plateforme demande de changer le mot de passe initial."
    return "Connexion réussie."


def _persistent_secret(instance: Path, name: str) -> str:
    path = instance / name
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _configure(app: Flask, config: Mapping[str, Any] | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    defaults = {
        "CPRO_SIECLE_DATABASE_URL": f"sqlite:///{instance / 'cpro_siecle_ledger.sqlite3'}",
        "CPRO_SIECLE_EMBEDDED_HOST_URL": f"sqlite:///{instance / 'cpro_siecle_host.sqlite3'}",
    }
    for key, value in defaults.items():
        app.config[key] = os.environ.get(key, value)
    # Several web workers (gunicorn) must share one session key: give it in the environment.
    app.config["SECRET_KEY"] = os.environ.get(
        "CPRO_SIECLE_DEMO_SECRET_KEY") or _persistent_secret(instance, "secret_key")
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["CPRO_SIECLE_SECRET"] = os.environ.get(
        "CPRO_SIECLE_SECRET", _persistent_secret(instance, "cpro_siecle_secret")
    )
    app.config.update(config or {})


def _add_login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "demo_login"
    guard = app.extensions["cpro_siecle_demo"] = DemoGuard(Path(app.instance_path))
    manager.user_loader(guard.load)

    @app.route("/login", methods=("GET", "POST"), endpoint="demo_login")
    def login() -> Any:
        form, error = LoginForm(), None
        address, now = request.remote_addr or "?", time.time()
        if request.method == "POST" and (wait := guard.wait(address, now)):
            error = ("Trop de tentatives de connexion manquées : réessayez dans "
                     f"{(wait + 59) // 60} minute(s).")
            return render_template("cpro_siecle/demo_login.html", form=form, error=error), 429
        if form.validate_on_submit():
            name = form.username.data or ""
            password = _accounts().get(name)
            if password is not None and hmac.compare_digest(form.password.data or "", password):
                guard.forgive(address)
                login_user(guard.open(name))
                target = request.args.get("next", "")
                return redirect(target if target.startswith("/admin") else "/admin/")
            guard.failed(address, now)
            error = "Identifiant ou mot de passe incorrect."
        return render_template("cpro_siecle/demo_login.html", form=form, error=error)

    @app.route("/logout", endpoint="demo_logout")
    def logout() -> Any:
        guard.close(current_user)
        logout_user()
        return redirect(url_for("demo_login"))

    app.after_request(forbid_framing)

    app.add_url_rule("/", "demo_root", lambda: redirect("/admin/"))


def create_app(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the demo platform.

    :param config: extra Flask config (applied last).
    :param instance_path: where the demo keeps its files (default: ``CPRO_SIECLE_DEMO_INSTANCE``,
        else Flask's instance folder).
    :returns: the app, with the plugin mounted under « Importation SIECLE ».
    """
    app = Flask(__name__,
                instance_path=instance_path or os.environ.get("CPRO_SIECLE_DEMO_INSTANCE"))
    _configure(app, config)
    _add_login(app)
    admin = Admin(app, name="Plateforme de démonstration", index_view=HomeView(name="Accueil"))
    SieclePlugin(
        app,
        admin,
        is_admin=lambda: current_user.is_authenticated,
        user_name=lambda: current_user.id,
        schools=lambda: current_user.schools if current_user.is_authenticated else None,
    )
    admin.add_link(MenuLink(name="Se déconnecter", url="/logout"))
    return app
