"""Preflight of a Moodle site: reachable, token valid, functions granted, role, passwords.

Moodle has no web service that reads the password policy, and none that lists roles by
shortname (``core_role_assign_roles`` takes a numeric ``roleid``). So:

- the parent role must be configured by its numeric id; it is checked by unassigning it from
  the token's own account in its own user context -- a no-op when the role is assignable
  there, an ``invalid_parameter_exception`` when it is missing or not assignable at the
  "user" level (``enrol/externallib.php``, ``core_role_external::unassign_roles``);
- the password policy is probed by one ``core_user_create_users`` call that cannot succeed:
  two throw-away users with birth-date passwords, then a third with the second one's
  username. Moodle runs the call in one transaction (``user/externallib.php``): if a
  password is refused the error is the policy's; otherwise the duplicate username fails the
  call with ``invalidparameter`` and the whole transaction is rolled back -- nothing is kept.

Both probes call write functions: they run only when the import has something to write
(``writes``), and a passed probe is trusted for :data:`PROBE_TTL` seconds by the same adapter
(a preview and its apply probe once). A no-change re-import thus sends no write request.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import HostAuthError, HostUnavailableError
from ._moodle_replies import is_policy_error
from ._moodle_rest import MoodleError, MoodleTransport
from .base import Preflight, PreflightCheck


class MoodleHost(Protocol):
    """What the preflight reads of :class:`~.moodle.MoodleHost` (no import back into it)."""

    name: str
    rest: MoodleTransport
    parent_role: str
    noemail_domain: str
    password_probe: bool
    #: Last reply of core_webservice_get_site_info (the host's identity reads it).
    site: dict[str, Any] | None
    #: Passed write probes: check name -> (time.monotonic() when passed, the check).
    probed: dict[str, tuple[float, PreflightCheck]]

    @property
    def role_id(self) -> int | None: ...

#: Every function the adapter calls; the token's service must grant them all.
REQUIRED_FUNCTIONS = (
    "core_webservice_get_site_info", "core_user_create_users", "core_user_update_users",
    "core_user_get_users_by_field", "core_user_delete_users", "core_cohort_create_cohorts",
    "core_cohort_get_cohorts", "core_cohort_add_cohort_members",
    "core_cohort_delete_cohort_members", "core_cohort_get_cohort_members",
    "core_role_assign_roles", "core_role_unassign_roles",
)

#: Seconds a passed write probe is trusted by the same adapter.
PROBE_TTL = 600.0

POLICY_HELP = (
    "Sur Moodle : Administration du site > Sécurité > Règles du site > « Règles de mot de "
    "passe » : décochez-la, ou ramenez à 0 les nombres minimaux de majuscules, minuscules et "
    "caractères spéciaux (longueur 8 au plus), le temps de l'importation."
)


def run_preflight(host: MoodleHost, *, writes: bool = True) -> Preflight:
    """Every check of the site, each with its own French message.

    :param writes: the import will write: probe the parent role and the password policy
        (else they are reported as not needed, without any request).
    """
    try:
        site = host.rest.call("core_webservice_get_site_info", {}, idempotent=True)
        host.site = site
    except HostUnavailableError as exc:
        return Preflight(host.name, (PreflightCheck("joignable", False, str(exc)),))
    except (HostAuthError, MoodleError) as exc:
        return Preflight(host.name, (
            PreflightCheck("joignable", True, "Le site Moodle répond."),
            PreflightCheck("jeton", False, str(exc))))
    granted = {f.get("name") for f in site.get("functions", [])}
    checks = [
        PreflightCheck("joignable", True, "Le site Moodle répond."),
        PreflightCheck("jeton", True, (
            f"Jeton accepté : site « {site.get('sitename', '')} », Moodle "
            f"{site.get('release', '?')}, compte « {site.get('username', '')} »."), ),
        _functions(granted),
        _probe(host, site, "rôle parent", writes, lambda: _role(host, site, granted)),
        _probe(host, site, "mots de passe", writes, lambda: _passwords(host, granted)),
    ]
    return Preflight(host.name, tuple(checks))


def _probe(host: MoodleHost, site: dict[str, Any], name: str, writes: bool,
           run: Callable[[], PreflightCheck]) -> PreflightCheck:
    """A write probe: skipped when nothing is to be written, trusted a while once passed
    (on the same site, with the same token's account)."""
    if not writes:
        return PreflightCheck(name, True, "Non vérifié : l'importation n'a rien à écrire.",
                              blocking=False)
    key = f"{name}:{site.get('userprivateaccesskey', '')}:{site.get('userid', '')}"
    passed = host.probed.get(key)
    if passed is not None and time.monotonic() - passed[0] < PROBE_TTL:
        return passed[1]
    check = run()
    if check.ok:
        host.probed[key] = (time.monotonic(), check)
    return check


#: Functions another one can stand for (cohorts are found by either).
ALTERNATIVES = {"core_cohort_get_cohorts": "core_cohort_search_cohorts"}


def _functions(granted: set[Any]) -> PreflightCheck:
    missing = [f + (f" (ou {ALTERNATIVES[f]})" if f in ALTERNATIVES else "")
               for f in REQUIRED_FUNCTIONS
               if f not in granted and ALTERNATIVES.get(f) not in granted]
    if missing:
        return PreflightCheck("fonctions", False, (
            f"Fonctions non autorisées pour ce jeton : {', '.join(missing)}. Ajoutez-les au "
            "service externe du jeton (Administration du site > Serveur > Services web > "
            "Services externes > Fonctions)."))
    return PreflightCheck("fonctions", True, "Toutes les fonctions nécessaires sont autorisées.")


def _role(host: MoodleHost, site: dict[str, Any], granted: set[Any]) -> PreflightCheck:
    role = host.role_id
    if role is None:
        return PreflightCheck("rôle parent", False, (
            f"CPRO_SIECLE_MOODLE_PARENT_ROLE vaut « {host.parent_role} » : les services web de "
            "Moodle n'acceptent que l'identifiant numérique du rôle. Créez un rôle « Parent » "
            "attribuable au niveau « Utilisateur » (Administration du site > Utilisateurs > "
            "Permissions > Définition des rôles) et indiquez son identifiant (le nombre après "
            "« roleid= » dans l'adresse de sa page)."))
    if "core_role_unassign_roles" not in granted:
        return PreflightCheck("rôle parent", False,
                              f"Rôle parent n° {role} non vérifiable : fonction "
                              "core_role_unassign_roles non autorisée.")
    me = int(site.get("userid", 0))
    probe = {"unassignments": [{"roleid": role, "userid": me, "contextlevel": "user",
                                "instanceid": me}]}
    try:
        host.rest.call("core_role_unassign_roles", probe, idempotent=True)
    except MoodleError:
        return PreflightCheck("rôle parent", False, (
            f"Le rôle n° {role} (CPRO_SIECLE_MOODLE_PARENT_ROLE) est introuvable ou n'est pas "
            "attribuable au niveau « Utilisateur » : dans sa définition, cochez le type de "
            "contexte « Utilisateur », ou corrigez l'identifiant."))
    except HostAuthError as exc:
        return PreflightCheck("rôle parent", False, f"Rôle parent non vérifiable : {exc}")
    return PreflightCheck("rôle parent", True,
                          f"Le rôle n° {role} est attribuable dans le contexte des élèves.")


def _passwords(host: MoodleHost, granted: set[Any]) -> PreflightCheck:
    if not host.password_probe or "core_user_create_users" not in granted:
        return PreflightCheck("mots de passe", False, (
            "Politique de mots de passe non vérifiée : si elle est active, les mots de passe "
            "initiaux (dates de naissance) seront refusés. " + POLICY_HELP), blocking=False)
    name = f"cpro-siecle-verif-{secrets.token_hex(4)}"
    users = [_probe_user(f"{name}-a", "2008-05-12", host.noemail_domain),
             _probe_user(f"{name}-b", "12052008", host.noemail_domain),
             _probe_user(f"{name}-b", "12052008", host.noemail_domain, "c")]
    try:
        created = host.rest.call("core_user_create_users", {"users": users}, idempotent=False)
    except MoodleError as exc:
        if exc.errorcode == "invalidparameter":  # the duplicate username, after the passwords
            return PreflightCheck("mots de passe", True, (
                "Les mots de passe initiaux (dates de naissance) sont acceptés par le site."))
        if not is_policy_error(exc):
            return PreflightCheck("mots de passe", False, (
                f"Politique de mots de passe non vérifiable (réponse « {exc.errorcode} »). "
                "Si elle est active, les mots de passe initiaux seront refusés. " + POLICY_HELP),
                blocking=False)
        return PreflightCheck("mots de passe", False, (
            "La politique de mots de passe du site refuse les mots de passe initiaux (dates de "
            f"naissance, ex. 2008-05-12 ou 12052008) : « {exc.errorcode} ». " + POLICY_HELP))
    except HostAuthError as exc:
        # A capability missing on the token's role: required_capability_exception,
        # errorcode nopermissions, the capability's name in brackets (« (Create users) »).
        return PreflightCheck("capacités", False, (
            f"Le compte du jeton ne peut pas créer de comptes : {missing_capability(str(exc))}"
            f" ({exc}) Donnez-la au rôle système du compte (Administration du site > "
            "Utilisateurs > Permissions > Définition des rôles)."))
    except HostUnavailableError as exc:
        return PreflightCheck("mots de passe", False,
                              f"Politique de mots de passe non vérifiable : {exc}",
                              blocking=False)
    ids = [int(u["id"]) for u in created or []]  # not expected: clean up what was made
    if ids:
        host.rest.call("core_user_delete_users", {"userids": ids}, idempotent=True)
    return PreflightCheck("mots de passe", True,
                          "Les mots de passe initiaux (dates de naissance) sont acceptés.")


#: Capabilities the importer needs, by the English name Moodle's refusals give them.
CAPABILITIES = {
    "Create users": "moodle/user:create", "Update user profiles": "moodle/user:update",
    "Delete users": "moodle/user:delete", "Manage cohorts": "moodle/cohort:manage",
    "Assign cohort members": "moodle/cohort:assign", "View site-wide cohorts": "moodle/cohort:view",
    "Assign roles to users": "moodle/role:assign",
    "View all user details": "moodle/user:viewalldetails",
}


def missing_capability(message: str) -> str:
    """« capacité X manquante » from a Moodle refusal naming it, e.g. ``(Create users)``."""
    found = re.findall(r"\(([^()]+)\)", message)
    label = next((f for f in reversed(found) if f in CAPABILITIES), "")
    if label:
        return f"capacité {CAPABILITIES[label]} (« {label} ») manquante."
    return "une capacité manque au rôle du compte."


def _probe_user(username: str, password: str, domain: str, tag: str = "") -> dict[str, Any]:
    return {"username": username, "password": password, "firstname": "Vérification",
            "lastname": "CPRO SIECLE", "email": f"{username}{tag}@{domain}", "auth": "manual"}
