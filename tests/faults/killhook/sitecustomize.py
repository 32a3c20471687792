"""Test-only hook, loaded by the CLI under test through ``PYTHONPATH``: never shipped.

``CPRO_SIECLE_TEST_KILL_AFTER=N`` kills the process with SIGKILL right after the embedded
host committed its Nth write (before the ledger's journal hears of it: the worst moment).
``CPRO_SIECLE_TEST_KILL_ONCE=path`` kills only the first process to get there (it creates
``path``): a Celery worker's next pool process then runs the requeued import to its end.
``CPRO_SIECLE_TEST_WRITES_FILE=path`` writes the number of host writes there at exit.
Either also makes the embedded host hash initial passwords with one PBKDF2 round (speed).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_KILL = int(os.environ.get("CPRO_SIECLE_TEST_KILL_AFTER", "0") or 0)
_ONCE = os.environ.get("CPRO_SIECLE_TEST_KILL_ONCE")
_COUNT = os.environ.get("CPRO_SIECLE_TEST_WRITES_FILE")
_READS = ("find_users", "find_cohorts", "cohort_members")


def _first(marker: str | None) -> bool:
    """Whether this process is the first to reach the kill (always, without a marker)."""
    if not marker:
        return True
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


if _KILL or _COUNT:
    from cpro_siecle_plugin.adapters.embedded import EmbeddedHost

    _real_tx = EmbeddedHost._tx
    _real_init = EmbeddedHost.__init__

    def _fast_init(self: EmbeddedHost, url: str, **kwargs: Any) -> None:
        _real_init(self, url, **{**kwargs, "initial_hash": "pbkdf2:sha256:1"})
    _writes = [0]

    @contextlib.contextmanager
    def _counted(self: EmbeddedHost, operation: str) -> Iterator[Any]:
        with _real_tx(self, operation) as session:
            yield session
        if operation not in _READS:
            _writes[0] += 1
            if _writes[0] == _KILL and _first(_ONCE):
                os.kill(os.getpid(), signal.SIGKILL)

    EmbeddedHost._tx = _counted  # type: ignore[assignment,method-assign]
    EmbeddedHost.__init__ = _fast_init  # type: ignore[method-assign]
    if _COUNT:
        atexit.register(lambda: Path(_COUNT).write_text(str(_writes[0])))
