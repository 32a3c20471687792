"""The planner's invariants on spreadsheet input: same tables, same plan; applied, then empty."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import sheets_factory as f
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpro_siecle_plugin.domain import Snapshot
from cpro_siecle_plugin.runner.apply import apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.planner import compute_plan
from cpro_siecle_plugin.tableur import analyse_inputs
from cpro_siecle_plugin.tableur.columns import TableKind
from tests.doubles.memory_host import MemoryHost

NAMES = st.sampled_from(["Zoé", "MARTIN", "Marie-Ève", "N'Diaye", "de la Fontaine", "Lætitia",
                         "Œuvray", "Jean"])
CLASSES = ("CAP1A", "CAP1B")
DAY = st.dates(date(2024, 9, 1), date(2026, 6, 30)).map(lambda d: d.strftime("%d/%m/%Y"))


@st.composite
def tables(draw: st.DrawFn) -> dict[TableKind, list[f.Row]]:
    """A school's five tables: any pupils (some left), staff, guardians, legal or not."""
    kids = [{"id": f"E{i}", "last_name": draw(NAMES), "first_name": draw(NAMES),
             "birth_date": "02/09/2008", "division": draw(st.sampled_from(CLASSES)),
             "groups": draw(st.sampled_from(["", "CAP1A-G1"])),
             "leaving_date": draw(st.one_of(st.just(""), DAY))}
            for i in draw(st.lists(st.integers(1, 12), unique=True, max_size=10))]
    staff = [{"id": f"P{i}", "last_name": draw(NAMES), "first_name": draw(NAMES),
              "function": draw(st.sampled_from(["enseignant", "direction", "secrétariat"])),
              "classes": draw(st.sampled_from(["", "CAP1A", "CAP1B, CAP1A-G1"]))}
             for i in draw(st.lists(st.integers(1, 5), unique=True, max_size=4))]
    ids = [k["id"] for k in kids]
    parents = [{"id": f"R{i}", "last_name": draw(NAMES), "first_name": draw(NAMES),
                "students": ", ".join(draw(st.lists(st.sampled_from(ids), min_size=1,
                                                    max_size=2, unique=True))),
                "legal": draw(st.sampled_from(["oui", "non", ""]))}
               for i in (draw(st.lists(st.integers(1, 8), unique=True, max_size=6)) if ids else ())]
    return {TableKind.SCHOOL: f.SCHOOL, TableKind.CLASSES: f.CLASSES, TableKind.STAFF: staff,
            TableKind.STUDENTS: kids, TableKind.GUARDIANS: parents}


def snapshot_of(rows: dict[TableKind, list[f.Row]], today: date) -> Snapshot:
    with tempfile.TemporaryDirectory() as folder:
        analysis = analyse_inputs(f.write_csvs(Path(folder), rows), today=today,
                                  settings=f.SETTINGS)
    assert analysis.snapshot is not None, [str(p) for p in analysis.errors]
    return analysis.snapshot


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=tables())
def test_same_tables_same_plan(rows: dict[TableKind, list[f.Row]]) -> None:
    """Reading the same tables twice gives the same plan, checksum included."""
    ledger = Ledger("sqlite://")
    state = ledger.load_state(f.UAJ)
    first = compute_plan(snapshot_of(rows, f.TODAY), state, f.TODAY, f.SETTINGS)
    second = compute_plan(snapshot_of(rows, f.TODAY), state, f.TODAY, f.SETTINGS)
    assert first.checksum == second.checksum and first.actions == second.actions
    ledger.close()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(imports=st.lists(tables(), min_size=1, max_size=3), days=st.integers(0, 200))
def test_apply_then_replan_is_empty(imports: list[dict[TableKind, list[f.Row]]],
                                    days: int) -> None:
    """After any sequence of table imports, planning the last one again changes nothing."""
    ledger, host = Ledger("sqlite://"), MemoryHost(batch_size=3)
    today = f.TODAY
    for rows in imports:
        snap = snapshot_of(rows, today)
        plan = compute_plan(snap, ledger.load_state(f.UAJ), today, f.SETTINGS)
        assert apply_plan(plan, host, ledger.journal(ledger.save_plan(plan, "prop")),
                          batch_size=3).ok
        today += timedelta(days=days)
    today -= timedelta(days=days)
    assert compute_plan(snap, ledger.load_state(f.UAJ), today, f.SETTINGS).actions == ()
    ledger.close()
