"""Imports on Celery: the web side sends the task by name; a worker runs it.

The task itself (:data:`TASK_NAME`) is registered by :mod:`cpro_siecle_plugin.worker`, on
the host's Celery app or on the plugin's own; the web processes only need a Celery app that
reaches the same broker, and never import the worker's code.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery

from .jobs import ImportRequest

log = logging.getLogger(__name__)

#: Name of the plugin's import task on any Celery app.
TASK_NAME = "cpro_siecle.apply_import"
#: Queue the task is sent to (give it to the worker with ``-Q`` when you use another one).
QUEUE = "cpro_siecle"


def make_celery(broker_url: str, name: str = "cpro_siecle") -> Celery:
    """A Celery app on ``broker_url`` set for imports: acknowledged after the run, so a
    worker killed mid-import leaves the message for the next worker, one task at a time.
    """
    app = Celery(name, broker=broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


class CeleryRunner:
    """Hands import requests to Celery workers through the broker.

    :param app: the host's Celery app, or :func:`make_celery`'s.
    """

    def __init__(self, app: Any) -> None:
        self._app = app

    def submit(self, request: ImportRequest) -> None:
        self._app.send_task(TASK_NAME, args=[request.to_data()], queue=QUEUE)
        log.info("Importation %s envoyée aux workers Celery.", request.job_id[:8])
