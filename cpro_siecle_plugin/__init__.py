"""cpro_siecle_plugin: keep a Moodle-style LMS in step with SIECLE and STS-web exports.

The public entry point is :class:`SieclePlugin`, the Flask-Admin extension. It is loaded
lazily so that the functional core (``siecle``, ``sync``) can be imported without Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .domain import ALL_SCHOOLS

__version__ = "0.1.0"

__all__ = ["ALL_SCHOOLS", "SieclePlugin", "__version__"]

if TYPE_CHECKING:
    from .extension import SieclePlugin


def __getattr__(name: str) -> Any:
    if name == "SieclePlugin":
        from .extension import SieclePlugin

        return SieclePlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
