"""Rows of the preview tables, computed from a plan and the analysis problems."""

from __future__ import annotations

from cpro_siecle_plugin.admin.presenters import problem_rows, summary_rows
from cpro_siecle_plugin.admin.preview_view import Known, plan_view
from cpro_siecle_plugin.errors import Problem
from cpro_siecle_plugin.sync.plan import (
    AddMember,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    Plan,
    RemoveMember,
    sort_actions,
)


def _plan() -> Plan:
    return Plan(
        sort_actions(
            [
                CreateCohort("X:2A", "cpro:X:2A", "2A"),
                CreateUser(
                    "X:eleve:1",
                    "student",
                    "cpro:X:eleve:1",
                    "lea.martin",
                    "01022009",
                    "Léa",
                    "MARTIN",
                    division="2A",
                ),
                AddMember("X:2A", "X:eleve:1"),
                RemoveMember("X:2A", "X:eleve:2"),
                AddMember("X:2B", "X:eleve:2"),
                DeactivateUser("X:sts:9", "teacher", "jean.dupont", suspend=True),
            ]
        ),
        {"warnings": ["Un avertissement"], "brake": {"triggered": False}},
    )


def test_plan_view_counts_and_tables() -> None:
    """Counts carry French labels; created, gone and class changes are listed."""
    known = {"X:eleve:2": Known("DURAND", "Paul", "2A", "student"),
             "X:sts:9": Known("DUPONT", "Jean", "", "teacher")}
    view = plan_view(_plan(), known)
    assert ("Comptes à créer", 1) in view["counts"]
    ((division, (row,)),) = view["created"]
    assert (division, row["username"], row["population"]) == ("2A", "lea.martin", "élève")
    assert view["leaving_others"][0]["name"] == "DUPONT Jean"
    assert [(m["name"], m["from"], m["to"]) for m in view["moves"]] == [("DURAND Paul", "2A", "2B")]
    assert view["warnings"] == ["Un avertissement"] and not view["empty"]


def test_empty_plan_is_flagged() -> None:
    """An empty plan is flagged so the page says « aucun changement »."""
    assert plan_view(Plan(())).get("empty") is True


def test_problems_errors_first_with_file_and_line() -> None:
    """Errors come before warnings, each with its file and line."""
    rows = problem_rows(
        [
            Problem("warning", "w", "attention", "a.xml", 3),
            Problem("error", "e", "grave", "b.xml", 7),
        ]
    )
    assert [r["label"] for r in rows] == ["Erreur", "Avertissement"]
    assert (rows[0]["file"], rows[0]["line"]) == ("b.xml", 7)


def test_summary_rows_use_french_labels_and_school_year() -> None:
    """Summary keys become French labels, the year reads 2025-2026, zeros are left out."""
    rows = dict(
        summary_rows(
            {"uaj": "0691234X", "year": 2025, "teachers": 4, "students": 0, "school_name": None}
        )
    )
    assert rows == {
        "Établissement (UAJ)": "0691234X",
        "Année scolaire": "2025-2026",
        "Enseignants": 4,
    }


def test_french_date_turns_iso_dates_around() -> None:
    """ISO dates become jj/mm/aaaa; anything else is left as it is."""
    from cpro_siecle_plugin.reports.render import french_date

    assert french_date("2025-09-12") == "12/09/2025"
    assert french_date("") == ""


def test_new_guardians_are_shown_with_their_childrens_classes() -> None:
    """The preview's class column of a new guardian names their children's classes."""
    def pupil(n: str, division: str) -> CreateUser:
        return CreateUser(f"X:eleve:{n}", "student", f"cpro:X:eleve:{n}", f"e.{n}", "01022009",
                          "Léa", "MARTIN", division=division)

    guardian = CreateUser("X:resp:1", "guardian", "cpro:X:resp:1", "paul.martin", "x", "Paul",
                          "MARTIN", students=("X:eleve:1", "X:eleve:2"))
    view = plan_view(Plan(sort_actions([pupil("1", "1ERE1"), pupil("2", "2NDE10"), guardian])))
    (row,) = [r for r in view["created_others"] if r["username"] == "paul.martin"]
    assert row["division"] == "2NDE10, 1ERE1"
