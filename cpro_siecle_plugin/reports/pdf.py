"""Printable PDF of an import report (fpdf2): the people first, one page per class, then
the classes and groups created as an annex.

The student logins are printed one class per page, so a teacher can hand each class its
sheet. Names need Unicode (Œ, ’...): a DejaVu TrueType font is embedded when one is found
(Debian package ``fonts-dejavu-core``); otherwise the core Helvetica font is used with a
safe transliteration to Latin-1, so the PDF is always produced. Logins and passwords are
printed in a monospace font (DejaVu Sans Mono, else the core Courier), shrunk until they fit
their cell: never wrapped, never cut.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf.enums import XPos, YPos

from ..collation import class_key
from .canvas import Canvas
from .render import french_date
from .report import AccountLine, Report

#: Where a Unicode TrueType font is looked for, in order.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
#: Where the monospace TrueType font for logins is looked for, in order.
MONO_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSansMono.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSansMono.ttf"),
)
_LATIN1_SUBSTITUTES = str.maketrans(
    {
        "Œ": "OE",
        "œ": "oe",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "€": "EUR",
        "✔": "oui",
        "✘": "non",
        "✂": "-",
        "\u202f": " ",
        "\u2009": " ",
    }
)


#: French names of the report's account changes.
CHANGE_LABELS = {
    "reactivated": "réactivé",
    "deactivated": "désactivé",
    "suspended": "suspendu",
    "deleted": "supprimé",
}


@dataclass(frozen=True)
class Section:
    """A titled table: ``columns`` headers, ``rows`` of cell texts."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[int] | None = None
    #: Indexes of the columns printed in monospace, fitted (logins, passwords).
    mono: Sequence[int] = ()


def to_latin1(text: str) -> str:
    """``text`` with every character outside Latin-1 replaced by a readable equivalent."""
    text = text.translate(_LATIN1_SUBSTITUTES)
    out = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


def find_font() -> Path | None:
    """The first Unicode TrueType font found on this machine, if any."""
    return next((p for p in FONT_CANDIDATES if p.is_file()), None)


def find_mono_font() -> Path | None:
    """The first monospace TrueType font found on this machine, if any."""
    return next((p for p in MONO_CANDIDATES if p.is_file()), None)


class ReportPdf(Canvas):
    """An A4 document with a title header and numbered pages."""

    def __init__(self, title: str, font_path: Path | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_title = title
        self.unicode = font_path is not None
        if font_path is not None:
            self.add_font("Report", "", str(font_path))
            bold = font_path.with_name(font_path.name.replace(".ttf", "-Bold.ttf"))
            self.add_font("Report", "B", str(bold if bold.is_file() else font_path))
        self.family = "Report" if self.unicode else "Helvetica"
        mono = find_mono_font() if self.unicode else None
        if mono is not None:
            self.add_font("Mono", "", str(mono))
        self.mono = "Mono" if mono is not None else "Courier"
        self.set_title(self.clean(title))
        self.set_auto_page_break(auto=True, margin=15)

    def finish(self) -> bytes:
        """The document's bytes; the font files fontTools keeps open are closed."""
        data = bytes(self.output())
        for font in self.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.close()
        return data

    def clean(self, value: Any) -> str:
        """A cell text this document's font can draw."""
        text = "" if value is None else str(value)
        return text if self.unicode else to_latin1(text)

    def header(self) -> None:
        self.set_font(self.family, "B", 9)
        self.cell(0, 6, self.clean(self.doc_title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 6, f"Page {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str, size: int = 13) -> None:
        """A bold heading line."""
        self.set_font(self.family, "B", size)
        self.multi_cell(0, 8, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "", 9)

    def paragraphs(self, lines: Iterable[str]) -> None:
        """Plain text lines, then a small gap."""
        self.set_font(self.family, "", 9)
        for line in lines:
            self.multi_cell(0, 5, self.clean(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def section(self, section: Section) -> None:
        """A heading and its table (nothing when the table is empty)."""
        if not section.rows:
            return
        self.heading(f"{section.title} ({len(section.rows)})", 11)
        shares = tuple(section.widths) if section.widths else (1,) * len(section.columns)
        columns = [self.epw * w / sum(shares) for w in shares]
        self.grid([self.clean(c) for c in section.columns],
                  [[self.clean(c) for c in cells] for cells in section.rows],
                  columns, section.mono)
        self.ln(4)


def render_pdf(
    title: str,
    intro: Iterable[str],
    sections: Iterable[Section],
    class_pages: Mapping[str, Section] | None = None,
    font_path: Path | None = None,
    annex: Iterable[Section] = (),
) -> bytes:
    """Render a report: ``intro`` lines and ``sections`` first, then one page per class
    (in school order: 2NDE2 before 2NDE10, 2NDE before 1ERE), then the ``annex``.

    Without ``sections``, there is no cover page: each class page repeats ``intro``.

    :param font_path: a TrueType font; default: :func:`find_font`, else core Helvetica.
    :returns: the PDF document's bytes (they start with ``%PDF``).
    """
    pdf = ReportPdf(title, font_path if font_path is not None else find_font())
    intro, sections = list(intro), [s for s in sections if s.rows]
    annex = [s for s in annex if s.rows]
    cover = bool(sections) or not class_pages
    if cover:
        pdf.add_page()
        pdf.heading(title, 15)
        pdf.paragraphs(intro)
        for section in sections:
            pdf.section(section)
    for name, page in sorted((class_pages or {}).items(), key=lambda item: class_key(item[0])):
        pdf.add_page()
        pdf.heading(f"Classe {name}", 15)
        if not cover:
            pdf.paragraphs(intro)
        pdf.section(page)
    if annex:
        pdf.add_page()
        pdf.heading("Annexe", 15)
        for section in annex:
            pdf.section(section)
    return pdf.finish()


def _name(line: AccountLine) -> str:
    return f"{line.lastname} {line.firstname}"


def _sections(report: Report) -> list[Section]:
    staff = ["Nom", "Identifiant", "Mot de passe initial"]
    return [
        Section(
            "Échecs",
            ["Action", "Personne", "Raison"],
            [[f.kind, f.who, f.reason] for f in report.failures],
            (25, 35, 40),
        ),
        Section(
            "Enseignants",
            [*staff, "Disciplines", "Classes"],
            [
                [_name(a), a.username, a.password, ", ".join(a.disciplines), ", ".join(a.classes)]
                for a in report.teachers
            ],
            (24, 22, 16, 20, 18),
            (1, 2),
        ),
        Section(
            "Personnels de direction",
            staff,
            [[_name(a), a.username, a.password] for a in report.heads],
            (45, 35, 20),
            (1, 2),
        ),
        Section(
            "Autres personnels",
            staff,
            [[_name(a), a.username, a.password] for a in report.of_population("staff")],
            (45, 35, 20),
            (1, 2),
        ),
        Section(
            "Responsables légaux",
            [*staff, "Élèves (classe)"],
            [[_name(a), a.username, a.password, a.children_text] for a in report.guardians],
            (24, 22, 18, 36),
            (1, 2),
        ),
        Section(
            "Comptes réactivés, désactivés, suspendus ou supprimés",
            ["Changement", "Nom", "Identifiant", "Détail"],
            [
                [CHANGE_LABELS.get(c.change, c.change), c.name, c.username, c.detail]
                for c in report.changes
            ],
            (15, 25, 20, 40),
            (2,),
        ),
    ]


def _annex(report: Report) -> list[Section]:
    return [
        Section(
            "Classes et groupes créés",
            ["Nom", "Description"],
            [[c.name, c.description] for c in report.cohorts],
            (30, 70),
        )
    ]


def _class_pages(report: Report) -> dict[str, Section]:
    classes: dict[str, list[list[str]]] = {}
    for a in report.students:
        classes.setdefault(a.division or "sans classe", []).append(
            [a.lastname, a.firstname, a.username, a.password, ", ".join(a.groups)]
        )
    return {
        name: Section(
            "Identifiants des élèves",
            ["Nom", "Prénom", "Identifiant", "Mot de passe initial", "Groupes"],
            rows,
            (22, 20, 26, 16, 16),
            (2, 3),
        )
        for name, rows in classes.items()
    }


def report_pdf(report: Report, font_path: Path | None = None) -> bytes:
    """The printable report: the people, one page of student logins per class, then the
    classes and groups created as an annex.

    :returns: the PDF document's bytes.
    """
    year = f" — {report.year}-{report.year + 1}" if report.year else ""
    intro = [
        f"Date : {french_date(report.today)}",
        "Fichiers : " + ", ".join(report.files),
        "Changement de mot de passe obligatoire à la première connexion.",
    ]
    if report.brake:
        intro.append(report.brake)
    return render_pdf(
        f"Rapport d'importation — {report.uaj}{year}",
        intro,
        _sections(report),
        _class_pages(report),
        font_path,
        _annex(report),
    )


def logins_pdf(
    students: Mapping[str, Sequence[Mapping[str, Any]]], font_path: Path | None = None
) -> bytes:
    """« Liste des identifiants des élèves »: one page per class (logins, no password).

    :param students: class code (``""`` for no class) → lines with ``lastname``,
        ``firstname`` and ``username``.
    :returns: the PDF document's bytes.
    """
    pages = {
        (code or "sans classe"): Section(
            "Identifiants des élèves",
            ["Nom", "Prénom", "Identifiant"],
            [[s["lastname"], s["firstname"], s["username"]] for s in lines],
            (35, 30, 35),
            (2,),
        )
        for code, lines in students.items()
    }
    intro = [
        "Mot de passe initial : la date de naissance (jjmmaaaa), à changer à la première connexion."
    ]
    return render_pdf("Liste des identifiants des élèves", intro, [], pages, font_path)
