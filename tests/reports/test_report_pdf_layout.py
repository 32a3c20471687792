"""The layout rules of the PDFs' own text drawing (reports/canvas.py): logins in monospace,
whole and fitted; text wrapped inside its cell; table headings on every page; each page
naming the fonts it uses."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader

from cpro_siecle_plugin.reports import pdf as report_pdf
from cpro_siecle_plugin.reports.handouts import Handout, slips_pdf
from cpro_siecle_plugin.reports.pdf import ReportPdf, Section, render_pdf
from cpro_siecle_plugin.reports.report import AccountLine, Report

LONG = "francoise-marie.benoit-dupre10"  # 30 characters, the longest login made
URL = "https://moodle.lycee-jean-moulin.example.fr"


def _pupil(i: int, login: str | None = None) -> AccountLine:
    return AccountLine(f"X:eleve:{i}", "student", "BENOÎT-DUPRÉ", f"Léa{i}",
                       login or f"lea.benoit-dupre{i}", "07112009", division="2NDE1")


def _report(*lines: AccountLine) -> Report:
    return Report("0691234X", 2025, "2025-09-15", (), True, accounts=lines)


def _fonts_of(data: bytes, wanted: str) -> set[str]:
    """The base fonts every text fragment containing ``wanted`` is drawn in."""
    fonts: set[str] = set()

    def visit(text: str, _cm: Any, _tm: Any, font: Any, _size: Any) -> None:
        if wanted in text and font is not None:
            fonts.add(str(font.get("/BaseFont")))

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return fonts


@pytest.fixture()
def dejavu() -> None:
    if report_pdf.find_mono_font() is None:
        pytest.skip("fonts-dejavu-core is installed by make test")


@pytest.fixture()
def pdf() -> Iterator[ReportPdf]:
    """A report document, finished afterwards (which closes its font files)."""
    document = ReportPdf("t", report_pdf.find_font())
    yield document
    document.add_page()
    document.finish()


@pytest.mark.usefixtures("dejavu")
def test_logins_are_drawn_in_monospace_and_labels_in_the_text_font() -> None:
    """The login and the password are in DejaVu Sans Mono, the label beside them is not."""
    data = slips_pdf(_report(_pupil(1, LONG)), Handout("Lycée Jean Moulin", URL, 2025))
    assert all("DejaVuSansMono" in f for f in _fonts_of(data, LONG))
    assert _fonts_of(data, LONG) and _fonts_of(data, "07112009")
    labels = _fonts_of(data, "Identifiant")
    assert labels and not any("Mono" in f for f in labels)


@pytest.mark.usefixtures("dejavu")
def test_every_page_names_the_fonts_it_draws_with() -> None:
    """A 25-slip document: pages 2 and 3 list the fonts in their resources, like page 1."""
    data = slips_pdf(_report(*(_pupil(i) for i in range(25))), Handout("Lycée", URL))
    pages = PdfReader(io.BytesIO(data)).pages
    fonts = [sorted(str(f.get_object()["/BaseFont"])
                    for f in page["/Resources"]["/Font"].values()) for page in pages]
    assert len(pages) == 3 and fonts[1] == fonts[2] == fonts[0]
    assert any("DejaVuSansMono" in f for f in fonts[0])


def test_a_long_class_repeats_its_table_headings_on_every_page() -> None:
    """70 pupils fill two pages; each starts with the table's headings."""
    rows = [[f"NOM{i}", "Léa", f"lea.nom{i}", "07112009", ""] for i in range(70)]
    page = Section("Identifiants des élèves", ["Nom", "Prénom", "Identifiant",
                                               "Mot de passe initial", "Groupes"],
                   rows, (22, 20, 26, 16, 16), (2, 3))
    texts = [p.extract_text() for p in
             PdfReader(io.BytesIO(render_pdf("Rapport", ["ligne"], [], {"2NDE1": page})))
             .pages]
    assert len(texts) >= 2
    assert all("Nom Prénom Identifiant" in text for text in texts)
    lines = [line for text in texts for line in text.splitlines()]
    assert all(f"NOM{i} Léa lea.nom{i} 07112009" in lines for i in range(70))


def test_a_login_in_a_narrow_column_shrinks_to_one_line(pdf: ReportPdf) -> None:
    """In a table, a 30-character login stays whole on one line, within its column."""
    columns = [30.0, 35.0]
    row = pdf.row_layout(["BENOÎT-DUPRÉ Françoise-Marie", LONG], columns, 9, mono=(1,))
    name, login = row.cells
    assert login.lines == [LONG] and login.size < 9
    inner = columns[1] - 2 * pdf.c_margin
    assert pdf.measure(LONG, login.size, pdf.mono) <= inner + 0.01
    assert len(name.lines) == 2 and row.height == 10


def test_text_wraps_at_spaces_within_its_width_and_cuts_only_overlong_words(
        pdf: ReportPdf) -> None:
    """Lines never exceed the width; words are kept whole unless longer than a line."""
    text = "Classe de seconde générale et technologique " + "x" * 80 + " fin"
    lines = pdf.wrap(text, 40, 9)
    assert all(pdf.measure(line, 9) <= 40 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    words = [w for line in lines for w in line.split()]
    assert words[:5] == ["Classe", "de", "seconde", "générale", "et"]
    assert pdf.wrap("un\ndeux", 40, 9) == ["un", "deux"]
