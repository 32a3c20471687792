"""The Moodle host: the host interface over Moodle's REST web services.

Facts relied on, confirmed in Moodle's source (``moodle/moodle``):

- ``user/externallib.php`` ``create_users``: one delegated transaction; the first bad user
  throws ``invalid_parameter_exception`` (username taken, email invalid or taken, auth) and
  nothing of the batch is kept -> :func:`._batching.isolate` bisects. ``email`` is required
  (``PARAM_EMAIL``, validated, unique unless ``allowaccountssameemail``) -> accounts without an
  email, or whose email is already used, get ``<username>@<noemail_domain>``. The password
  policy is checked by ``user/lib.php`` ``user_create_user()``, which throws
  ``moodle_exception($errmsg)``: the errorcode is the policy text itself (``<div>`` blocks).
- ``delete_users``: ``MUST_EXIST`` on each id in one transaction (an unknown id fails all).
- ``cohort/externallib.php``: ``create_cohorts`` refuses an existing idnumber
  (``record already exists: idnumber=``), all-or-nothing; ``get_cohorts`` with no ids returns
  every cohort (we filter the exact idnumber: ``search_cohorts`` matches name, idnumber and
  description with a query and pages by 25); ``add_cohort_members`` takes ``usertype`` ``id``
  or ``username`` only and reports problems as ``warnings`` (code 2: cohort/user does not
  exist, 3: already a member); ``delete_cohort_members`` is all-or-nothing (``MUST_EXIST``)
  and removing a non-member is a no-op; ``get_cohort_members`` fails on an unknown cohort.
- ``enrol/externallib.php`` ``core_role_external``: ``roleid`` is an integer (no shortname),
  context by ``contextlevel`` + ``instanceid``; a role not assignable there throws
  ``invalid_parameter_exception``; one transaction per call.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

import requests

from ..errors import HostAuthError, HostRejectedError
from ._batching import (
    BatchRefused,
    check_username,
    chunks,
    create_safely,
    duplicate_username,
    isolate,
)
from ._moodle_cohorts import MoodleCohorts
from ._moodle_preflight import run_preflight
from ._moodle_replies import EMAIL_RE, MISSING, by_warnings, is_policy_reason, moodle_reason
from ._moodle_rest import ENDPOINT, MoodleError, MoodleTransport
from .base import (
    BatchResult,
    HostAdapter,
    HostIdentity,
    HostUser,
    NewUser,
    Preflight,
    PreflightCheck,
    pair_key,
)

log = logging.getLogger(__name__)

__all__ = ["MoodleHost"]


class MoodleHost(MoodleCohorts, HostAdapter):
    """Moodle through ``webservice/rest/server.php``; see the module docstring.

    :param parent_role: numeric id of the parent-type role (Moodle's role web services take
        ids only); a shortname is reported by the preflight as to be replaced.
    :param noemail_domain: domain of the placeholder emails Moodle requires.
    :param password_probe: let the preflight test the password policy with a create that
        is made to fail (nothing is kept, see :mod:`._moodle_preflight`).
    :param batch_size: records per request of every function; ``None``: each function's own
        measured size (:data:`._batching.BATCH_SIZES`).
    :param concurrency: requests in flight at once over the independent batches of one call.
    """

    name = "moodle"

    def __init__(
        self,
        url: str,
        token: str,
        *,
        batch_size: int | None = None,
        timeout: float = 30.0,
        parent_role: str = "parent",
        noemail_domain: str = "noemail.invalid",
        session: requests.Session | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        password_probe: bool = True,
        concurrency: int = 1,
    ) -> None:
        super().__init__()
        self.rest = MoodleTransport(url, token, timeout=timeout, session=session,
                                    retries=retries, backoff=backoff, sleep=sleep,
                                    concurrency=concurrency)
        self.batch_size = batch_size
        self.parent_role = parent_role
        self.noemail_domain = noemail_domain
        self.password_probe = password_probe
        self.site: dict[str, Any] | None = None
        self.probed: dict[str, tuple[float, PreflightCheck]] = {}

    def __repr__(self) -> str:
        return f"MoodleHost(url={self.rest.url!r}, token='***')"

    @property
    def ws_calls(self) -> dict[str, int]:
        """Requests made per web-service function."""
        return dict(self.rest.calls)

    @property
    def role_id(self) -> int | None:
        """The parent role's numeric id, or ``None`` when configured by shortname."""
        return int(self.parent_role) if self.parent_role.strip().isdigit() else None

    def _call(self, operation: str, function: str, params: dict[str, Any], *,
              idempotent: bool) -> Any:
        with self.rest.lock:
            self.calls[operation] += 1
        return self.rest.call(function, params, idempotent=idempotent)

    def _refusable(self, operation: str, function: str, params: dict[str, Any], *,
                   idempotent: bool) -> Any:
        """Call; a refusal of the whole call becomes :class:`BatchRefused` for bisection."""
        try:
            return self._call(operation, function, params, idempotent=idempotent)
        except MoodleError as exc:
            raise BatchRefused(moodle_reason(exc)) from exc

    # -- users ----------------------------------------------------------------------------

    def _to_host(self, data: dict[str, Any]) -> HostUser:
        email = str(data.get("email", ""))
        if email.lower().endswith("@" + self.noemail_domain.lower()):
            email = ""
        return HostUser(int(data["id"]), str(data.get("username", "")),
                        str(data.get("idnumber", "")), str(data.get("firstname", "")),
                        str(data.get("lastname", "")), email, bool(data.get("suspended", False)))

    def _get_by_field(self, operation: str, field: str, values: Sequence[str]) -> list[Any]:
        function = "core_user_get_users_by_field"
        replies = self.rest.run(
            lambda chunk: self._call(operation, function, {"field": field, "values": list(chunk)},
                                     idempotent=True) or [],
            list(chunks(list(values), self._size(function))))
        return [user for reply in replies for user in reply]

    def find_users(
        self, field_name: Literal["idnumber", "username"], values: Sequence[str]
    ) -> list[HostUser]:
        found = self._get_by_field("find_users", field_name, values)
        if field_name == "idnumber" and any("idnumber" not in u for u in found):
            # user/lib.php user_get_user_details() returns idnumber only when it is in
            # showuseridentity or with moodle/user:viewalldetails: without it no account can
            # be matched safely.
            raise HostAuthError(
                "Le compte du jeton Moodle ne voit pas le champ « numéro d'identification » "
                "(idnumber) des utilisateurs : donnez-lui la capacité "
                "moodle/user:viewalldetails, ou ajoutez ce champ au réglage « Identité des "
                "utilisateurs » (showuseridentity).")
        users = [self._to_host(u) for u in found]
        wanted = set(values)  # exact match, whatever the database collation
        return sorted((u for u in users if getattr(u, field_name) in wanted),
                      key=lambda u: u.id)

    def create_users(self, users: Sequence[NewUser]) -> BatchResult:
        # Moodle refuses such usernames without naming them (default debug): say it here.
        invalid = {u.idnumber: r for u in users if (r := check_username(u.username))}
        notes: dict[str, str] = {}
        prepared = self._with_emails([u for u in users if u.idnumber not in invalid], notes)

        def send(batch: Sequence[NewUser]) -> BatchResult:
            try:
                return create_safely(batch, self._create_call,
                                     lambda ids: self.find_users("idnumber", ids))
            except BatchRefused as refused:
                if len(batch) == 1:  # isolated: retry without its email, or name the account
                    return self._create_alone(batch[0], refused, notes)
                raise

        result = isolate(prepared, lambda u: u.idnumber, send,
                         batch_size=self._size("core_user_create_users"), run=self.rest.run)
        self.notices += [notes[k] for k in result.ok if k in notes]
        return result.merge(BatchResult(failed=invalid))

    def _placeholder(self, user: NewUser) -> str:
        return f"{user.username}@{self.noemail_domain}"

    def _with_emails(self, users: list[NewUser], notes: dict[str, str]) -> list[NewUser]:
        """Give a placeholder email to users without a valid one or whose email is used.

        Moodle's look-up by email is exact (``core_user_get_users_by_field``) while its
        uniqueness check ignores case: both the given and the lower-case forms are looked up,
        and a refusal left (another case on the site) is handled by :meth:`_create_alone`.
        """
        given = {e for u in users if (e := (u.email or "").strip()) and EMAIL_RE.match(e)}
        wanted = sorted(given | {e.lower() for e in given})
        used = {str(u.get("email", "")).lower()
                for u in (self._get_by_field("find_emails", "email", wanted) if wanted else [])}
        result, shared = [], 0
        for user in users:
            email = (user.email or "").strip()
            if email and not EMAIL_RE.match(email):
                notes[user.idnumber] = (
                    f"Adresse e-mail invalide pour « {user.username} » (« {email} ») : compte "
                    f"créé avec l'adresse fictive {self._placeholder(user)}.")
                email = ""
            elif email.lower() in used:
                shared += 1
                email = ""
            email = email or self._placeholder(user)
            used.add(email.lower())
            result.append(dataclasses.replace(user, email=email))
        if shared:
            log.info("%d adresse(s) déjà utilisée(s) remplacée(s) par une adresse fictive.",
                     shared)
        return result

    def _create_alone(self, user: NewUser, refused: BatchRefused,
                      notes: dict[str, str]) -> BatchResult:
        """One account Moodle refused: without its email if it had one, else say why."""
        placeholder = self._placeholder(user)
        if user.email and user.email != placeholder and not is_policy_reason(refused.reason):
            try:
                result = self._create_call([dataclasses.replace(user, email=placeholder)])
            except BatchRefused:
                pass
            else:
                notes[user.idnumber] = (
                    f"Adresse e-mail « {user.email} » de « {user.username} » refusée par Moodle "
                    "(déjà utilisée sur le site, à la casse près) : compte créé avec l'adresse "
                    f"fictive {placeholder}.")
                return result
        if self.find_users("username", [user.username]):
            raise BatchRefused(duplicate_username(user.username)) from refused
        raise BatchRefused(f"compte « {user.username} » : {refused.reason}") from refused

    def _create_call(self, batch: Sequence[NewUser]) -> BatchResult:
        users = [{"username": u.username, "password": u.password, "firstname": u.firstname,
                  "lastname": u.lastname, "email": u.email, "auth": "manual",
                  "idnumber": u.idnumber,
                  "preferences": [{"type": "auth_forcepasswordchange", "value": "1"}]}
                 for u in batch]
        reply = self._refusable("create_users", "core_user_create_users", {"users": users},
                                idempotent=False) or []
        ids = {str(r["username"]): int(r["id"]) for r in reply}
        ok = {u.idnumber: ids[u.username] for u in batch if u.username in ids}
        missing = [u for u in batch if u.username not in ids]
        if not missing:
            return BatchResult(ok=ok)
        # Fewer replies than users: PHP's max_input_vars truncated the request. The unseen
        # users are looked up; those absent are sent again in batches that fit.
        log.warning("Moodle n'a créé que %d compte(s) sur %d : vérification.", len(ok), len(batch))
        found = {u.idnumber: u.id for u in self.find_users("idnumber",
                                                             [u.idnumber for u in missing])}
        result = BatchResult(ok={**ok, **found})
        unseen = [u for u in missing if u.idnumber not in found]
        if ok and unseen:  # isolated among themselves: created users are never re-sent
            result = result.merge(isolate(unseen, lambda u: u.idnumber, self._create_call,
                                          batch_size=len(ok)))
        if not ok:
            result = result.merge(BatchResult(failed={
                u.idnumber: "non traité par Moodle (requête tronquée par max_input_vars) : "
                "réduisez CPRO_SIECLE_BATCH_SIZE" for u in unseen}))
        return result

    def set_suspended(self, user_ids: Sequence[int], suspended: bool) -> BatchResult:
        def send(batch: Sequence[int]) -> BatchResult:
            users = [{"id": uid, "suspended": 1 if suspended else 0} for uid in batch]
            reply = self._refusable("set_suspended", "core_user_update_users", {"users": users},
                                    idempotent=True)
            return by_warnings(batch, reply)

        return isolate(list(user_ids), str, send, batch_size=self._size("core_user_update_users"),
                       run=self.rest.run)

    def delete_users(self, user_ids: Sequence[int]) -> BatchResult:
        def send(batch: Sequence[int]) -> BatchResult:
            try:
                self._call("delete_users", "core_user_delete_users", {"userids": list(batch)},
                           idempotent=True)  # deleting twice leaves the same state
            except MoodleError as exc:
                if len(batch) == 1 and exc.errorcode in (*MISSING, "invaliduser"):
                    return BatchResult(ok={str(batch[0]): batch[0]})  # already gone
                raise BatchRefused(moodle_reason(exc)) from exc
            return BatchResult(ok={str(uid): uid for uid in batch})

        return isolate(list(user_ids), str, send, batch_size=self._size("core_user_delete_users"),
                       run=self.rest.run)

    def set_password(self, user_id: int, password: str) -> None:
        user = {"id": user_id, "password": password,
                "preferences": [{"type": "auth_forcepasswordchange", "value": "1"}]}
        try:
            reply = self._call("set_password", "core_user_update_users", {"users": [user]},
                               idempotent=True)
        except MoodleError as exc:
            raise HostRejectedError(f"Mot de passe non modifié : {moodle_reason(exc)}.",
                                    {str(user_id): moodle_reason(exc)}) from exc
        failed = by_warnings([user_id], reply).failed
        if failed:
            reason = failed[str(user_id)]
            raise HostRejectedError(f"Mot de passe non modifié : {reason}.", dict(failed))

    # -- guardians ------------------------------------------------------------------------

    def link_guardians(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._roles("link_guardians", "core_role_assign_roles", "assignments", pairs)

    def unlink_guardians(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        return self._roles("unlink_guardians", "core_role_unassign_roles", "unassignments", pairs)

    def _roles(self, operation: str, function: str, field: str,
               pairs: Sequence[tuple[int, int]]) -> BatchResult:
        role = self.role_id
        if role is None:
            reason = (f"rôle parent « {self.parent_role} » : indiquez son identifiant numérique "
                      "dans CPRO_SIECLE_MOODLE_PARENT_ROLE")
            return BatchResult(failed={pair_key(g, s): reason for g, s in pairs})

        def send(batch: Sequence[tuple[int, int]]) -> BatchResult:
            items = [{"roleid": role, "userid": g, "contextlevel": "user", "instanceid": s}
                     for g, s in batch]
            self._refusable(operation, function, {field: items}, idempotent=True)
            return BatchResult(ok={pair_key(g, s): s for g, s in batch})

        return isolate(list(pairs), lambda p: pair_key(*p), send, batch_size=self._size(function),
                       run=self.rest.run)

    def check(self, *, writes: bool = True) -> Preflight:
        return run_preflight(self, writes=writes)

    def identity(self) -> HostIdentity:
        """The site's identity from ``core_webservice_get_site_info``.

        Moodle returns no site identifier: ``siteid`` is the front page course (1 on every
        site). ``userprivateaccesskey`` is a random key Moodle keeps for the token's account
        on this site (``mdl_user_private_key``, made once, never expires): a site reinstalled
        at the same URL, or a copy restored from before the key was made, gives another one.
        Only a hash of it is kept (the key itself opens the account's files).
        """
        site = self.site
        if site is None:
            site = self.site = self._call("site_info", "core_webservice_get_site_info", {},
                                          idempotent=True)
        url = str(site.get("siteurl") or self.rest.url.removesuffix(ENDPOINT))
        key = str(site.get("userprivateaccesskey") or url)
        digest = hashlib.sha256(f"{key}:{site.get('userid', '')}".encode()).hexdigest()[:24]
        return HostIdentity(self.name, url, f"moodle:{digest}")
