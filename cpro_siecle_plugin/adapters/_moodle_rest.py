"""Moodle REST transport: PHP-style form encoding, error mapping, retries, redaction.

What this module relies on, confirmed in Moodle's source:

- ``webservice/rest/server.php`` reads ``wstoken``, ``wsfunction`` and ``moodlewsrestformat``
  from the request; the parameters are PHP arrays, so nested structures are flattened as
  ``users[0][preferences][0][type]``. PHP's ``max_input_vars`` silently drops the fields past
  its limit, so the three protocol fields go first and callers check reply counts.
- ``webservice/rest/locallib.php`` (``generate_error``): a failure is a JSON object with
  ``exception`` (class), ``errorcode``, ``message`` and, only when the site debugs,
  ``debuginfo`` -- sent with HTTP 200 on the versions we target, so errors are recognised
  by the body, never by the status.
- ``webservice/rest/server.php`` defines ``NO_MOODLE_COOKIES``: requests share no session on
  the site, so independent calls may be in flight at once (``concurrency``), each worker
  thread with its own ``requests.Session`` (a session is not meant to be shared by threads).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

import requests

from ..errors import HostAuthError, HostRejectedError, HostUnavailableError

log = logging.getLogger(__name__)

ENDPOINT = "/webservice/rest/server.php"

T = TypeVar("T")
R = TypeVar("R")

#: Error codes meaning the token, the service or the account behind it is refused.
AUTH_ERRORS: dict[str, str] = {
    "invalidtoken": "jeton du service web refusé (inconnu, expiré ou révoqué) : vérifiez "
                    "CPRO_SIECLE_MOODLE_TOKEN",
    "accessexception": "accès refusé : la fonction n'est pas autorisée pour ce jeton "
                       "(ajoutez-la au service externe) ou l'adresse IP est restreinte",
    "servicenotavailable": "service externe du jeton désactivé ou inaccessible",
    "webservicesnotenabled": "les services web sont désactivés sur ce Moodle (Administration "
                             "du site > Serveur > Services web > Vue d'ensemble)",
    "nopermissions": "le compte du jeton n'a pas la permission requise",
    "requireloginerror": "le compte du jeton ne peut pas se connecter",
    "usernotfullysetup": "le compte du jeton a un profil incomplet",
    "invalidtokensession": "session du jeton invalide",
}

#: Error codes meaning the site cannot serve now.
UNAVAILABLE_ERRORS = {"sitemaintenance": "site en maintenance"}


class MoodleError(HostRejectedError):
    """Moodle refused a call (exception JSON); carries Moodle's fields."""

    def __init__(self, function: str, errorcode: str, message: str, debuginfo: str = "") -> None:
        self.function = function
        self.errorcode = errorcode
        self.moodle_message = message
        self.debuginfo = debuginfo
        detail = f"{message} ({errorcode})" + (f" — {debuginfo}" if debuginfo else "")
        super().__init__(f"Moodle a refusé l'appel {function} : {detail}")


def flatten(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten nested dicts and lists the way PHP parses form fields.

    >>> flatten({"users": [{"username": "a", "preferences": [{"type": "t"}]}]})
    [('users[0][username]', 'a'), ('users[0][preferences][0][type]', 't')]
    """
    fields: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        fields += _flatten_value(name, value)
    return fields


def _flatten_value(name: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        return flatten(value, name)
    if isinstance(value, list | tuple):
        return flatten({str(i): v for i, v in enumerate(value)}, name)
    if isinstance(value, bool):
        return [(name, "1" if value else "0")]
    return [(name, str(value))]


class MoodleTransport:
    """Sends web-service calls; never shows the token (repr, logs, errors).

    :param retries: extra attempts of an idempotent call after a transient failure.
    :param backoff: first pause between attempts, doubled each time (seconds).
    :param concurrency: requests :meth:`run` keeps in flight at once (1: one after the other).
    :param session: used by every thread instead of one new session per thread (tests).
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        session: requests.Session | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        concurrency: int = 1,
    ) -> None:
        self.url = url.rstrip("/") + ENDPOINT
        self._token = token
        self.timeout = timeout
        self._shared = session
        self._local = threading.local()
        self.lock = threading.Lock()  # guards the call counters, shared by the threads
        self._pool: ThreadPoolExecutor | None = None
        self.concurrency = max(1, concurrency)
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.calls: Counter[str] = Counter()
        #: Attempts repeated after a transient failure, per function.
        self.retried: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"MoodleTransport(url={self.url!r}, token='***')"

    @property
    def session(self) -> requests.Session:
        """The calling thread's session."""
        if self._shared is not None:
            return self._shared
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def run(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``fn`` over independent ``items``, ``concurrency`` at a time; results in order.

        Calls made from inside a task run in that task's thread (no nested pool, no
        deadlock). On a failure, tasks not started are cancelled, those in flight end, and
        the first failure (in item order) is raised: what the others did is then unknown
        to the caller, which must look it up before creating again, as after a timeout.
        """
        if self.concurrency == 1 or len(items) < 2 or getattr(self._local, "worker", False):
            return [fn(item) for item in items]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="moodle",
                                            initializer=_mark_worker,
                                            initargs=(self._local,))
        futures = [self._pool.submit(fn, item) for item in items]
        _, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        wait(futures)
        return [_outcome(f) for f in futures]

    def close(self) -> None:
        """Stop the worker threads (they also stop with the transport)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def redact(self, text: str) -> str:
        """``text`` with the token masked."""
        return text.replace(self._token, "***") if self._token else text

    def call(self, function: str, params: Mapping[str, Any], *, idempotent: bool) -> Any:
        """Call ``function``; retry transient failures only when ``idempotent``.

        :raises HostUnavailableError: network, timeout, 5xx, unreadable reply, maintenance.
        :raises HostAuthError: token, service or permission refused.
        :raises MoodleError: Moodle refused the call (the records, usually).
        """
        body = [("wstoken", self._token), ("wsfunction", function),
                ("moodlewsrestformat", "json"), *flatten(params)]
        attempts = 1 + (self.retries if idempotent else 0)
        for attempt in range(attempts):
            try:
                return self._send(function, body)
            except HostUnavailableError:
                if attempt + 1 == attempts:
                    raise
                pause = self.backoff * 2**attempt
                with self.lock:
                    self.retried[function] += 1
                log.warning("Appel %s en échec passager : nouvel essai dans %.1f s.", function,
                            pause)
                self.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, function: str, body: list[tuple[str, str]]) -> Any:
        with self.lock:
            self.calls[function] += 1
        log.debug("Appel Moodle %s (%d champs).", function, len(body))
        try:
            response = self.session.post(self.url, data=body, timeout=self.timeout)
        except requests.RequestException as exc:  # the token is in the body, never the URL
            raise self._unavailable(function, exc) from exc
        if response.status_code >= 500:
            raise HostUnavailableError(
                f"Moodle a répondu une erreur serveur {response.status_code} à l'appel {function}.")
        if response.status_code >= 400 and response.status_code not in (400, 403):
            raise HostUnavailableError(
                f"Moodle a répondu HTTP {response.status_code} à l'appel {function} : vérifiez "
                "CPRO_SIECLE_MOODLE_URL.")
        try:
            data = response.json()
        except ValueError:
            raise HostUnavailableError(
                f"Réponse illisible de Moodle à l'appel {function} (pas du JSON) : vérifiez "
                "CPRO_SIECLE_MOODLE_URL et que le protocole REST est activé.") from None
        if isinstance(data, dict) and "exception" in data:
            raise self._error(function, data)
        return data

    def _unavailable(self, function: str, exc: requests.RequestException) -> HostUnavailableError:
        if isinstance(exc, requests.Timeout):
            what = f"n'a pas répondu à temps ({self.timeout:g} s) : issue inconnue"
        else:
            what = f"est injoignable ({self.redact(exc.__class__.__name__)})"
        return HostUnavailableError(f"Moodle {what} lors de l'appel {function}.")

    def _error(self, function: str, data: Mapping[str, Any]) -> Exception:
        code = _plain(self.redact(str(data.get("errorcode") or data.get("exception") or "")))
        message = _plain(self.redact(str(data.get("message", ""))))
        debuginfo = _plain(self.redact(str(data.get("debuginfo", "") or "")))
        if code in AUTH_ERRORS:
            return HostAuthError(f"Moodle refuse l'appel {function} : {AUTH_ERRORS[code]} "
                                 f"(« {message} »).")
        if code in UNAVAILABLE_ERRORS:
            return HostUnavailableError(f"Moodle indisponible : {UNAVAILABLE_ERRORS[code]}.")
        return MoodleError(function, code, message, debuginfo)


def _mark_worker(local: threading.local) -> None:
    # Not a bound method: the pool's threads must not keep the transport alive.
    local.worker = True


def _outcome(future: Future[R]) -> R:
    """A finished task's result, or its exception raised (a cancelled one: the first's)."""
    if future.cancelled():
        raise HostUnavailableError("Appel Moodle annulé après l'échec d'un autre.")
    return future.result()


def _plain(text: str) -> str:
    """Text without HTML tags: user/lib.php throws the password policy as ``<div>`` blocks."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())
