"""The brake at a change of school year: final levels leave, a cut file is still stopped."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sync_factories import SETTINGS, gkey, guardian, link, plan_and_apply, skey, snapshot, student

from cpro_siecle_plugin.sync.levels import final_division, final_mef
from cpro_siecle_plugin.sync.planner import compute_plan
from cpro_siecle_plugin.sync.safety import expected_leavers

LEVELS = ("2NDE", "1ERE", "TLE")
NEXT_YEAR = date(2026, 9, 3)


def _school(year: int, first_id: int, per_level: int = 105) -> list:
    """``per_level`` students in each level; ids follow the cohort, so a promoted student
    keeps hers: the cohort entering 2NDE in ``year`` starts at ``first_id``."""
    out = []
    for rank, level in enumerate(LEVELS):
        start = first_id - rank * 1000
        out += [student(str(start + i), "Élève", f"N{start + i}", f"{level}{i % 3 + 1}")
                for i in range(per_level)]
    del out[314:]
    return out


def _year_one():
    """A lycée of 314 students in 2025 and their guardians (one each, some shared)."""
    pupils = _school(2025, 10000)
    parents = [guardian(str(p)) for p in range(len(pupils))]
    links = [link(s.eleve_id, str(i)) for i, s in enumerate(pupils)]
    _, state = plan_and_apply(snapshot(students=pupils, guardians=parents, links=links))
    return replace(state, last_year=2025), pupils, parents, links


def _year_two(drop_others: int = 5) -> list:
    """The next year: TLE left, 2NDE → 1ERE → TLE, a new 2NDE, a few others moved away."""
    pupils = _school(2026, 11000)
    return pupils[: 105] + pupils[105 + drop_others:]


def test_final_levels_are_read_from_mef_codes_and_division_codes() -> None:
    """MEF: last year of a multi-year dispositif, 3e, terminales; codes TLE/T…/3…."""
    assert final_mef("24722710330") is True  # bac pro in 3 years, 3rd year
    assert final_mef("24722710310") is False  # 1st year
    assert final_mef("10310019110") is True  # 3e
    assert final_mef("20010018110") is False  # 2nde générale et technologique
    assert final_mef("?") is None
    assert [final_division(c) for c in ("TLE1", "T STMG", "TS2", "3EME2", "301", "2NDE1",
                                        "1ERE2", "2CAP1")] == [True] * 5 + [False] * 3
    assert final_division("B12", "Terminale bac pro") and final_division("X", None, ["10310019110"])


def test_a_normal_year_change_passes() -> None:
    """The 105 terminales leave, plus 5 others: the brake holds its fire."""
    state, *_ = _year_one()
    plan = compute_plan(snapshot(students=_year_two(), year=2026), state, NEXT_YEAR, SETTINGS)
    brake = plan.meta["brake"]
    assert plan.counts()["deactivate_user"] == 110
    assert not brake["triggered"], brake["message"]
    assert brake["expected"] == 104  # the TLE of 2025 (the school holds 314, not 315)


def test_a_year_two_file_cut_in_half_is_stopped() -> None:
    """157 of the 314 students: the non-terminal ones leaving exceed the in-year threshold."""
    state, *_ = _year_one()
    cut = _year_two(drop_others=0)[:157]
    plan = compute_plan(snapshot(students=cut, year=2026), state, NEXT_YEAR, SETTINGS)
    brake = plan.meta["brake"]
    assert brake["triggered"] and brake["unexpected"] and brake["threshold"] == 0.30
    # 105 new 2NDE and 52 former 2NDE kept: 53 former 2NDE and 105 former 1ERE gone.
    assert (brake["count"], brake["total"], brake["expected"]) == (158, 210, 104)
    assert "élèves hors niveaux terminaux" in brake["message"]
    assert "changement d'année scolaire : 2025-2026 → 2026-2027" in brake["message"]


def test_students_with_a_past_leaving_date_are_expected_to_leave() -> None:
    """At a year change, a DATE_SORTIE in the past is an expected departure."""
    state, pupils, *_ = _year_one()
    year_two = _year_two(drop_others=0)
    left = [replace(s, leaving_date=date(2026, 7, 4)) for s in year_two[105:175]]
    snap = snapshot(students=year_two[:105] + left + year_two[175:], year=2026)
    expected = expected_leavers(snap, state, NEXT_YEAR)
    assert expected is not None and {skey(s.eleve_id) for s in left} <= expected
    assert not compute_plan(snap, state, NEXT_YEAR, SETTINGS).meta["brake"]["triggered"]


def test_guardians_follow_their_students_without_tripping_the_brake() -> None:
    """The guardians of the terminales leave with them and are not counted."""
    state, pupils, parents, links = _year_one()
    year_two = _year_two()
    ids = {s.eleve_id for s in year_two}
    kept = [lk for lk in links if lk.eleve_id in ids]
    snap = snapshot(students=year_two, guardians=parents, links=kept, year=2026)
    plan = compute_plan(snap, state, NEXT_YEAR, SETTINGS)
    gone = {a.person_key for a in plan.actions if a.kind == "deactivate_user"}
    assert sum(1 for k in gone if ":resp:" in k) == 110 and gkey("313") in gone
    assert not plan.meta["brake"]["triggered"], plan.meta["brake"]["message"]


def test_guardians_leaving_while_their_students_stay_trip_the_brake() -> None:
    """A cut Responsables file alone: guardians of present students count."""
    state, pupils, parents, links = _year_one()
    snap = snapshot(guardians=parents[:150], links=links[:150])
    brake = compute_plan(snap, state, date(2025, 10, 1), SETTINGS).meta["brake"]
    assert brake["triggered"] and brake["population"] == "guardian"
    assert (brake["count"], brake["total"]) == (164, 314)


def test_year_change_without_any_recognisable_final_level_keeps_the_global_threshold() -> None:
    """Codes that say nothing (no MEF, no TLE/3e): only the 60 % threshold applies."""
    odd = [replace(s, division="A" + (s.division or "")) for s in _school(2025, 10000)]
    _, state = plan_and_apply(snapshot(students=odd))
    later = [replace(s, division="A" + (s.division or "")) for s in _year_two()]
    plan = compute_plan(snapshot(students=later, year=2026), replace(state, last_year=2025),
                        NEXT_YEAR, SETTINGS)
    brake = plan.meta["brake"]
    assert brake["expected"] is None and not brake["triggered"]
    assert (brake["count"], brake["total"], brake["threshold"]) == (110, 314, 0.60)
