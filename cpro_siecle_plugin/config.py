"""Settings of the plugin: the ``CPRO_SIECLE_*`` keys, turned into a frozen ``Settings``.

The keys are documented once here (``#:`` comments) and read from the Flask app config,
falling back to the environment (so the host token can stay out of files).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from .errors import ConfigError

PREFIX = "CPRO_SIECLE_"

#: Defaults of every key, without the prefix. Types are taken from these values.
DEFAULTS: dict[str, Any] = {
    #: ``embedded`` (SQLite host inside the plugin, for demos and tests) or ``moodle``.
    "HOST": "embedded",
    #: Moodle site root URL, e.g. ``https://moodle.example.org`` (host ``moodle`` only).
    "MOODLE_URL": "",
    #: Moodle web-service token (host ``moodle`` only). Never logged nor shown.
    "MOODLE_TOKEN": "",
    #: Domain of placeholder e-mails for accounts without one (Moodle requires an e-mail).
    "MOODLE_NOEMAIL_DOMAIN": "noemail.invalid",
    #: Numeric id of the Moodle role assigned to guardians in their child's user context
    #: (Site administration > Users > Define roles: the id is in the role's URL). Moodle's
    #: ``core_role_assign_roles`` takes an id and no web service looks a role up by short name;
    #: the preflight refuses a non-numeric value with a French message.
    "MOODLE_PARENT_ROLE": "parent",
    #: Seconds before a web-service call is abandoned.
    "MOODLE_TIMEOUT": 30.0,
    #: Web-service requests in flight at once, over the independent batches of one phase
    #: (phases stay in order: accounts, then memberships, then guardian links...). 4 was
    #: fastest on a 2-core Moodle 5.0 with 4 php-fpm workers (``python -m bench moodle-lab``);
    #: keep it at most the site's PHP workers. 1 sends one request after the other.
    "MOODLE_CONCURRENCY": 4,
    #: SQLAlchemy URL of the plugin's ledger.
    "DATABASE_URL": "sqlite:///cpro_siecle.sqlite3",
    #: SQLAlchemy URL of the embedded host's accounts (host ``embedded`` only).
    "EMBEDDED_HOST_URL": "sqlite:///cpro_siecle_host.sqlite3",
    #: Secret used to derive guardians' initial passwords deterministically.
    "SECRET": "",
    #: Records per web-service call, for every function; 0: each function's own size (100 per
    #: account creation, 500 per membership, guardian link or look-up), always kept within
    #: Moodle's ``max_input_vars`` (5000). Set it lower for a site with a smaller limit.
    "BATCH_SIZE": 0,
    #: Longest login generated.
    "LOGIN_MAX_LENGTH": 30,
    #: Months a student who left keeps the right to log in (their portfolio stays reachable).
    "STUDENT_LOGIN_MONTHS": 12,
    #: Months after deactivation before an account is deleted for good (GDPR).
    "RETENTION_MONTHS": 12,
    #: Largest share of a population a plan may deactivate within a school year without force.
    "BRAKE_SHARE": 0.30,
    #: Same, at a change of school year (graduates leave normally).
    "BRAKE_SHARE_YEAR_CHANGE": 0.60,
    #: Populations smaller than this are never braked.
    "BRAKE_MIN_POPULATION": 20,
    #: Largest upload accepted, in bytes.
    "MAX_UPLOAD_BYTES": 100 * 1024 * 1024,
    #: Largest total uncompressed size of a zip, in bytes.
    "ZIP_MAX_UNCOMPRESSED": 500 * 1024 * 1024,
    #: Largest number of members in a zip.
    "ZIP_MAX_MEMBERS": 16,
    #: Largest compression ratio of a zip member (uncompressed / compressed).
    "ZIP_MAX_RATIO": 200,
    #: Create accounts for staff who are neither teachers nor heads of school.
    "CREATE_OTHER_STAFF": False,
    #: Where imports run: ``thread`` (a thread of the web process: demo, tests, one worker)
    #: or ``celery`` (a Celery worker; the web pages only enqueue and read the ledger).
    "RUNNER": "thread",
    #: Celery broker URL (runner ``celery``), e.g. ``redis://127.0.0.1:6379/0``.
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    #: Seconds without a heartbeat after which a school's import lock is presumed left by a
    #: dead process (the import refreshes it every quarter of this while it runs; a holder
    #: that ran on this machine and is gone frees it at once).
    "LOCK_STALE_SECONDS": 120,
    #: Hours a preview never applied is kept (it holds names and initial passwords).
    "PREVIEW_RETENTION_HOURS": 24,
    #: Days an interrupted import waits to be continued (same files again) before it is
    #: closed: its report is made on its last run and its plan keeps no personal data.
    "INTERRUPTED_RETENTION_DAYS": 7,
    #: Days the initial passwords stay in the import reports (« Identifiants » can reset a
    #: password to its initial value afterwards).
    "PASSWORD_RETENTION_DAYS": 30,
    #: Days the import reports keep names, logins and e-mails; the history keeps who
    #: imported, when, which files and the counts for ever.
    "REPORT_RETENTION_DAYS": 365,
    #: Address of the platform printed on login slips and letters (e.g.
    #: ``https://moodle.lycee.example.fr``); empty: the Moodle URL, else this site's address.
    "PLATFORM_URL": "",
}


@dataclass(frozen=True)
class Settings:
    """Every setting the core and the shell need, as plain values."""

    host: str = DEFAULTS["HOST"]
    moodle_url: str = DEFAULTS["MOODLE_URL"]
    moodle_token: str = DEFAULTS["MOODLE_TOKEN"]
    moodle_noemail_domain: str = DEFAULTS["MOODLE_NOEMAIL_DOMAIN"]
    moodle_parent_role: str = DEFAULTS["MOODLE_PARENT_ROLE"]
    moodle_timeout: float = DEFAULTS["MOODLE_TIMEOUT"]
    moodle_concurrency: int = DEFAULTS["MOODLE_CONCURRENCY"]
    database_url: str = DEFAULTS["DATABASE_URL"]
    embedded_host_url: str = DEFAULTS["EMBEDDED_HOST_URL"]
    secret: str = DEFAULTS["SECRET"]
    batch_size: int = DEFAULTS["BATCH_SIZE"]
    login_max_length: int = DEFAULTS["LOGIN_MAX_LENGTH"]
    student_login_months: int = DEFAULTS["STUDENT_LOGIN_MONTHS"]
    retention_months: int = DEFAULTS["RETENTION_MONTHS"]
    brake_share: float = DEFAULTS["BRAKE_SHARE"]
    brake_share_year_change: float = DEFAULTS["BRAKE_SHARE_YEAR_CHANGE"]
    brake_min_population: int = DEFAULTS["BRAKE_MIN_POPULATION"]
    max_upload_bytes: int = DEFAULTS["MAX_UPLOAD_BYTES"]
    zip_max_uncompressed: int = DEFAULTS["ZIP_MAX_UNCOMPRESSED"]
    zip_max_members: int = DEFAULTS["ZIP_MAX_MEMBERS"]
    zip_max_ratio: int = DEFAULTS["ZIP_MAX_RATIO"]
    create_other_staff: bool = DEFAULTS["CREATE_OTHER_STAFF"]
    runner: str = DEFAULTS["RUNNER"]
    celery_broker_url: str = DEFAULTS["CELERY_BROKER_URL"]
    lock_stale_seconds: int = DEFAULTS["LOCK_STALE_SECONDS"]
    preview_retention_hours: int = DEFAULTS["PREVIEW_RETENTION_HOURS"]
    interrupted_retention_days: int = DEFAULTS["INTERRUPTED_RETENTION_DAYS"]
    password_retention_days: int = DEFAULTS["PASSWORD_RETENTION_DAYS"]
    report_retention_days: int = DEFAULTS["REPORT_RETENTION_DAYS"]
    platform_url: str = DEFAULTS["PLATFORM_URL"]

    @property
    def lock_stale_after(self) -> timedelta:
        """How long a school's import lock may stay silent before it counts as dead."""
        return timedelta(seconds=self.lock_stale_seconds)

    def __repr__(self) -> str:
        # The token must never reach a log line or a traceback.
        shown = {
            f.name: ("***" if f.name in ("moodle_token", "secret") and getattr(self, f.name)
                     else getattr(self, f.name))
            for f in fields(self)
        }
        return f"Settings({shown!r})"


def _coerce(key: str, raw: Any, default: Any) -> Any:
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in ("1", "true", "yes", "oui", "on")
    try:
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Réglage {PREFIX}{key} invalide : {raw!r} n'est pas un nombre.") from exc
    return str(raw)


def settings_from_mapping(
    config: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> Settings:
    """Build ``Settings`` from ``CPRO_SIECLE_*`` keys of ``config``, then of ``environ``.

    :raises ConfigError: a value has the wrong type, or the Moodle host lacks URL or token.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        name = PREFIX + key
        raw = config.get(name, env.get(name, default))
        values[key.lower()] = _coerce(key, raw, default)
    settings = Settings(**values)
    if settings.host not in ("embedded", "moodle"):
        raise ConfigError(f"Réglage {PREFIX}HOST inconnu : {settings.host!r} (embedded ou moodle).")
    if settings.runner not in ("thread", "celery"):
        raise ConfigError(
            f"Réglage {PREFIX}RUNNER inconnu : {settings.runner!r} (thread ou celery).")
    if settings.host == "moodle":
        for key in ("MOODLE_URL", "MOODLE_TOKEN"):
            if not values[key.lower()]:
                raise ConfigError(f"Réglage {PREFIX}{key} manquant pour l'hôte Moodle.")
    if settings.batch_size < 0:
        raise ConfigError(f"Réglage {PREFIX}BATCH_SIZE invalide : il faut 0 (automatique) ou "
                          "plus.")
    if settings.moodle_concurrency < 1:
        raise ConfigError(f"Réglage {PREFIX}MOODLE_CONCURRENCY invalide : il faut au moins 1.")
    return settings
