"""Benchmark: the report PDF and the handouts of a 1,200- and a 4,000-pupil lycée.

Run with ``python -m bench handouts``. For each size (30 pupils a class, a teacher for 12
pupils; 1.75 guardians a pupil at 1,200, 2 at 4,000: ~8,000), prints the wall-clock and CPU
seconds, the pages, the size and the peak memory of each document: the report PDF, the
slips of every class and of one class, the guardians' letters (all, one class), the staff
sheet and the CSV. Each figure is the median of ``BENCH_HANDOUTS_RUNS`` (default 3)
renderings, each in a fresh forked process (its peak resident memory is its own:
``VmHWM`` is reset at the start); the load average is printed before and after, since other
work on the machine stretches the wall-clock time (the CPU time much less). The report is
built directly (no import), so only the renderers are measured. ``BENCH_HANDOUTS_SIZES``
(default ``1200,4000``) chooses the sizes.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from cpro_siecle_plugin.reports.handouts import Handout, letters_pdf, slips_pdf, staff_pdf
from cpro_siecle_plugin.reports.pdf import report_pdf
from cpro_siecle_plugin.reports.render import report_csv
from cpro_siecle_plugin.reports.report import AccountLine, Report

LEVELS = ("2NDE", "1ERE", "TLE")
#: Pupils → guardians per pupil (the 1,200-pupil school of issue 10; ~8,000 at 4,000).
GUARDIANS_PER_PUPIL = {1200: 1.75, 4000: 2.0}
_STATUS = Path("/proc/self/status")


def school_report(pupils: int = 1200, classes: int = 40, teachers: int = 100,
                  guardians_per_pupil: float = 1.75) -> Report:
    """New accounts of a lycée: pupils spread over ``classes``, their guardians, teachers."""
    per_level = -(-classes // 3)
    codes = [f"{LEVELS[i // per_level]}{i % per_level + 1}" for i in range(classes)]
    lines = [AccountLine(f"X:eleve:{i}", "student", f"BENOÎT-DUPRÉ{i}", "Marie-Françoise",
                         f"marie-francoise.benoit-dupre{i}"[:30], "07112009",
                         division=codes[i % classes]) for i in range(pupils)]
    for i in range(round(pupils * guardians_per_pupil)):
        child = lines[i % pupils]
        lines.append(AccountLine(
            f"X:resp:{i}", "guardian", f"BENOÎT-DUPRÉ{i % pupils}", "Claire",
            f"claire.benoit-dupre{i}"[:30], "ab3k9xyz42",
            students=(f"{child.lastname} {child.firstname} ({child.username})",),
            student_classes=(child.division or "",)))
    lines += [AccountLine(f"X:sts:{i}", "teacher", f"PROF{i}", "Claude", f"claude.prof{i}",
                          "1980-01-02", classes=tuple(codes[i % classes::25]))
              for i in range(teachers)]
    return Report("0699999Z", 2025, "2025-09-15", (), True, accounts=tuple(lines))


def _memory(field: str) -> float:
    """A ``/proc/self/status`` figure (``VmRSS``, ``VmHWM``) in MB; 0 when unavailable."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _child(render: Callable[[], bytes | str], out: Connection) -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        pass
    before = _memory("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    data = render()
    out.send((time.perf_counter() - wall, time.process_time() - cpu, _memory("VmHWM"),
              _memory("VmHWM") - before, data))
    out.close()


def _measure(render: Callable[[], bytes | str]) -> tuple[float, float, float, float,
                                                         bytes | str]:
    """One rendering in a forked process: wall s, CPU s, peak RSS MB, its growth MB, data."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(render, send))
    process.start()
    send.close()
    result: tuple[float, float, float, float, bytes | str] = receive.recv()
    process.join()
    return result


def _timed(label: str, render: Callable[[], bytes | str], runs: int) -> None:
    figures = [_measure(render) for _ in range(runs)]
    wall, cpu, peak, growth = (statistics.median(f[i] for f in figures)  # type: ignore[misc]
                               for i in range(4))
    data = figures[0][4]
    if isinstance(data, bytes):
        from pypdf import PdfReader

        size = f"{len(PdfReader(io.BytesIO(data)).pages):5d} pages {len(data) / 1e6:6.2f} Mo"
    else:
        size = f"{len(data.splitlines()):5d} lignes {len(data) / 1e6:6.2f} Mo"
    print(f"  {label:<34} {wall:6.2f} s {cpu:6.2f} s CPU  {size}  "
          f"pic {peak:5.0f} Mo (+{growth:4.0f})", flush=True)


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_size(pupils: int, runs: int) -> None:
    """Print the figures of every document of a ``pupils``-pupil school."""
    report = school_report(pupils, max(3, pupils // 30), max(1, pupils // 12),
                           GUARDIANS_PER_PUPIL.get(pupils, 1.75))
    handout = Handout("Lycée du banc d'essai", "https://moodle.lycee.example.fr", 2025)
    first = report.students[0].division
    print(f"{len(report.students)} élèves, {len(report.guardians)} responsables, "
          f"{len(report.teachers)} enseignants — médianes de {runs} mesure(s), "
          f"charge {_load()}", flush=True)
    _timed("rapport PDF", lambda: report_pdf(report), runs)
    _timed("fiches, toutes les classes", lambda: slips_pdf(report, handout), runs)
    _timed(f"fiches, classe {first}", lambda: slips_pdf(report, handout, first), runs)
    _timed("lettres aux responsables, toutes", lambda: letters_pdf(report, handout), runs)
    _timed(f"lettres aux responsables, {first}", lambda: letters_pdf(report, handout, first),
           runs)
    _timed("fiche des personnels", lambda: staff_pdf(report, handout), runs)
    _timed("rapport CSV", lambda: report_csv(report), runs)
    print(f"  charge après : {_load()}", flush=True)


def main() -> None:
    runs = int(os.environ.get("BENCH_HANDOUTS_RUNS", "3"))
    sizes = os.environ.get("BENCH_HANDOUTS_SIZES", "1200,4000")
    print("  document                           mur      CPU")
    for pupils in (int(s) for s in sizes.split(",") if s.strip()):
        bench_size(pupils, runs)


if __name__ == "__main__":
    main()
