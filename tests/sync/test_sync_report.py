"""The report: who was created with which login and password, and what changed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sync_factories import (
    division,
    gkey,
    group,
    guardian,
    link,
    plan_and_apply,
    skey,
    snapshot,
    staff,
    student,
    tkey,
)

from cpro_siecle_plugin.domain import StaffRole
from cpro_siecle_plugin.reports import build_report, report_csv, report_text
from cpro_siecle_plugin.reports.report import Known, Report
from cpro_siecle_plugin.sync.plan import CreateUser, DeactivateUser

STRUCTURES = (division("2A", "Seconde A"), group("G1", "2A"))


def _first_import():
    return plan_and_apply(
        snapshot(
            staff=(
                staff("T1", "Anne", "MARTIN", "2A", "G1"),
                staff("H1", "Claire", "PROVISEUR", role=StaffRole.HEAD),
            ),
            structures=STRUCTURES,
            students=(
                student("1001", "Théo", "FAURÉ", "2A", "G1"),
                student("1002", "Jade", "=CMD"),
            ),
            guardians=(guardian("501", "Paul", "FAURÉ"),),
            links=(link("1001", "501"),),
        )
    )


@dataclass
class Outcome:
    """Stand-in for runner.apply.ApplyOutcome."""

    done_keys: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    taken_over: set[str] = field(default_factory=set)


def test_report_lists_new_accounts_with_logins_and_passwords() -> None:
    """Teachers, heads, students and guardians appear with login and initial password."""
    report = build_report(_first_import()[0])
    (teacher,) = report.teachers
    assert (teacher.username, teacher.password) == ("anne.martin", "1980-03-07")
    assert teacher.disciplines == ("MATHEMATIQUES",) and teacher.classes == ("2A", "G1")
    assert report.heads[0].username == "claire.proviseur"
    theo = next(s for s in report.students if s.key == skey("1001"))
    assert (theo.division, theo.groups, theo.password) == ("2A", ("G1",), "06102010")
    assert report.guardians[0].students == ("FAURÉ Théo (theo.faure)",)
    assert [c.name for c in report.cohorts] == [
        "2A — Seconde A",
        "2A — enseignants",
        "G1 — Groupe G1",
        "G1 — enseignants",
    ]
    assert not report.applied


def test_report_names_known_people_from_the_given_mapping() -> None:
    """Deactivated people and guardians' known students are named from ``people``."""
    _, state = _first_import()
    plan, _ = plan_and_apply(snapshot(students=(student("1002", "Jade", "=CMD"),)), state)
    bare = build_report(plan)
    assert bare.of_change("deactivated")[0].name == "n° 1001"
    known = Known("FAURÉ", "Théo", "theo.faure", "2A")
    named = build_report(plan, people={skey("1001"): known})
    (gone,) = named.of_change("deactivated")
    assert gone.name == "FAURÉ Théo"
    assert (gone.lastname, gone.firstname, gone.division) == ("FAURÉ", "Théo", "2A")
    assert gone.detail == "absent des fichiers ; connexion conservée 12 mois"


def test_report_after_apply_lists_only_done_actions_and_failures() -> None:
    """With an outcome, undone creations are left out and failures get their section."""
    plan, _ = _first_import()
    creations = [a for a in plan.actions if isinstance(a, CreateUser)]
    outcome = Outcome({creations[0].key}, {creations[1].key: "refusé par Moodle"})
    report = build_report(plan, outcome)
    assert [a.key for a in report.accounts] == [creations[0].person_key]
    assert report.applied and not report.cohorts
    (failure,) = report.failures
    assert failure.reason == "refusé par Moodle"
    assert failure.who.endswith(f"({creations[1].username})")


def _csv_rows(report: Report) -> list[dict[str, str]]:
    text = report_csv(report).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_csv_is_semicolon_separated_with_bom_and_type_column() -> None:
    """The CSV opens in French Excel: BOM, semicolons, a type then a profile column."""
    text = report_csv(build_report(_first_import()[0]))
    assert text.startswith("\ufefftype;profil;nom;prénom;identifiant;mot de passe;")
    rows = _csv_rows(build_report(_first_import()[0]))
    assert {r["type"] for r in rows} == {"Compte créé", "Classe ou groupe créé"}
    assert {"Enseignant", "Direction", "Élève", "Responsable légal"} <= {r["profil"] for r in rows}
    teacher = next(r for r in rows if r["profil"] == "Enseignant")
    assert [teacher[c] for c in ("nom", "prénom", "identifiant", "mot de passe")] == [
        "MARTIN", "Anne", "anne.martin", "1980-03-07"]


def test_csv_deactivated_rows_split_last_and_first_name() -> None:
    """A deactivated pupil's row has « nom » and « prénom » apart, like a created one."""
    _, state = _first_import()
    plan, _ = plan_and_apply(snapshot(students=(student("1002", "Jade", "=CMD"),)), state)
    known = {skey("1001"): Known("FAURÉ DE LA TOUR", "Théo", "theo.faure", "2A")}
    (row,) = [r for r in _csv_rows(build_report(plan, people=known))
              if r["type"] == "Compte désactivé"]
    assert (row["profil"], row["nom"], row["prénom"]) == ("Élève", "FAURÉ DE LA TOUR", "Théo")
    assert (row["identifiant"], row["classe"]) == ("theo.faure", "2A")


def test_guardians_children_are_named_with_their_class() -> None:
    """A guardian's line names each child with the child's class (report and CSV)."""
    report = build_report(_first_import()[0])
    (paul,) = report.guardians
    assert paul.children == (("FAURÉ Théo (theo.faure)", "2A"),)
    (row,) = [r for r in _csv_rows(report) if r["profil"] == "Responsable légal"]
    assert row["élèves"] == "FAURÉ Théo (theo.faure), 2A"


def test_accounts_sort_by_class_in_school_order_then_french_name() -> None:
    """Students sort 2NDE2 before 2NDE10 before 1ERE1, and « Émile » before « Zoé »."""
    structures = tuple(division(c, c) for c in ("1ERE1", "2NDE10", "2NDE2"))
    pupils = (student("1", "Zoé", "ZOLA", "2NDE2"), student("2", "Émile", "ÉCHARD", "2NDE2"),
              student("3", "Léa", "ABEL", "2NDE10"), student("4", "Max", "ABEL", "1ERE1"))
    plan, _ = plan_and_apply(snapshot(structures=structures, students=pupils))
    assert [(a.division, a.lastname) for a in build_report(plan).students] == [
        ("2NDE2", "ÉCHARD"), ("2NDE2", "ZOLA"), ("2NDE10", "ABEL"), ("1ERE1", "ABEL")]


def test_csv_neutralises_spreadsheet_formulas() -> None:
    """A name starting with = is written as text, not as a formula."""
    text = report_csv(build_report(_first_import()[0]), bom=False)
    assert ";'=CMD;" in text
    assert ";=CMD;" not in text


def test_text_report_is_french_and_printable() -> None:
    """The text report has a section per population and the password warning."""
    text = report_text(build_report(_first_import()[0]))
    assert "établissement 0691234X, année scolaire 2025-2026" in text
    assert "Date : 15/09/2025" in text
    assert "== Enseignants (1) ==" in text
    assert "MARTIN Anne — identifiant : anne.martin — mot de passe initial : 1980-03-07" in text
    assert "== Responsables légaux (1) ==" in text
    assert "élèves : FAURÉ Théo (theo.faure), 2A" in text
    assert "conservez-le en lieu sûr" in text
    assert "aperçu" in text


def test_text_report_lists_departures_and_deletions() -> None:
    """Deactivated, suspended and deleted accounts appear in their own sections."""
    _, state = _first_import()
    plan, state = plan_and_apply(snapshot(staff=()), state)
    assert {a.person_key for a in plan.of_kind(DeactivateUser)} == {tkey("T1"), tkey("H1")}
    text = report_text(build_report(plan))
    assert "== Comptes désactivés (2) ==" in text and "compte suspendu" in text
    plan, _ = plan_and_apply(snapshot(staff=()), state, date(2026, 9, 15))
    assert "== Comptes supprimés (2) ==" in report_text(build_report(plan))
    assert gkey("501") not in {c.key for c in build_report(plan).changes}


def test_report_dates_are_written_the_french_way() -> None:
    """The report says 15/09/2025, not the ISO date."""
    from cpro_siecle_plugin.reports.render import french_date

    assert french_date("2025-09-15") == "15/09/2025"
    assert french_date("") == ""
