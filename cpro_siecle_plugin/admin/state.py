"""What the plugin's pages need for one app: settings, ledger, host, service and runner.

Built once per app by :meth:`cpro_siecle_plugin.extension.SieclePlugin.init_app` and kept in
``app.extensions["cpro_siecle"]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flask import current_app

from ..adapters.base import HostAdapter
from ..config import PREFIX, Settings
from ..domain import SchoolScope
from ..errors import PlanError
from ..messages import msg
from ..runner.jobs import Jobs
from ..service import SiecleService
from ..store.ledger import Ledger
from ..sync.safety import enforce
from .security import parse_id

#: Key of the plugin's state in ``app.extensions``.
EXTENSION_KEY = "cpro_siecle"
#: Config key of the host's administrator check (a callable).
IS_ADMIN_KEY = PREFIX + "IS_ADMIN"
#: Config key of a callable giving the logged-in administrator's name (for the history).
USER_NAME_KEY = PREFIX + "USER_NAME"
#: Config key of the host's per-school access hook: a callable giving the UAJs (RNE) the
#: current administrator manages, or ``ALL_SCHOOLS`` (``"ALL"``) for every school.
SCHOOLS_KEY = PREFIX + "SCHOOLS"
#: Config key of the time zone the pages show times in (the ledger stores UTC).
TIMEZONE_KEY = PREFIX + "TIMEZONE"

AdminCheck = Callable[[], Any]


class Hooks(Protocol):
    """The host's hooks, as registered on the plugin object."""

    admin_check: AdminCheck | None
    user_name: AdminCheck | None
    schools_check: AdminCheck | None


@dataclass
class PluginState:
    """Everything the views need, built once per app by :meth:`SieclePlugin.init_app`."""

    settings: Settings
    ledger: Ledger
    host: HostAdapter
    service: SiecleService
    jobs: Jobs
    plugin: Hooks

    def is_admin(self) -> bool:
        """Whether the current request comes from an administrator (closed by default)."""
        hook = current_app.config.get(IS_ADMIN_KEY) or self.plugin.admin_check
        return bool(hook()) if callable(hook) else False

    def scope(self) -> SchoolScope:
        """The schools the current administrator manages: what the host's schools hook
        says; every school when the host gives no such hook (a one-school platform).
        """
        hook = current_app.config.get(SCHOOLS_KEY) or self.plugin.schools_check
        return SchoolScope.of(hook()) if callable(hook) else SchoolScope(every=True)

    def current_user(self) -> str:
        """The name of the logged-in administrator, as the host tells it (for the history)."""
        hook = current_app.config.get(USER_NAME_KEY) or self.plugin.user_name
        return str(hook()) if callable(hook) else "administrateur"

    def local_time(self, moment: datetime) -> str:
        """A ledger time (naive UTC) as the school reads it: ``jj/mm/aaaa hh:mm``, local time."""
        zone = ZoneInfo(str(current_app.config.get(TIMEZONE_KEY) or "Europe/Paris"))
        return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%d/%m/%Y %H:%M")

    def plan_school(self, plan_id: str | None) -> str | None:
        """The school of stored plan ``plan_id``, or ``None`` when there is no such plan."""
        if not (plan_id or "").isdigit():
            return None
        try:
            return self.ledger.plan_record(int(str(plan_id))).uaj
        except PlanError:
            return None

    def start_import(self, plan_id: str, checksum: str, user: str, force: bool) -> str:
        """Check the previewed plan, then enqueue it (a runner applies it).

        :raises PlanError: unknown plan; ``ChecksumMismatchError``: ``checksum`` is not
            the stored plan's.
        :raises SafetyBrakeError: the brake triggers and ``force`` is not set.
        :returns: the job id to follow on the progress page.
        """
        number = parse_id(plan_id)
        if number is None:
            raise PlanError(msg("plan_unknown"))
        enforce(self.ledger.stored_plan(number, expected_checksum=checksum), force)
        uaj = self.ledger.plan_record(number).uaj
        return self.jobs.submit(uaj, number, checksum, user, force)
