"""The preview at a school's size: summary, year change, leavers by class, promotions, CSV."""

from __future__ import annotations

import csv
import io

from cpro_siecle_plugin.admin.preview_view import Known, cohort_summary, plan_view, preview_csv
from cpro_siecle_plugin.sync.plan import (
    AddMember,
    CreateCohort,
    DeactivateUser,
    Plan,
    RemoveMember,
    sort_actions,
)

KNOWN = {
    "X:eleve:1": Known("MARTIN", "Léa", "TLE2", "student"),
    "X:eleve:2": Known("ÉTIENNE", "Zoé", "TLE10", "student"),
    "X:eleve:3": Known("DURAND", "Paul", "2NDE3", "student"),
    "X:eleve:4": Known("PETIT", "Noé", "2NDE3", "student"),
    "X:resp:7": Known("MARTIN", "Claire", "", "guardian"),
}


def _year_change() -> Plan:
    actions = [
        RemoveMember("X:TLE2", "X:eleve:1"),
        DeactivateUser("X:eleve:1", "student", "lea.martin", suspend=False),
        RemoveMember("X:TLE10", "X:eleve:2"),
        DeactivateUser("X:eleve:2", "student", "zoe.etienne", suspend=False),
        DeactivateUser("X:resp:7", "guardian", "claire.martin", suspend=True),
        RemoveMember("X:2NDE3", "X:eleve:3"),
        AddMember("X:1ERE3", "X:eleve:3"),
        RemoveMember("X:2NDE3", "X:eleve:4"),
        AddMember("X:2NDE4", "X:eleve:4"),
    ]
    meta = {"year": 2026, "year_change": True, "today": "2026-09-03",
            "student_login_months": 12, "retention_months": 18}
    return Plan(sort_actions(actions), meta)


def test_year_change_is_named_with_both_school_years() -> None:
    """The banner's years: the last import's and the files'."""
    assert plan_view(_year_change(), KNOWN, 2025)["year_change"] == {
        "before": "2025-2026", "after": "2026-2027"}
    assert plan_view(Plan((), {"year": 2026}), KNOWN, 2025)["year_change"] is None


def test_leaving_students_grouped_by_former_class_in_school_order_with_dates() -> None:
    """TLE2 before TLE10; each leaver with the end of access and the deletion date."""
    view = plan_view(_year_change(), KNOWN, 2025)
    assert [code for code, _ in view["leaving_students"]] == ["TLE2", "TLE10"]
    (lea,) = view["leaving_students"][0][1]
    assert (lea["access_until"], lea["deleted_on"]) == ("03/09/2027", "03/03/2028")
    (claire,) = view["leaving_others"]
    assert (claire["population"], claire["access_until"]) == ("responsable légal", "03/09/2026")


def test_graduates_are_not_class_changes_and_promotions_stand_apart() -> None:
    """« TLE2 → — » is a departure; 2NDE3 → 1ERE3 a promotion; 2NDE3 → 2NDE4 a change."""
    view = plan_view(_year_change(), KNOWN, 2025)
    assert [(r["name"], r["from"], r["to"]) for r in view["promotions"]] == [
        ("DURAND Paul", "2NDE3", "1ERE3")]
    assert [(r["name"], r["from"], r["to"]) for r in view["moves"]] == [
        ("PETIT Noé", "2NDE3", "2NDE4")]
    (students,) = [row for row in view["summary"] if row["label"] == "Élèves"]
    assert (students["leave"], students["move"]) == (2, 2)


def test_cohorts_to_create_say_classes_groups_and_teachers_groups() -> None:
    """« 2 classes, 1 groupe + 3 groupes d'enseignants », proper plurals."""
    cohorts = [CreateCohort("X:2A", "cpro:X:2A", "2A", "Division 2A (X)"),
               CreateCohort("X:2B", "cpro:X:2B", "2B", "Division 2B (X)"),
               CreateCohort("X:G1", "cpro:X:G1", "G1", "Groupe G1 (X)")]
    cohorts += [CreateCohort(f"X:{c}:ens", f"cpro:X:{c}:ens", c, "Enseignants") for c in "ABC"]
    assert cohort_summary(cohorts) == "2 classes, 1 groupe + 3 groupes d'enseignants"


def test_preview_csv_lists_every_person_without_passwords() -> None:
    """One line per person and change, semicolons, BOM for Excel, dates for leavers."""
    text = preview_csv(plan_view(_year_change(), KNOWN, 2025))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    lea = next(r for r in rows if r["Identifiant"] == "lea.martin")
    assert (lea["Opération"], lea["Nom"], lea["Classe"], lea["Suppression le"]) == (
        "quitte l'établissement", "MARTIN", "TLE2", "03/03/2028")
    assert {r["Opération"] for r in rows} >= {"passage au niveau supérieur",
                                              "changement de classe ou de groupe"}
