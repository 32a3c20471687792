"""« Identifiants » as rows a school can read at its size (no Flask here).

Staff by name; pupils of each class in natural class order (2NDE2 before 2NDE10), by name;
former pupils apart, with the day they left, the end of their login and their deletion date
(from ``CPRO_SIECLE_STUDENT_LOGIN_MONTHS`` / ``_RETENTION_MONTHS``); guardians by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..collation import class_key, person_key
from ..messages import FUNCTION_LABELS
from ..reports.render import french_date
from ..sync.planner import add_months


def _state(line: Mapping[str, Any]) -> str:
    if line.get("suspended"):
        return "suspendu"
    return "actif" if line.get("active") else "ancien élève" if line.get(
        "population") == "student" else "désactivé"


def _children(line: Mapping[str, Any]) -> str:
    """A guardian's children with their class: « BERNARD Louise (1ERE1), BERNARD Théo »."""
    return ", ".join(
        f"{c['lastname']} {c['firstname']}" + (f" ({c['division']})" if c.get("division") else "")
        for c in line.get("children") or ()
    ) or "—"


def _row(line: Mapping[str, Any], division: str = "") -> dict[str, Any]:
    return {
        **line,
        "division": division,
        "children_text": _children(line),
        "function": FUNCTION_LABELS.get(str(line.get("population")), line.get("population")),
        "state": _state(line),
    }


def _by_name(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: person_key(r["lastname"], r["firstname"], r["username"]))


def _former(line: Mapping[str, Any], login_months: int, retention_months: int) -> dict[str, Any]:
    row = _row(line)
    left = line.get("deactivated_on")
    if isinstance(left, date):
        row["left_on"] = french_date(left.isoformat())
        row["access_until"] = (
            "suspendue" if line.get("suspended")
            else french_date(add_months(left, login_months).isoformat())
        )
        row["deleted_on"] = french_date(add_months(left, retention_months).isoformat())
    else:
        row.update(left_on="", access_until="", deleted_on="")
    return row


def logins_view(
    logins: Mapping[str, Any], login_months: int, retention_months: int
) -> dict[str, Any]:
    """The rows of « Identifiants » from :meth:`SiecleService.logins`.

    :returns: ``staff``, ``classes`` ([(code, rows)], ``""`` last for pupils with no class),
        ``student_count``, ``former`` (pupils who left, with their dates) and ``guardians``.
    """
    classes: dict[str, list[dict[str, Any]]] = {}
    former: list[dict[str, Any]] = []
    for division, lines in (logins.get("students") or {}).items():
        for line in lines:
            if line.get("active"):
                classes.setdefault(division, []).append(_row(line, division))
            else:
                former.append(_former(line, login_months, retention_months))
    order: Sequence[str] = sorted(classes, key=lambda c: (c == "", class_key(c)))
    return {
        "staff": _by_name([_row(line) for line in logins.get("staff") or ()]),
        "classes": [(code, _by_name(classes[code])) for code in order],
        "student_count": sum(len(rows) for rows in classes.values()),
        "former": _by_name(former),
        "guardians": _by_name([_row(line) for line in logins.get("guardians") or ()]),
    }
