"""Web hardening of the plugin's pages: ids read strictly, no framing, Lax cookies.

``harden(app)`` is called once by ``SieclePlugin.init_app``. The framing headers go on the
plugin's own responses only (its Flask-Admin endpoints start with ``cpro_siecle``); the host
app keeps its own policy, except that a session cookie with no ``SameSite`` gets ``Lax``.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request

#: Response headers that forbid framing (clickjacking of « Réinitialiser le mot de passe »).
FRAMING_HEADERS = {"X-Frame-Options": "DENY"}
FRAME_ANCESTORS = "frame-ancestors 'none'"

#: Ids the ledger can hold: ASCII digits, at most 18 of them (below 2**63).
_ID = re.compile(r"[0-9]{1,18}")
MAX_ID = 10**18 - 1


def parse_id(raw: object) -> int | None:
    """A plan or run id from a form or a URL; ``None`` for anything else (``²``, ``-1``,
    ``99999999999999999999999``), so callers answer the French 404."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw <= MAX_ID else None
    if isinstance(raw, str) and _ID.fullmatch(raw):
        return int(raw)
    return None


def forbid_framing(response: Response) -> Response:
    """Add ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'`` to ``response``."""
    for name, value in FRAMING_HEADERS.items():
        response.headers.setdefault(name, value)
    policy = response.headers.get("Content-Security-Policy")
    if policy is None:
        response.headers["Content-Security-Policy"] = FRAME_ANCESTORS
    elif "frame-ancestors" not in policy:
        response.headers["Content-Security-Policy"] = f"{policy}; {FRAME_ANCESTORS}"
    return response


def harden(app: Flask) -> None:
    """Framing headers on the plugin's responses; ``SameSite=Lax`` cookies by default."""
    for key in ("SESSION_COOKIE_SAMESITE", "REMEMBER_COOKIE_SAMESITE"):
        if app.config.get(key) is None:
            app.config[key] = "Lax"

    @app.after_request
    def _plugin_headers(response: Response) -> Response:
        if (request.blueprint or "").startswith("cpro_siecle"):
            forbid_framing(response)
        return response
