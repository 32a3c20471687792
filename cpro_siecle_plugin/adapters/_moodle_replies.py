"""How Moodle's replies are read: refusal reasons, ``warnings`` arrays, member warnings.

Shapes confirmed in Moodle's source: ``core_user_update_users`` (newer versions) returns
``{"warnings": [{"item": "user", "itemid": id, "warningcode", "message"}]}``;
``core_cohort_add_cohort_members`` returns warnings without item ids, whose ``message``
reads ``cohort id=N not exists`` / ``user id=N not exists`` (code 2) or ``record already
exists`` (code 3) (``cohort/externallib.php``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._moodle_rest import MoodleError
from .base import BatchResult, pair_key

__all__ = ["moodle_reason", "is_policy_error", "is_policy_reason", "by_warnings",
           "member_warnings", "MISSING", "EMAIL_RE"]

#: Error codes of a record that is not (or no longer) there; the lab's Moodle 5.0 answers
#: ``invalidrecordunknown`` to a delete of a deleted account, a removal of a deleted
#: account's membership and a delete of an unknown id.
MISSING = ("invalidrecord", "invalidrecordunknown")
_POLICY = re.compile(r"passwords? must|mots? de passe|password policy", re.IGNORECASE)
#: Moodle's ``validate_email()`` (lib/moodlelib.php): what ``core_user_create_users`` accepts;
#: an address it refuses fails the whole call with only « Invalid parameter value detected ».
EMAIL_RE = re.compile(
    r"^[-!#$%&'*+/0-9=?A-Z^_`a-z{|}~]+(\.[-!#$%&'*+/0-9=?A-Z^_`a-z{|}~]+)*"
    r"@[-!#$%&'*+/0-9=?A-Z^_`a-z{|}~]+\.[-!#$%&'*+./0-9=?A-Z^_`a-z{|}~]+$")
#: Warning codes of ``core_user_update_users``, in French.
_UPDATE_WARNINGS = {
    "usernotupdateddeleted": "compte supprimé sur la plateforme (à la main ?)",
    "invaliduserid": "compte introuvable sur la plateforme",
}


def is_policy_error(error: MoodleError) -> bool:
    """Whether Moodle refused a password by its password policy."""
    return bool(_POLICY.search(" ".join((error.errorcode, error.moodle_message,
                                         error.debuginfo))))


POLICY_REASON = "mot de passe initial refusé par la politique de mots de passe du site"


def is_policy_reason(reason: str) -> bool:
    """Whether a French reason of :func:`moodle_reason` is the password policy's."""
    return reason.startswith(POLICY_REASON)


def moodle_reason(error: MoodleError) -> str:
    """French reason for a record Moodle refused."""
    if is_policy_error(error):
        return f"{POLICY_REASON} (« {error.errorcode} »)"
    if error.errorcode in MISSING:
        return "introuvable sur la plateforme"
    if "does not exist or is deleted" in error.moodle_message:  # core_role_assign_roles
        return "compte introuvable ou supprimé sur la plateforme"
    detail = error.debuginfo or error.moodle_message
    return f"refusé par Moodle : {detail} ({error.errorcode})"


def by_warnings(batch: Sequence[int], reply: Any) -> BatchResult:
    """Per-user outcome of ``update_users``: warnings (newer versions) name the failed ids."""
    warnings = reply.get("warnings", []) if isinstance(reply, dict) else []
    failed = {str(w.get("itemid")): _UPDATE_WARNINGS.get(
                  str(w.get("warningcode")), f"refusé par Moodle : {w.get('message', '')}")
              for w in warnings if w.get("itemid") is not None}
    return BatchResult({str(u): u for u in batch if str(u) not in failed}, failed)


_NOT_EXISTS = re.compile(r"^(cohort|user) id=(\d+) not exists")


def member_warnings(batch: Sequence[tuple[int, int]], reply: Any) -> BatchResult:
    """Outcome of ``add_cohort_members`` from its warnings (code 3, already there, is fine)."""
    missing: set[tuple[str, int]] = set()
    for warning in (reply or {}).get("warnings", []):
        match = _NOT_EXISTS.match(str(warning.get("message", "")))
        if str(warning.get("warningcode")) == "2" and match:
            missing.add((match.group(1), int(match.group(2))))
    ok: dict[str, int] = {}
    failed: dict[str, str] = {}
    for c, u in batch:
        if ("cohort", c) in missing or ("user", u) in missing:
            failed[pair_key(c, u)] = "cohorte ou compte introuvable sur la plateforme"
        else:
            ok[pair_key(c, u)] = u
    return BatchResult(ok, failed)
