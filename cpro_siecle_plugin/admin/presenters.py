"""Plain rows for the templates, computed from the plan and the analysis (no Flask here)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..collation import class_key, person_key
from ..domain import SOURCE_LABELS
from ..errors import Problem
from ..messages import ACTION_LABELS, DONE_LABELS, FUNCTION_LABELS, HOST_LABELS
from ..reports.pdf import CHANGE_LABELS
from ..reports.report import AccountLine, Report
from ..sync.state import Population

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


def _account(line: AccountLine) -> dict[str, Any]:
    """One new account as a row of the page's lists (tuples joined)."""
    return {
        "lastname": line.lastname,
        "firstname": line.firstname,
        "username": line.username,
        "password": line.password,
        "division": line.division or "",
        "groups": ", ".join(line.groups),
        "students": line.children_text,
    }


def _by_name(lines: Iterable[AccountLine]) -> list[dict[str, Any]]:
    rows = [_account(line) for line in lines]
    return sorted(rows, key=lambda r: person_key(r["lastname"], r["firstname"], r["username"]))


def report_sections(report: Report) -> dict[str, Any]:
    """The report's accounts grouped for the page: students by class (natural order, those
    without a class last), guardians by name, changes by kind."""
    classes: dict[str, list[AccountLine]] = defaultdict(list)
    for line in report.students:
        classes[line.division or ""].append(line)
    order = sorted(classes, key=lambda c: (c == "", class_key(c)))
    return {
        "classes": [(code, _by_name(classes[code])) for code in order],
        "guardians": _by_name(report.guardians),
        "changes": [
            (kind, label, [vars(c) for c in report.of_change(kind)])
            for kind, label in CHANGE_LABELS.items()
            if report.of_change(kind)
        ],
        "staff": report.of_population("staff"),
    }
