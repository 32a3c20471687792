"""Handouts of an import (fpdf2): login slips to cut out, letters to guardians, staff sheet.

Each renderer reads the frozen :class:`~.report.Report` and a :class:`Handout` (school name,
platform address) and can be limited to one class. Logins and passwords are printed in the
monospace font of :class:`~.pdf.ReportPdf`, shrunk to fit: never wrapped, never cut. People
are listed in school order: classes 2NDE before 1ERE before TLE (2NDE2 before 2NDE10),
names in French order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..collation import class_key, person_key
from .pdf import ReportPdf, Section, find_font
from .report import AccountLine, Report

__all__ = [
    "Handout",
    "handout_classes",
    "letters_pdf",
    "slips_pdf",
    "staff_pdf",
]

#: Slips per A4 page: columns × rows.
SLIP_COLUMNS, SLIP_ROWS = 2, 5
#: Page margin of the handouts, in mm (cut marks sit inside it).
MARGIN = 10.0
#: The first-login steps, as printed on every slip and letter.
FIRST_LOGIN = (
    "Première connexion : ouvrez l'adresse de la plateforme, saisissez l'identifiant et le "
    "mot de passe initial, puis changez votre mot de passe à la première connexion "
    "(la plateforme le demande). Gardez votre nouveau mot de passe pour vous."
)


@dataclass(frozen=True)
class Handout:
    """What every handout prints besides the people: the school and the platform address."""

    school: str
    url: str
    year: int | None = None

    @property
    def school_year(self) -> str:
        return f"année scolaire {self.year}-{self.year + 1}" if self.year else ""


def handout_classes(report: Report) -> list[str]:
    """Classes with a new student, a guardian's child or a teacher, in school order."""
    codes = {a.division for a in report.students if a.division}
    codes.update(code for a in report.guardians for code in a.student_classes if code)
    codes.update(code for a in report.teachers for code in a.classes)
    return sorted(codes, key=class_key)


def _name(line: AccountLine) -> str:
    return f"{line.lastname} {line.firstname}"


def _by_name(lines: Iterable[AccountLine]) -> list[AccountLine]:
    return sorted(lines, key=lambda a: person_key(a.lastname, a.firstname, a.username))


class _HandoutPdf(ReportPdf):
    """A4 pages without the report's running header and footer, drawn by hand."""

    def __init__(self, title: str, font_path: Path | None) -> None:
        super().__init__(title, font_path if font_path is not None else find_font())
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=False)
        self._wrapped: dict[tuple[str, float, float], list[str]] = {}

    def header(self) -> None:
        pass

    def footer(self) -> None:
        pass

    def text_line(self, x: float, y: float, w: float, text: str, size: float,
                  style: str = "") -> None:
        """``text`` on one line at (x, y), shrunk to fit ``w`` mm."""
        fitted = self.fit_size(text, w, size, self.family, style)
        self.put(x, y, fitted * 0.45, self.clean(text), fitted, self.family, style)

    def field(self, x: float, y: float, w: float, label: str, value: str, size: float) -> None:
        """« label » then ``value`` in monospace, fitted to what is left of ``w`` mm."""
        label = self.clean(label)
        label_w = self.measure(label, 8, self.family) + 2
        self.put(x, y, size * 0.45, label, 8, self.family)
        fitted = self.fit_size(value, w - label_w, size)
        self.put(x + label_w, y, size * 0.45, self.clean(value), fitted, self.mono)

    def note(self, x: float, y: float, w: float, text: str, size: float = 7) -> None:
        """A small wrapped paragraph (never used for logins); the position moves below it.

        The lines are broken once per text and width: the same steps are printed on every
        slip.
        """
        key = (text, w, size)
        lines = self._wrapped.get(key)
        if lines is None:
            lines = self._wrapped[key] = self.wrap(self.clean(text), w - 2 * self.c_margin,
                                                   size)
        height = size * 0.42
        self.put_lines(x, y, height, lines, size)
        self.set_xy(x, y + len(lines) * height)

    def cut_marks(self, columns: int, rows: int) -> None:
        """Dashed grey lines around and between the cells of a ``columns`` × ``rows`` grid."""
        width, height = self.w - 2 * MARGIN, self.h - 2 * MARGIN
        lines = [(MARGIN + i * width / columns, MARGIN, MARGIN + i * width / columns,
                  MARGIN + height) for i in range(columns + 1)]
        lines += [(MARGIN, MARGIN + j * height / rows, MARGIN + width,
                   MARGIN + j * height / rows) for j in range(rows + 1)]
        self.dashed_lines(tuple(lines), gray=150, width=0.2, dash=(2, 1.5))
        self.put(MARGIN, MARGIN - 4, 3, self.clean("✂ Découper selon les pointillés"), 6)


def _slip(pdf: _HandoutPdf, x: float, y: float, w: float, h: float, line: AccountLine,
          handout: Handout) -> None:
    pad = 4.0
    x, y, w = x + pad, y + pad, w - 2 * pad
    pdf.text_line(x, y, w, handout.school, 10, "B")
    who = _name(line) + (f" — classe {line.division}" if line.division else "")
    pdf.text_line(x, y + 6, w, who, 9)
    pdf.field(x, y + 12, w, "Adresse :", handout.url, 9)
    pdf.field(x, y + 19, w, "Identifiant :", line.username, 13)
    pdf.field(x, y + 27, w, "Mot de passe initial :", line.password, 13)
    pdf.note(x, y + 34, w, FIRST_LOGIN)


def _grid(pdf: _HandoutPdf, lines: Sequence[AccountLine], handout: Handout) -> None:
    per_page = SLIP_COLUMNS * SLIP_ROWS
    width = (pdf.w - 2 * MARGIN) / SLIP_COLUMNS
    height = (pdf.h - 2 * MARGIN) / SLIP_ROWS
    for index, line in enumerate(lines):
        if index % per_page == 0:
            pdf.add_page()
            pdf.cut_marks(SLIP_COLUMNS, SLIP_ROWS)
        column, row = index % SLIP_COLUMNS, (index % per_page) // SLIP_COLUMNS
        _slip(pdf, MARGIN + column * width, MARGIN + row * height, width, height, line, handout)


def _nothing(pdf: _HandoutPdf, text: str) -> None:
    pdf.add_page()
    pdf.note(MARGIN, MARGIN, pdf.w - 2 * MARGIN, text, 11)


def _students(report: Report, division: str | None) -> list[AccountLine]:
    lines = [a for a in report.students if division is None or a.division == division]
    return sorted(lines, key=lambda a: (class_key(a.division or ""),
                                        person_key(a.lastname, a.firstname, a.username)))


def slips_pdf(report: Report, handout: Handout, division: str | None = None,
              font_path: Path | None = None) -> bytes:
    """Login slips of the new students, ten per A4 page with cut marks, class by class.

    :param division: one class code, or ``None`` for every class.
    :returns: the PDF document's bytes.
    """
    scope = f"classe {division}" if division else "toutes les classes"
    pdf = _HandoutPdf(f"Identifiants des élèves — {handout.school} — {scope}", font_path)
    lines = _students(report, division)
    if lines:
        _grid(pdf, lines, handout)
    else:
        _nothing(pdf, f"Aucun compte d'élève créé par cette importation ({scope}).")
    return pdf.finish()


def _letter_class(line: AccountLine, division: str | None) -> str:
    """The class a guardian's letter is filed under: ``division``, else their first child's."""
    codes = sorted((c for c in line.student_classes if c), key=class_key)
    if division is not None:
        return division
    return codes[0] if codes else ""


def _guardians(report: Report, division: str | None) -> list[tuple[str, AccountLine]]:
    lines = [a for a in report.guardians
             if division is None or division in a.student_classes]
    filed = [(_letter_class(a, division), a) for a in lines]
    return sorted(filed, key=lambda item: (class_key(item[0]),
                                           person_key(item[1].lastname, item[1].firstname,
                                                      item[1].username)))


def _letter(pdf: _HandoutPdf, y: float, code: str, line: AccountLine, handout: Handout) -> None:
    x, w = MARGIN + 6, pdf.w - 2 * MARGIN - 12
    pdf.text_line(x, y, w, handout.school, 12, "B")
    pdf.text_line(x, y + 7, w, " — ".join(filter(None, [
        handout.school_year, f"courrier remis par la classe {code}" if code else ""])), 8)
    pdf.text_line(x, y + 15, w, f"À l'attention de {line.firstname} {line.lastname}", 11, "B")
    pdf.note(x, y + 23, w, "Responsable légal de : " + (line.children_text or "—"), 9)
    pdf.note(x, pdf.get_y() + 2, w,
             "Madame, Monsieur, voici votre compte personnel sur la plateforme numérique de "
             "l'établissement. Il vous permet de suivre la scolarité de vos enfants.", 9)
    top = pdf.get_y() + 4
    pdf.field(x, top, w, "Adresse de la plateforme :", handout.url, 11)
    pdf.field(x, top + 8, w, "Identifiant :", line.username, 14)
    pdf.field(x, top + 17, w, "Mot de passe initial :", line.password, 14)
    pdf.note(x, top + 27, w, FIRST_LOGIN, 9)


def letters_pdf(report: Report, handout: Handout, division: str | None = None,
                font_path: Path | None = None) -> bytes:
    """One letter per new guardian, two per A4 page, grouped by their child's class.

    A guardian with children in several classes gets one letter, filed under the first of
    those classes (or under ``division`` when it is given).

    :param division: one class code (the guardians of its students), or ``None`` for all.
    :returns: the PDF document's bytes.
    """
    scope = f"classe {division}" if division else "toutes les classes"
    pdf = _HandoutPdf(f"Lettres aux responsables légaux — {handout.school} — {scope}",
                      font_path)
    letters = _guardians(report, division)
    for index, (code, line) in enumerate(letters):
        if index % 2 == 0:
            pdf.add_page()
            pdf.cut_marks(1, 2)
        half = (pdf.h - 2 * MARGIN) / 2
        _letter(pdf, MARGIN + 6 + (index % 2) * half, code, line, handout)
    if not letters:
        _nothing(pdf, f"Aucun compte de responsable créé par cette importation ({scope}).")
    return pdf.finish()


def _staff(report: Report, division: str | None) -> list[AccountLine]:
    if division is not None:
        return _by_name(a for a in report.teachers if division in a.classes)
    return [*_by_name(report.heads), *_by_name(report.teachers),
            *_by_name(report.of_population("staff"))]


_FUNCTIONS = {"teacher": "enseignant", "head": "direction", "staff": "autre personnel"}


def staff_pdf(report: Report, handout: Handout, division: str | None = None,
              font_path: Path | None = None) -> bytes:
    """The staff sheet: heads, then teachers (of ``division`` only, when given).

    :returns: the PDF document's bytes.
    """
    scope = f"enseignants de la classe {division}" if division else "tous les personnels"
    pdf = ReportPdf(f"Identifiants des personnels — {handout.school} — {scope}",
                    font_path if font_path is not None else find_font())
    pdf.add_page()
    pdf.heading(f"Identifiants des personnels — {scope}", 14)
    pdf.paragraphs([handout.school + (f", {handout.school_year}" if handout.school_year else ""),
                    f"Adresse de la plateforme : {handout.url}", FIRST_LOGIN])
    lines = _staff(report, division)
    pdf.section(Section(
        "Personnels",
        ["Nom", "Prénom", "Fonction", "Identifiant", "Mot de passe initial", "Classes"],
        [[a.lastname, a.firstname, _FUNCTIONS.get(a.population, a.population), a.username,
          a.password, ", ".join(sorted(a.classes, key=class_key))] for a in lines],
        (18, 16, 13, 22, 15, 16),
        (3, 4),
    ))
    if not lines:
        pdf.paragraphs([f"Aucun compte de personnel créé par cette importation ({scope})."])
    return pdf.finish()
