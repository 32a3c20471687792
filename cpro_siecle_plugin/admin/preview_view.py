"""The dry-run preview as rows a school can read at its size (no Flask here).

A summary first (accounts per population and per action, classes and groups to create),
then each list: accounts to create by class, leavers grouped by their former class with the
date their access ends and the date they will be deleted, promotions (2NDE → 1ERE) apart from
real class changes. The same rows feed the page and the CSV for the vie scolaire.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..collation import class_key, person_key, text_key
from ..french import plural, school_year
from ..messages import ACTION_LABELS
from ..reports.render import french_date
from ..store.records import PersonRecord
from ..sync.plan import (
    AddMember,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    DeleteUser,
    Plan,
    ReactivateUser,
    RemoveMember,
    SuspendUser,
)
from ..sync.planner import add_months
from ..sync.state import Population

#: Populations in the order the summary lists them, with their French plural label.
POPULATIONS = (
    (Population.TEACHER.value, "Enseignants"),
    (Population.HEAD.value, "Personnels de direction"),
    (Population.STAFF.value, "Autres personnels"),
    (Population.STUDENT.value, "Élèves"),
    (Population.GUARDIAN.value, "Responsables légaux"),
)
_POPULATION_LABELS = dict(POPULATIONS)
#: One person's population, singular, for the lists and the CSV.
_SINGULAR = {
    "teacher": "enseignant",
    "head": "personnel de direction",
    "staff": "autre personnel",
    "student": "élève",
    "guardian": "responsable légal",
}


@dataclass(frozen=True)
class Known:
    """What the ledger knows of a person, for naming them in the preview."""

    lastname: str
    firstname: str
    division: str = ""
    population: str = ""


def known_people(
    records: Iterable[PersonRecord], structures: Mapping[str, tuple[str, bool]]
) -> dict[str, Known]:
    """Person key → name and current class, from the ledger's records.

    :param structures: code → (label, is_group) of the school's structures.
    """
    known: dict[str, Known] = {}
    for record in records:
        codes = [c.split(":", 1)[-1] for c in record.cohorts if not c.endswith(":ens")]
        division = next((c for c in codes if not structures.get(c, ("", False))[1]), "")
        known[record.key] = Known(record.lastname, record.firstname, division, record.population)
    return known


def _code(cohort_key: str) -> str:
    return cohort_key.split(":", 1)[-1].removesuffix(":ens")


def _is_teachers(cohort_key: str) -> bool:
    return cohort_key.endswith(":ens")


def cohort_summary(cohorts: Iterable[CreateCohort]) -> str:
    """« 40 classes, 20 groupes, + 60 groupes d'enseignants » for the cohorts to create."""
    classes = groups = teachers = 0
    for cohort in cohorts:
        if _is_teachers(cohort.cohort_key):
            teachers += 1
        elif cohort.description.startswith("Groupe"):
            groups += 1
        else:
            classes += 1
    parts = [plural(n, word) for n, word in ((classes, "classe"), (groups, "groupe")) if n]
    text = ", ".join(parts)
    if teachers:
        text += (" + " if text else "") + plural(teachers, "groupe", "groupes") + " d'enseignants"
    return text


def _name(key: str, plan_names: Mapping[str, Known], known: Mapping[str, Known]) -> Known:
    return plan_names.get(key) or known.get(key) or Known(key, "")


def _person_row(key: str, info: Known, population: str, username: str) -> dict[str, Any]:
    return {
        "key": key,
        "population": _SINGULAR.get(population, population),
        "population_value": population,
        "lastname": info.lastname,
        "firstname": info.firstname,
        "name": f"{info.lastname} {info.firstname}".strip(),
        "username": username,
        "ine": "",
        "division": info.division,
    }


def _created(action: CreateUser, divisions: Mapping[str, str]) -> dict[str, Any]:
    """A new account's row; a guardian's « class » is their new students' classes."""
    info = Known(action.lastname, action.firstname, action.division or "")
    row = _person_row(action.person_key, info, action.population, action.username)
    row["ine"] = (action.national_id or "") if action.population == "student" else ""
    children = {divisions[k] for k in action.students if k in divisions}
    row["division"] = (action.division or ", ".join(action.classes)
                       or ", ".join(sorted(children, key=class_key)))
    row["groups"] = ", ".join(action.groups)
    return row


def _memberships(plan: Plan) -> dict[str, dict[str, list[str]]]:
    moves: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"from": [], "to": []})
    for action in plan.actions:
        if isinstance(action, RemoveMember | AddMember):
            side = "from" if isinstance(action, RemoveMember) else "to"
            label = _code(action.cohort_key)
            if _is_teachers(action.cohort_key):
                label += " (enseignants)"
            moves[action.person_key][side].append(label)
    return moves


def _is_promotion(old: list[str], new: list[str]) -> bool:
    """A class change one level up (2NDE3 → 1ERE3), not a change within the level."""
    old_levels = [_level(c) for c in old]
    new_levels = [_level(c) for c in new]
    return bool(old and new) and min(new_levels) > max(old_levels)


def _level(code: str) -> int:
    rank = class_key(code)[0]
    return rank if isinstance(rank, int) else 0


@dataclass(frozen=True)
class _Dates:
    today: date
    login_months: int
    retention_months: int

    @classmethod
    def of(cls, plan: Plan) -> _Dates:
        today = plan.meta.get("today")
        return cls(
            date.fromisoformat(str(today)) if today else date.today(),
            int(plan.meta.get("student_login_months", 12) or 0),
            int(plan.meta.get("retention_months", 12) or 0),
        )

    def access_until(self, action: DeactivateUser) -> str:
        if action.suspend:
            return french_date(self.today.isoformat())
        return french_date(add_months(self.today, self.login_months).isoformat())

    def deleted_on(self) -> str:
        return french_date(add_months(self.today, self.retention_months).isoformat())


def _by_class(rows: list[dict[str, Any]], field: str = "division") -> list[tuple[str, list[Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[field]].append(row)
    order = sorted(groups, key=lambda c: (c == "", class_key(c)))
    return [(code, _by_name(groups[code])) for code in order]


def _by_name(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: person_key(r["lastname"], r["firstname"], r["username"]))


def _leavers(
    plan: Plan, known: Mapping[str, Known], moves: Mapping[str, dict[str, list[str]]]
) -> list[dict[str, Any]]:
    dates = _Dates.of(plan)
    rows = []
    for action in plan.actions:
        if not isinstance(action, DeactivateUser):
            continue
        info = known.get(action.person_key) or Known(action.username, "")
        row = _person_row(action.person_key, info, action.population, action.username)
        left = [c for c in moves.get(action.person_key, {}).get("from", []) if "(" not in c]
        row["division"] = info.division or (left[0] if left else "")
        row["access_until"] = dates.access_until(action)
        row["deleted_on"] = dates.deleted_on()
        row["reason"] = action.reason
        rows.append(row)
    return rows


def _changes(
    plan: Plan, names: Mapping[str, Known], known: Mapping[str, Known], skip: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(promotions, other class or group changes) of people staying on the platform."""
    promotions: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    for key, change in _memberships(plan).items():
        if key in skip:
            continue
        info = _name(key, names, known)
        row = _person_row(key, info, info.population, "")
        row.update({"from": ", ".join(change["from"]) or "—", "to": ", ".join(change["to"]) or "—"})
        classes_from = [c for c in change["from"] if "(" not in c]
        classes_to = [c for c in change["to"] if "(" not in c]
        row["division"] = classes_to[0] if classes_to else info.division
        (promotions if _is_promotion(classes_from, classes_to) else moves).append(row)
    return _by_name(promotions), _by_name(moves)


def _summary(plan: Plan, moved: Iterable[str]) -> list[dict[str, Any]]:
    """Accounts per population and action, populations with nothing to do left out."""
    figures: dict[str, dict[str, int]] = {
        p: {"create": 0, "reactivate": 0, "leave": 0, "delete": 0, "move": 0}
        for p, _ in POPULATIONS
    }
    column = {
        CreateUser: "create",
        ReactivateUser: "reactivate",
        DeactivateUser: "leave",
        SuspendUser: "leave",
        DeleteUser: "delete",
    }
    for action in plan.actions:
        name = column.get(type(action))
        population = getattr(action, "population", None)
        if name and population in figures:
            figures[population][name] += 1
    for population in moved:
        if population in figures:
            figures[population]["move"] += 1
    return [
        {"label": _POPULATION_LABELS[p], **figures[p]}
        for p, _ in POPULATIONS
        if any(figures[p].values())
    ]


def _year_change(plan: Plan, last_year: int | None) -> dict[str, str] | None:
    year = plan.meta.get("year")
    if not plan.meta.get("year_change") or not isinstance(year, int):
        return None
    before = last_year if isinstance(last_year, int) and last_year < year else year - 1
    return {"before": school_year(before), "after": school_year(year)}


def plan_view(
    plan: Plan, known: Mapping[str, Known] | None = None, last_year: int | None = None
) -> dict[str, Any]:
    """The summary and the lists of the dry-run preview.

    :param known: person key → what the ledger knows of people already imported.
    :param last_year: school year of the last import applied (names the year change).
    """
    known = known or {}
    users = [a for a in plan.actions if isinstance(a, CreateUser)]
    divisions = {a.person_key: a.division for a in users if a.division}
    created = [_created(a, divisions) for a in users]
    names = {
        r["key"]: Known(r["lastname"], r["firstname"], r["division"], r["population_value"])
        for r in created
    }
    moves = _memberships(plan)
    leavers = _leavers(plan, known, moves)
    gone_keys = {r["key"] for r in leavers} | {r["key"] for r in created}
    promotions, changes = _changes(plan, names, known, gone_keys)
    moved = [r["population_value"] for r in [*promotions, *changes]]
    students = [r for r in leavers if r["population_value"] == "student"]
    created_students = [r for r in created if r["population_value"] == "student"]
    _rank_classes([*promotions, *changes])
    return {
        "empty": plan.is_empty,
        "counts": [(ACTION_LABELS.get(k, k), n) for k, n in plan.counts().items() if n],
        "summary": _summary(plan, moved),
        "cohorts": sorted((a for a in plan.actions if isinstance(a, CreateCohort)),
                          key=lambda c: (_is_teachers(c.cohort_key), class_key(c.name))),
        "cohort_summary": cohort_summary(a for a in plan.actions if isinstance(a, CreateCohort)),
        "created": _by_class(created_students),
        "created_count": len(created_students),
        "created_others": sorted(
            (r for r in created if r["population_value"] != "student"),
            key=lambda r: (text_key(r["population"]), person_key(r["lastname"], r["firstname"])),
        ),
        "reactivated": _by_name([
            _person_row(a.person_key, _name(a.person_key, names, known), a.population, a.username)
            for a in plan.actions if isinstance(a, ReactivateUser)
        ]),
        "leaving_students": _by_class(students),
        "leaving_students_count": len(students),
        "leaving_others": _by_name([r for r in leavers if r["population_value"] != "student"]),
        "suspended": _by_name([
            _person_row(a.person_key, _name(a.person_key, names, known), a.population, a.username)
            for a in plan.actions if isinstance(a, SuspendUser)
        ]),
        "deleted": _by_name([
            _person_row(a.person_key, _name(a.person_key, names, known), a.population, a.username)
            for a in plan.actions if isinstance(a, DeleteUser)
        ]),
        "promotions": promotions,
        "promotion_classes": _classes(promotions),
        "moves": changes,
        "move_classes": _classes(changes),
        "year_change": _year_change(plan, last_year),
        "warnings": list(plan.meta.get("warnings", []) or []),
        "brake": dict(plan.meta.get("brake", {}) or {}),
        "today": french_date(str(plan.meta.get("today", ""))) if plan.meta.get("today") else "",
        "login_months": int(plan.meta.get("student_login_months", 12) or 0),
        "retention_months": int(plan.meta.get("retention_months", 12) or 0),
    }


def _classes(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The classes of ``rows`` in natural order (for a class filter)."""
    return sorted({r["division"] for r in rows if r["division"]}, key=class_key)


def _rank_classes(rows: list[dict[str, Any]]) -> None:
    """Give each row ``to_sort``: its new class's rank in natural order (for sorting)."""
    order = {code: rank for rank, code in enumerate(_classes(rows))}
    for row in rows:
        row["to_sort"] = order.get(row["division"], len(order))


#: Columns of the preview's CSV: header → row field.
CSV_COLUMNS = (
    ("Opération", "what"),
    ("Type", "population"),
    ("Nom", "lastname"),
    ("Prénom", "firstname"),
    ("Identifiant", "username"),
    ("INE", "ine"),
    ("Classe", "division"),
    ("Ancienne classe ou groupe", "from"),
    ("Nouvelle classe ou groupe", "to"),
    ("Accès jusqu'au", "access_until"),
    ("Suppression le", "deleted_on"),
)


def _csv_rows(view: Mapping[str, Any]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    for _, rows in view["created"]:
        yield from (("compte à créer", r) for r in rows)
    yield from (("compte à créer", r) for r in view["created_others"])
    yield from (("compte à réactiver", r) for r in view["reactivated"])
    for _, rows in view["leaving_students"]:
        yield from (("quitte l'établissement", r) for r in rows)
    yield from (("quitte l'établissement", r) for r in view["leaving_others"])
    yield from (("fin de la période de connexion", r) for r in view["suspended"])
    yield from (("compte à supprimer", r) for r in view["deleted"])
    yield from (("passage au niveau supérieur", r) for r in view["promotions"])
    yield from (("changement de classe ou de groupe", r) for r in view["moves"])


def preview_csv(view: Mapping[str, Any]) -> str:
    """The preview's people as CSV (semicolons, byte-order mark for Excel), passwords left out."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([header for header, _ in CSV_COLUMNS])
    for what, row in _csv_rows(view):
        values = {**row, "what": what}
        writer.writerow([values.get(field, "") for _, field in CSV_COLUMNS])
    return out.getvalue()


__all__ = [
    "Known",
    "cohort_summary",
    "known_people",
    "plan_view",
    "preview_csv",
    "school_year",
]
