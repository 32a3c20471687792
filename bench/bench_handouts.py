"""Benchmark: the handouts of a 1,200-pupil lycée (40 classes, ~2,000 guardians, 100 teachers).

Run with ``python -m bench handouts``. Prints the time, pages and size of each document: the
slips of every class and of one class, the guardians' letters, the staff sheet, the report
PDF and the CSV. The report is built directly (no import), so only the renderers are measured.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from cpro_siecle_plugin.reports.handouts import Handout, letters_pdf, slips_pdf, staff_pdf
from cpro_siecle_plugin.reports.pdf import report_pdf
from cpro_siecle_plugin.reports.render import report_csv
from cpro_siecle_plugin.reports.report import AccountLine, Report

LEVELS = ("2NDE", "1ERE", "TLE")


def school_report(pupils: int = 1200, classes: int = 40, teachers: int = 100) -> Report:
    """New accounts of a lycée: pupils spread over ``classes``, 1.75 guardians per pupil."""
    codes = [f"{LEVELS[i * 3 // classes]}{i % (classes // 3 + 1) + 1}" for i in range(classes)]
    lines = [AccountLine(f"X:eleve:{i}", "student", f"BENOÎT-DUPRÉ{i}", "Marie-Françoise",
                         f"marie-francoise.benoit-dupre{i}"[:30], "07112009",
                         division=codes[i % classes]) for i in range(pupils)]
    for i in range(pupils * 7 // 4):
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


def _timed(label: str, render: Callable[[], bytes | str]) -> None:
    start = time.perf_counter()
    data = render()
    seconds = time.perf_counter() - start
    if isinstance(data, bytes):
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(data)).pages)
        print(f"{label:<38} {seconds:6.2f} s  {pages:5d} pages  {len(data) / 1e6:6.2f} Mo")
    else:
        print(f"{label:<38} {seconds:6.2f} s  {len(data.splitlines()):5d} lignes")


def main() -> None:
    report = school_report()
    handout = Handout("Lycée du banc d'essai", "https://moodle.lycee.example.fr", 2025)
    first = report.students[0].division
    print(f"{len(report.students)} élèves, {len(report.guardians)} responsables, "
          f"{len(report.teachers)} enseignants")
    _timed("fiches, toutes les classes", lambda: slips_pdf(report, handout))
    _timed(f"fiches, classe {first}", lambda: slips_pdf(report, handout, first))
    _timed("lettres aux responsables, toutes", lambda: letters_pdf(report, handout))
    _timed(f"lettres aux responsables, {first}", lambda: letters_pdf(report, handout, first))
    _timed("fiche des personnels", lambda: staff_pdf(report, handout))
    _timed("rapport PDF", lambda: report_pdf(report))
    _timed("rapport CSV", lambda: report_csv(report))


if __name__ == "__main__":
    main()
