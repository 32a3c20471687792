"""Benchmark: reading and analysing « hors SIECLE » tables, as XLSX and as CSV.

Run with ``python -m bench tableur`` or ``python -m bench.bench_tableur [STUDENTS ...]``. For
each size it writes a school (students, one guardian per student, a teacher per 20
students) as the template's workbook and as its CSV files, then measures
``analyse_inputs`` on each: best CPU time of a few runs (wall time beside it), and
tracemalloc's peak of Python memory during one run.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.tableur import TABLES, analyse_inputs
from cpro_siecle_plugin.tableur.columns import TableKind

SIZES = (4000,)
RUNS = 3
MB = 1024 * 1024
TODAY = date(2025, 10, 1)


def _rows(students: int) -> dict[TableKind, list[list[str]]]:
    classes = [f"C{i:03}" for i in range(max(1, students // 25))]
    return {
        TableKind.SCHOOL: [["0771234A", "CFA de banc d'essai", "2025-2026"]],
        TableKind.CLASSES: [[c, f"Classe {c}", "classe", ""] for c in classes],
        TableKind.STAFF: [[f"P{i}", "Mme", f"Nom{i}", f"Prénom{i}", "01/01/1980", "enseignant",
                           "Cuisine", classes[i % len(classes)]]
                          for i in range(max(1, students // 20))],
        TableKind.STUDENTS: [[f"E{i}", "", f"Élève{i}", "", f"Zoé{i}", "02/09/2008", "F",
                              classes[i % len(classes)], "", "01/09/2025", "", ""]
                             for i in range(students)],
        TableKind.GUARDIANS: [[f"R{i}", "M.", f"Élève{i}", f"Parent{i}", "", "", f"E{i}", "oui"]
                              for i in range(students)],
    }


def _write(folder: Path, students: int) -> tuple[list[InputFile], list[InputFile]]:
    rows = _rows(students)
    book = Workbook(write_only=True)
    csvs = []
    for table in TABLES:
        header = [c.header for c in table.columns]
        sheet = book.create_sheet(table.title)
        sheet.append(header)
        path = folder / table.csv_name
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(header)
            for row in rows[table.kind]:
                sheet.append(row)
                writer.writerow(row)
        csvs.append(InputFile(path, path.name))
    book.save(folder / "ecole.xlsx")
    return [InputFile(folder / "ecole.xlsx", "ecole.xlsx")], csvs


def _measure(files: list[InputFile]) -> tuple[float, float, float]:
    best_cpu = best_wall = float("inf")
    for _ in range(RUNS):
        cpu, wall = time.process_time(), time.perf_counter()
        analysis = analyse_inputs(files, today=TODAY, settings=Settings())
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
        assert analysis.ok, [str(p) for p in analysis.errors][:5]
    tracemalloc.start()
    analyse_inputs(files, today=TODAY, settings=Settings())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best_cpu, best_wall, peak / MB


def main(argv: list[str] | None = None) -> None:
    """Print, for each size, CPU and wall time and peak Python memory, XLSX then CSV."""
    sizes = [int(a) for a in (argv or [])] or list(SIZES)
    for students in sizes:
        with tempfile.TemporaryDirectory() as folder:
            xlsx, csvs = _write(Path(folder), students)
            for kind, files in (("xlsx", xlsx), ("csv", csvs)):
                cpu, wall, peak = _measure(files)
                print(f"{students:>6} élèves, {kind:>4} : {cpu:6.2f} s CPU ({wall:6.2f} s "
                      f"réel), pic mémoire Python {peak:6.1f} Mo", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
