"""CSV and text renderings of a :class:`~.report.Report`, in French.

The CSV is one table, every row in the same columns: a ``type`` column (account created,
deactivated..., class or group created, failure), the person's profile, last and first name
apart; ``;``-separated and preceded by a UTF-8 byte-order mark, as French Excel expects.
Cells that a spreadsheet would read as a formula are prefixed with an apostrophe (names come
from files we do not control).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping

from .report import AccountLine, Report

POPULATIONS = (
    ("teacher", "Enseignants", "Enseignant"),
    ("head", "Direction", "Direction"),
    ("staff", "Autres personnels", "Autre personnel"),
    ("student", "Élèves", "Élève"),
    ("guardian", "Responsables légaux", "Responsable légal"),
)
CHANGES = (
    ("reactivated", "Comptes réactivés", "Réactivé"),
    ("deactivated", "Comptes désactivés", "Désactivé"),
    ("suspended", "Comptes suspendus", "Suspendu"),
    ("deleted", "Comptes supprimés", "Supprimé"),
)
COLUMNS = (
    "type",
    "profil",
    "nom",
    "prénom",
    "identifiant",
    "mot de passe",
    "classe",
    "groupes",
    "disciplines",
    "classes enseignées",
    "élèves",
    "courriel",
    "détail",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PROFILES = {population: label for population, _title, label in POPULATIONS}


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _row(cells: Mapping[str, str]) -> tuple[str, ...]:
    """One CSV row in :data:`COLUMNS` order; missing cells are empty."""
    return tuple(cells.get(column, "") for column in COLUMNS)


def _rows(report: Report) -> Iterator[tuple[str, ...]]:
    for population, _title, label in POPULATIONS:
        for a in report.of_population(population):
            yield _row({
                "type": "Compte créé", "profil": label, "nom": a.lastname,
                "prénom": a.firstname, "identifiant": a.username, "mot de passe": a.password_shown,
                "classe": a.division or "", "groupes": ", ".join(a.groups),
                "disciplines": ", ".join(a.disciplines),
                "classes enseignées": ", ".join(a.classes), "élèves": a.children_text,
                "courriel": a.email or "",
            })
    for change, _title, label in CHANGES:
        for c in report.of_change(change):
            yield _row({
                "type": f"Compte {label.lower()}",
                "profil": _PROFILES.get(c.population, c.population),
                "nom": c.lastname or c.name, "prénom": c.firstname, "identifiant": c.username,
                "classe": c.division, "détail": c.detail,
            })
    for cohort in report.cohorts:
        yield _row({"type": "Classe ou groupe créé", "nom": cohort.name,
                    "détail": cohort.description})
    for f in report.failures:
        yield _row({"type": "Échec", "nom": f.who, "détail": f"{f.kind} : {f.reason}"})


def report_csv(report: Report, bom: bool = True) -> str:
    """One ``;``-separated table of the report, with a ``type`` column.

    :param bom: start with a UTF-8 byte-order mark so that Excel reads the accents.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in _rows(report):
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" if bom else "") + out.getvalue()


def _school_year(year: int | None) -> str:
    return f"{year}-{year + 1}" if year is not None else "année inconnue"


def _account_text(a: AccountLine) -> str:
    parts = [
        f"{a.lastname} {a.firstname}",
        f"identifiant : {a.username}",
        a.password_shown if a.taken_over else f"mot de passe initial : {a.password}",
    ]
    if a.division:
        parts.append(f"classe : {a.division}")
    if a.groups:
        parts.append(f"groupes : {', '.join(a.groups)}")
    if a.disciplines:
        parts.append(f"disciplines : {', '.join(a.disciplines)}")
    if a.classes:
        parts.append(f"classes : {', '.join(a.classes)}")
    if a.students:
        parts.append(f"élèves : {a.children_text}")
    return "  - " + " — ".join(parts)


def _header(report: Report) -> list[str]:
    state = "appliquée" if report.applied else "prévue (aperçu, rien n'est encore appliqué)"
    lines = [
        f"Rapport d'importation SIECLE — établissement {report.uaj}, "
        f"année scolaire {_school_year(report.year)}",
        f"Date : {french_date(report.today)} — importation {state}",
        f"Fichiers : {', '.join(report.files) or 'aucun'}",
    ]
    if report.brake:
        lines.append(report.brake)
    lines.extend(f"Attention : {w}" for w in report.warnings)
    return lines


def _sections(report: Report) -> Iterator[tuple[str, list[str]]]:
    yield (
        "Classes et groupes créés",
        [f"  - {c.name} [{c.idnumber}] — {c.description}" for c in report.cohorts],
    )
    for population, title, _label in POPULATIONS:
        yield title, [_account_text(a) for a in report.of_population(population)]
    for change, title, _label in CHANGES:
        yield title, [f"  - {c.name} ({c.username}) — {c.detail}" for c in report.of_change(change)]
    yield (
        "Actions en échec",
        [f"  - {f.who or f.action_key} — {f.kind} : {f.reason}" for f in report.failures],
    )


def report_text(report: Report) -> str:
    """The report as printable French text, one section per population or change."""
    lines = _header(report)
    for title, body in _sections(report):
        if body:
            lines.extend(["", f"== {title} ({len(body)}) ==", *body])
    if report.accounts:
        lines.extend(
            [
                "",
                "Les mots de passe initiaux sont à changer à la première connexion. "
                "Ce document contient des mots de passe : conservez-le en lieu sûr.",
            ]
        )
    return "\n".join(lines) + "\n"

def french_date(iso: str) -> str:
    """``2025-09-15`` as ``15/09/2025``, as French readers expect; anything else unchanged."""
    parts = iso.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    return iso
