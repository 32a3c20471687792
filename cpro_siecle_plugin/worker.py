"""The Celery worker's side: the plugin's import task, on its own Celery app or the host's.

On its own (broker from ``CPRO_SIECLE_CELERY_BROKER_URL``, every other setting from the
``CPRO_SIECLE_*`` environment, as for the web processes)::

    celery -A cpro_siecle_plugin.worker worker -Q cpro_siecle --concurrency 2 --loglevel INFO

On the host platform's Celery app, in the module its worker loads::

    from cpro_siecle_plugin.worker import register_task
    register_task(celery_app)              # optionally register_task(celery_app, build)

The web side then runs with ``CPRO_SIECLE_RUNNER=celery`` (or ``SieclePlugin(...,
runner=CeleryRunner(celery_app))``). The task is acknowledged once the import ended: a
worker killed mid-import leaves the message to the next worker, which resumes the run from
the ledger's journal.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .adapters.factory import make_host
from .config import DEFAULTS, PREFIX, settings_from_mapping
from .runner.celery_runner import TASK_NAME, make_celery
from .runner.jobs import ImportRequest, execute
from .service import SiecleService
from .store.ledger import Ledger

__all__ = ["app", "build_service", "register_task"]


def build_service() -> SiecleService:
    """The service the settings of the environment describe (ledger, host)."""
    settings = settings_from_mapping({})
    return SiecleService(settings, Ledger(settings.database_url), make_host(settings))


def register_task(celery_app: Any, build: Callable[[], SiecleService] = build_service) -> Any:
    """Register the import task on ``celery_app``; the service is built once per worker
    process, at its first task (after the fork, so no connection is shared).

    :returns: the task.
    """
    built: list[SiecleService] = []

    def apply_import(data: dict[str, Any]) -> None:
        if not built:
            built.append(build())
        service = built[0]
        execute(ImportRequest.from_data(data), service.apply_request, service.ledger.jobs)

    return celery_app.task(name=TASK_NAME, acks_late=True,
                           reject_on_worker_lost=True)(apply_import)


#: The plugin's own Celery app (``celery -A cpro_siecle_plugin.worker worker``).
app = make_celery(os.environ.get(PREFIX + "CELERY_BROKER_URL", DEFAULTS["CELERY_BROKER_URL"]))
register_task(app)
