"""Plain rows for the templates, computed from the plan and the analysis (no Flask here)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..collation import class_key
from ..domain import SOURCE_LABELS
from ..errors import Problem
from ..messages import ACTION_LABELS, DONE_LABELS, FUNCTION_LABELS, HOST_LABELS
from ..reports.pdf import CHANGE_LABELS
from ..reports.report import Report
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
from ..sync.state import Population, cohort_code

#: Summary keys of the analysis, with their French labels, in display order.
SUMMARY_LABELS = {
    "uaj": "Établissement (UAJ)",
    "school_name": "Nom",
    "year": "Année scolaire",
    "source": "Source des fichiers",
    "divisions": "Classes",
    "groups": "Groupes",
    "teachers": "Enseignants",
    "heads": "Personnels de direction",
    "other_staff": "Autres personnels",
    "students": "Élèves dans le fichier",
    "active_students": "Élèves présents",
    "leavers": "Élèves sortis",
    "no_division": "Élèves sans classe",
    "guardians": "Responsables",
    "legal_links": "Liens de responsabilité légale",
    "other_links": "Autres liens",
    "warnings": "Avertissements",
    "errors": "Erreurs",
}


def population_label(value: str) -> str:
    """French label of a population value (``student``...), or the value itself."""
    try:
        return Population(value).label
    except ValueError:
        return value


def function_label(value: str) -> str:
    """One person's function in French, singular (``teacher`` → « enseignant »)."""
    return FUNCTION_LABELS.get(value) or population_label(value)


def host_label(name: str) -> str:
    """French name of an account host (``embedded``...), or the name itself."""
    return HOST_LABELS.get(name, name)


def unassigned_last(by_class: dict[str, Any]) -> dict[str, Any]:
    """Students by class with the « Sans classe » group (key ``""``) moved after the classes."""
    ordered = {division: rows for division, rows in by_class.items() if division}
    if "" in by_class:
        ordered[""] = by_class[""]
    return ordered


def row_anchor(person_key: str) -> str:
    """The HTML id of a person's row on « Identifiants »: ``0691234X:eleve:1001`` →
    ``p-0691234X-eleve-1001``."""
    return "p-" + re.sub(r"[^A-Za-z0-9_-]", "-", person_key)


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, Any]]:
    """The analysis summary as (label, value) rows, without empty or zero figures."""
    values = dict(summary)
    values["source"] = SOURCE_LABELS.get(values.get("source") or "", values.get("source"))
    if isinstance(values.get("year"), int):
        values["year"] = f"{values['year']}-{values['year'] + 1}"
    return [
        (label, values[key])
        for key, label in SUMMARY_LABELS.items()
        if values.get(key) not in (None, "", 0)
    ]


def problem_rows(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """Errors first, then warnings, each with file and line."""
    ordered = sorted(problems, key=lambda p: (not p.is_error, p.file or "", p.line or 0))
    return [
        {
            "error": p.is_error,
            "label": "À confirmer" if p.needs_confirmation
            else "Erreur" if p.is_error else "Avertissement",
            "file": p.file or "",
            "line": p.line or "",
            "message": p.message,
        }
        for p in ordered
    ]


def count_rows(counts: dict[str, Any] | None, done: bool = False) -> list[tuple[str, Any]]:
    """Counts keyed by action kind as (French label, number) rows; ``done`` for past runs."""
    labels = DONE_LABELS if done else ACTION_LABELS
    return [(labels.get(k, k), n) for k, n in (counts or {}).items() if n]


def _names(plan: Plan, known: dict[str, str] | None) -> dict[str, str]:
    names = dict(known or {})
    names.update(
        {
            a.person_key: f"{a.lastname} {a.firstname}"
            for a in plan.of_kind(CreateUser)
            if isinstance(a, CreateUser)
        }
    )
    return names


def _cohort_label(key: str) -> str:
    code, teachers = cohort_code(key)
    return f"{code} (enseignants)" if teachers else code


def _member_changes(plan: Plan, names: dict[str, str]) -> list[dict[str, Any]]:
    moves: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"from": [], "to": []})
    for action in plan.actions:
        if isinstance(action, RemoveMember):
            moves[action.person_key]["from"].append(_cohort_label(action.cohort_key))
        elif isinstance(action, AddMember):
            moves[action.person_key]["to"].append(_cohort_label(action.cohort_key))
    created = {a.person_key for a in plan.of_kind(CreateUser) if isinstance(a, CreateUser)}
    return [
        {
            "name": names.get(key, key),
            "from": ", ".join(m["from"]) or "—",
            "to": ", ".join(m["to"]) or "—",
        }
        for key, m in sorted(moves.items())
        if key not in created
    ]


def _alpha(text: str) -> str:
    """Sort key of a name the way a French list is read (accents and case ignored)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("Œ", "OE").replace("œ", "oe"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _sorted_rows(rows: list[dict[str, Any]], *fields: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: tuple(_alpha(str(row[f])) for f in fields))


def _children_classes(guardian: CreateUser, divisions: dict[str, str]) -> str:
    """The classes of a new guardian's new students, in school order (« 2NDE1, 1ERE2 »)."""
    codes = {divisions[k] for k in guardian.students if k in divisions}
    return ", ".join(sorted(codes, key=class_key))


def plan_view(plan: Plan, known: dict[str, str] | None = None) -> dict[str, Any]:
    """Counts per action kind and the tables of the dry-run preview.

    :param known: person key → display name of people the ledger already knows.
    """
    names = _names(plan, known)
    users = [a for a in plan.actions if isinstance(a, CreateUser)]
    divisions = {a.person_key: a.division for a in users if a.division}
    gone = [a for a in plan.actions if isinstance(a, DeactivateUser | SuspendUser | DeleteUser)]
    return {
        "empty": plan.is_empty,
        "counts": count_rows(plan.counts()),
        "cohorts": [a for a in plan.actions if isinstance(a, CreateCohort)],
        "created": _sorted_rows(
            [
                {
                    "population": population_label(a.population),
                    "name": f"{a.lastname} {a.firstname}",
                    "username": a.username,
                    "division": (a.division or ", ".join(a.classes)
                                 or _children_classes(a, divisions)),
                    "class_order": a.division if a.population == Population.STUDENT.value else "",
                }
                for a in users
            ],
            "class_order",
            "name",
        ),
        "reactivated": [
            {
                "population": population_label(a.population),
                "username": a.username,
                "name": names.get(a.person_key, a.username),
            }
            for a in plan.actions
            if isinstance(a, ReactivateUser)
        ],
        "gone": _sorted_rows(
            [
                {
                    "what": ACTION_LABELS[a.kind],
                    "population": population_label(a.population),
                    "username": a.username,
                    "name": names.get(a.person_key, a.username),
                }
                for a in gone
            ],
            "what",
            "population",
            "name",
        ),
        "moves": _sorted_rows(_member_changes(plan, names), "name"),
        "warnings": list(plan.meta.get("warnings", []) or []),
        "brake": dict(plan.meta.get("brake", {}) or {}),
    }


def report_sections(report: Report) -> dict[str, Any]:
    """The report's accounts grouped for the page: students by class, changes by kind."""
    classes: dict[str, list[Any]] = defaultdict(list)
    for line in report.students:
        classes[line.division or "sans classe"].append(line)
    return {
        "classes": sorted(classes.items(), key=lambda item: class_key(item[0])),
        "changes": [
            (label, report.of_change(kind))
            for kind, label in CHANGE_LABELS.items()
            if report.of_change(kind)
        ],
        "staff": report.of_population("staff"),
    }
