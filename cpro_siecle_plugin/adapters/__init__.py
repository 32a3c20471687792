"""Host adapters: the host interface and its implementations.

Only the interface is re-exported here, so importing it never pulls in SQLAlchemy or
requests; implementations are imported from their modules
(``adapters.embedded``, ``adapters.moodle``) or built by ``adapters.factory.make_host``.
"""

from .base import (
    BatchResult,
    HostAdapter,
    HostUser,
    NewCohort,
    NewUser,
    Preflight,
    PreflightCheck,
    pair_key,
)

__all__ = [
    "BatchResult",
    "HostAdapter",
    "HostUser",
    "NewCohort",
    "NewUser",
    "Preflight",
    "PreflightCheck",
    "pair_key",
]
