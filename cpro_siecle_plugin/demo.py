"""A small demo platform: Flask + Flask-Admin with one administrator and the plugin mounted.

``cpro-siecle serve`` runs it at http://127.0.0.1:5000. Everything it keeps (the plugin's
ledger, the embedded host's accounts, the session secret) lives in the instance folder.
The administrator comes from ``CPRO_SIECLE_DEMO_ADMIN`` / ``CPRO_SIECLE_DEMO_PASSWORD``
(default ``admin`` / ``admin``). Set ``CPRO_SIECLE_HOST=moodle``,
``CPRO_SIECLE_MOODLE_URL`` and ``CPRO_SIECLE_MOODLE_TOKEN`` to work on a real Moodle.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Mapping
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
from .extension import SieclePlugin, get_state

DEFAULT_ADMIN = ("admin", "admin")


class DemoAdmin(UserMixin):
    """The demo's only account: its administrator, in one server-side session ``sid``.

    The session cookie carries ``name|sid``; logging out forgets ``sid``, so a copy of the
    cookie taken before is worth nothing after.
    """

    def __init__(self, name: str, sid: str) -> None:
        self.id = name
        self.sid = sid

    def get_id(self) -> str:
        return f"{self.id}|{self.sid}"


#: Failed logins allowed from one address within ``THROTTLE_WINDOW`` seconds.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = 15 * 60


class DemoGuard:
    """Server-side sessions and the login throttle of one demo app (in memory)."""

    def __init__(self) -> None:
        self.sessions: set[str] = set()
        self.failures: dict[str, list[float]] = {}

    def open(self, name: str) -> DemoAdmin:
        sid = secrets.token_urlsafe(24)
        self.sessions.add(sid)
        return DemoAdmin(name, sid)

    def load(self, user_id: str) -> DemoAdmin | None:
        name, _, sid = user_id.partition("|")
        if name == admin_credentials()[0] and sid in self.sessions:
            return DemoAdmin(name, sid)
        return None

    def close(self, user: Any) -> None:
        self.sessions.discard(getattr(user, "sid", ""))

    def wait(self, address: str, now: float) -> int:
        """Seconds ``address`` must wait before trying again (0: it may try)."""
        recent = [t for t in self.failures.get(address, ()) if now - t < THROTTLE_WINDOW]
        self.failures[address] = recent
        return int(THROTTLE_WINDOW - (now - recent[0])) + 1 if len(recent) >= THROTTLE_LIMIT else 0

    def failed(self, address: str, now: float) -> None:
        self.failures.setdefault(address, []).append(now)


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


class HomeView(AdminIndexView):
    """The admin home page: where to start, for the logged-in administrator only."""

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def inaccessible_callback(self, name: Any, **kwargs: Any) -> Any:
        return redirect(url_for("demo_login", next=request.path))

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Any:
        host = get_state().host
        users = host.list_users() if hasattr(host, "list_users") else None
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
    app.config["SECRET_KEY"] = _persistent_secret(instance, "secret_key")
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["CPRO_SIECLE_SECRET"] = os.environ.get(
        "CPRO_SIECLE_SECRET", _persistent_secret(instance, "cpro_siecle_secret")
    )
    app.config.update(config or {})


def _add_login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "demo_login"
    guard = app.extensions["cpro_siecle_demo"] = DemoGuard()
    manager.user_loader(guard.load)

    @app.route("/login", methods=("GET", "POST"), endpoint="demo_login")
    def login() -> Any:
        form, error = LoginForm(), None
        address, now = request.remote_addr or "?", time.monotonic()
        if request.method == "POST" and (wait := guard.wait(address, now)):
            error = ("Trop de tentatives de connexion manquées : réessayez dans "
                     f"{(wait + 59) // 60} minute(s).")
            return render_template("cpro_siecle/demo_login.html", form=form, error=error), 429
        if form.validate_on_submit():
            name, password = admin_credentials()
            if hmac.compare_digest(form.username.data or "", name) and hmac.compare_digest(
                form.password.data or "", password
            ):
                guard.failures.pop(address, None)
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
    :param instance_path: where the demo keeps its files (default: Flask's instance folder).
    :returns: the app, with the plugin mounted under « Importation SIECLE ».
    """
    app = Flask(__name__, instance_path=instance_path)
    _configure(app, config)
    _add_login(app)
    admin = Admin(app, name="Plateforme de démonstration", index_view=HomeView(name="Accueil"))
    SieclePlugin(
        app,
        admin,
        is_admin=lambda: current_user.is_authenticated,
        user_name=lambda: current_user.id,
    )
    admin.add_link(MenuLink(name="Se déconnecter", url="/logout"))
    return app
