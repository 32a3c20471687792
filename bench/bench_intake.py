"""Benchmark: reading and analysing the three exports, beside a bare lxml ``iterparse`` pass.

Run with ``python -m bench intake`` or ``python -m bench.bench_intake [STUDENTS ...]``. For
each size it generates a school (students, twice as many guardians, staff) in the real
formats, then measures, each in a fresh subprocess so that peak memory is honest:

- ``bare``: ``lxml.etree.iterparse`` over the same three files, clearing each element;
- ``analyse``: ``analyse_files`` (intake, hardened streaming readers, cross-file checks).

Figures: best CPU time of a few runs (wall time beside it; CPU time is steadier on a busy
machine), the ratio (target ≤ 2×), the peak RSS growth of the process during the work
(target ≤ 150 MB at 4,000 students), and tracemalloc's peak and
retained Python memory: what is retained is the result itself (every record of the school),
the difference is the transient cost of reading, which should not grow with file size.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIZES = (4000, 40000)
RUNS = 7
MB = 1024 * 1024


def _peak_rss() -> int:
    """Peak resident set size of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _current_rss() -> int:
    """Resident set size now, in bytes (``/proc/self/statm``; the peak if unavailable)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return _peak_rss()
    return pages * resource.getpagesize()


def _bare(paths: list[Path]) -> int:
    from lxml import etree

    count = 0
    for path in paths:
        for _event, element in etree.iterparse(str(path), events=("end",)):
            element.clear()
            count += 1
    return count


def _analyse(paths: list[Path]) -> Any:
    from cpro_siecle_plugin.config import Settings
    from cpro_siecle_plugin.siecle.analyse import analyse_files
    from cpro_siecle_plugin.siecle.archive import InputFile

    files = [InputFile(p, p.name) for p in paths]
    return analyse_files(files, today=date(2025, 9, 15), settings=Settings())


def worker(kind: str, folder: Path, traced: bool) -> dict[str, float]:
    """One measurement in this process: time and peak memory of ``kind`` over ``folder``."""
    import lxml.etree  # noqa: F401  (imports are not part of the measure)

    import cpro_siecle_plugin.siecle.analyse  # noqa: F401

    paths = sorted(folder.glob("*.xml"))
    if traced:
        tracemalloc.start()
    before = _current_rss()
    start, cpu = time.perf_counter(), time.process_time()
    result = _bare(paths) if kind == "bare" else _analyse(paths)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    figures = {"seconds": seconds, "cpu": cpu, "rss_growth": (_peak_rss() - before) / MB,
               "rss_peak": _peak_rss() / MB}
    if traced:
        current, peak = tracemalloc.get_traced_memory()
        figures |= {"py_peak": peak / MB, "py_retained": current / MB}
    if kind != "bare":
        figures["students"] = float(result.summary["students"])
        figures["errors"] = float(result.summary["errors"])
    return figures


def _measure(kind: str, folder: Path, traced: bool = False) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.bench_intake", "--worker", kind, str(folder)]
    if traced:
        command.append("--traced")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _best(kind: str, folder: Path) -> dict[str, float]:
    runs = [_measure(kind, folder) for _ in range(RUNS)]
    best = min(runs, key=lambda r: r["cpu"])
    return best | {"rss_growth": max(r["rss_growth"] for r in runs)}


def bench_size(students: int) -> dict[str, Any]:
    """Generate a school of ``students`` and measure both passes over it."""
    from bench.generate import generate_school

    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        paths = generate_school(folder, students, 2 * students, max(300, students // 13))
        generated = time.perf_counter() - start
        size = sum(p.stat().st_size for p in paths.values()) / MB
        bare, ours = _best("bare", folder), _best("analyse", folder)
        traced = _measure("analyse", folder, traced=True)
    return {"students": students, "mb": size, "generated": generated, "bare": bare,
            "ours": ours, "traced": traced}


def _print(row: dict[str, Any]) -> None:
    bare, ours, traced = row["bare"], row["ours"], row["traced"]
    ratio = ours["cpu"] / bare["cpu"]
    print(f"{row['students']:>7,} élèves, {row['mb']:6.1f} Mo de XML "
          f"(générés en {row['generated']:.1f} s), {int(ours['errors'])} erreur(s)")
    for label, row_ in (("iterparse nu     ", bare), ("lecture + analyse", ours)):
        print(f"    {label} : {row_['cpu']:6.2f} s CPU ({row_['seconds']:6.2f} s écoulées)"
              f"   pic RSS +{row_['rss_growth']:6.1f} Mo (total {row_['rss_peak']:6.1f} Mo)")
    print(f"    rapport lecture + analyse / iterparse nu : {ratio:4.2f}× (cible ≤ 2×)")
    print(f"    tracemalloc       : pic {traced['py_peak']:6.1f} Mo, retenu (résultat) "
          f"{traced['py_retained']:6.1f} Mo, coût transitoire de lecture "
          f"{traced['py_peak'] - traced['py_retained']:5.1f} Mo", flush=True)


def main(sizes: tuple[int, ...] = SIZES) -> None:
    """Measure each size and print the figures."""
    print(f"Lecture + analyse des trois exports contre un iterparse lxml nu "
          f"(meilleur de {RUNS}, chaque mesure dans un processus neuf)")
    rows = []
    for students in sizes:
        rows.append(bench_size(students))
        _print(rows[-1])
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["traced"]["py_peak"] - last["traced"]["py_retained"]
        base = first["traced"]["py_peak"] - first["traced"]["py_retained"]
        print(f"Taille ×{last['students'] / first['students']:.0f} : coût transitoire de lecture "
              f"{base:.1f} → {growth:.1f} Mo (le reste est le contenu de l'établissement)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], Path(sys.argv[3]), "--traced" in sys.argv)))
    else:
        main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
