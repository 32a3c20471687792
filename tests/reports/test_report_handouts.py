"""Handouts: login slips to cut out, guardians' letters by class, the staff sheet."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from cpro_siecle_plugin.reports import pdf as report_pdf
from cpro_siecle_plugin.reports.handouts import (
    Handout,
    handout_classes,
    letters_pdf,
    slips_pdf,
    staff_pdf,
)
from cpro_siecle_plugin.reports.report import AccountLine, Report

URL = "https://moodle.lycee-jean-moulin.example.fr"
HANDOUT = Handout("Lycée Jean Moulin", URL, 2025)
LONG = "francoise-marie.benoit-dupre10"  # 30 characters, the longest login made


def _pupil(i: int, division: str, first: str = "Léa", login: str | None = None) -> AccountLine:
    return AccountLine(f"X:eleve:{i}", "student", "BENOÎT-DUPRÉ", first,
                       login or f"lea.benoit-dupre{i}", "07112009", division=division)


def _report(*lines: AccountLine) -> Report:
    return Report("0691234X", 2025, "2025-09-15", (), True, accounts=lines)


def _pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _lines(data: bytes) -> list[str]:
    return [line.strip() for page in _pages(data) for line in page.splitlines()]


#: Thirteen pupils in three classes, given out of order; the first has the longest login.
PUPILS = [_pupil(0, "2NDE1", "Françoise-Marie", LONG)] + [
    _pupil(i, code, first) for i, (code, first) in enumerate(
        [("1ERE1", "Anne"), ("2NDE10", "Zoé"), ("2NDE2", "Zoé"), ("2NDE2", "Émile")]
        + [("2NDE2", f"P{n}") for n in range(8)], start=1)]


@pytest.fixture(scope="module")
def slips() -> bytes:
    """The slips of every class of :data:`PUPILS`."""
    return slips_pdf(_report(*PUPILS), HANDOUT)


def test_slips_print_each_login_whole_on_one_line_with_the_address(slips: bytes) -> None:
    """Even a 30-character login is on one line, next to « Identifiant : », never cut."""
    lines = _lines(slips)
    assert f"Identifiant : {LONG}" in lines
    assert all(f"Identifiant : {p.username}" in lines for p in PUPILS)
    assert lines.count(f"Adresse : {URL}") == len(PUPILS)
    text = " ".join(" ".join(lines).split())
    assert text.count("changez votre mot de passe à la première connexion") == len(PUPILS)
    assert "Lycée Jean Moulin" in lines and "Mot de passe initial : 07112009" in lines


def test_slips_put_ten_per_page_class_by_class_in_school_order(slips: bytes) -> None:
    """Ten slips a page; 2NDE2 before 2NDE10 before 1ERE1, names in French order."""
    pages = _pages(slips)
    assert len(pages) == 2 and pages[0].count("Identifiant :") == 10
    assert "Découper selon les pointillés" in pages[0]
    text = "".join(pages)
    order = [text.index(f"{name} — classe {code}") for code, name in
             [("2NDE1", "Françoise-Marie"), ("2NDE2", "Émile"), ("2NDE2", "P7"),
              ("2NDE2", "Zoé"), ("2NDE10", "Zoé"), ("1ERE1", "Anne")]]
    assert order == sorted(order)


def test_login_font_is_embedded_monospace_when_dejavu_is_there(slips: bytes) -> None:
    """DejaVu Sans Mono (Debian fonts-dejavu-core) is embedded for logins."""
    if report_pdf.find_mono_font() is None:
        pytest.skip("fonts-dejavu-core is installed by make test")
    assert b"DejaVuSansMono" in slips


def test_slips_of_one_class_hold_only_that_class() -> None:
    """Asking for 2NDE2 leaves out 2NDE10."""
    report = _report(_pupil(1, "2NDE2"), _pupil(2, "2NDE10"))
    text = "".join(_pages(slips_pdf(report, HANDOUT, "2NDE2")))
    assert "lea.benoit-dupre1" in text and "lea.benoit-dupre2" not in text


def test_slips_without_pupils_say_so() -> None:
    """A class with no new pupil gives a one-page PDF saying so, not an empty file."""
    (page,) = _pages(slips_pdf(_report(), HANDOUT, "2NDE2"))
    assert "Aucun compte d'élève" in page


def test_login_font_shrinks_to_fit_instead_of_wrapping() -> None:
    """The monospace size is lowered until the login fits its width."""
    pdf = report_pdf.ReportPdf("t", report_pdf.find_font())
    size = pdf.fit_size(LONG, 40, 13)
    assert size < 13
    pdf.set_font(pdf.mono, "", size)
    assert pdf.get_string_width(LONG) <= 40.01
    assert pdf.fit_size("a.b", 40, 13) == 13
    pdf.add_page()
    assert pdf.finish().startswith(b"%PDF")


def test_slips_without_truetype_fonts_use_core_courier(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DejaVu, logins still print whole in the core Courier font."""
    monkeypatch.setattr(report_pdf, "FONT_CANDIDATES", ())
    monkeypatch.setattr(report_pdf, "MONO_CANDIDATES", ())
    lines = _lines(slips_pdf(_report(_pupil(1, "2NDE1", "Œdipe", LONG)), HANDOUT))
    assert f"Identifiant : {LONG}" in lines


def _guardian(i: int, children: tuple[tuple[str, str], ...]) -> AccountLine:
    return AccountLine(f"X:resp:{i}", "guardian", "BENOÎT-DUPRÉ", f"Claire{i}",
                       f"claire{i}.benoit-dupre", "ab3k9xyz42",
                       students=tuple(who for who, _ in children),
                       student_classes=tuple(code for _, code in children))


def test_letters_one_per_guardian_grouped_by_their_childs_class() -> None:
    """Each guardian gets one letter, naming every child with their class, filed by class."""
    report = _report(
        _guardian(1, (("BENOÎT-DUPRÉ Léo (leo.benoit-dupre)", "1ERE1"),)),
        _guardian(2, (("X Ana (ana.x)", "2NDE10"), ("X Bob (bob.x)", "2NDE2"))),
    )
    pages = _pages(letters_pdf(report, HANDOUT))
    text = " ".join(" ".join(pages).split())
    assert len(pages) == 1 and text.count("Identifiant :") == 2
    assert text.index("claire2.benoit-dupre") < text.index("claire1.benoit-dupre")
    assert "X Ana (ana.x), 2NDE10 ; X Bob (bob.x), 2NDE2" in text
    assert "courrier remis par la classe 2NDE2" in text
    only = " ".join(_pages(letters_pdf(report, HANDOUT, "2NDE10")))
    assert "claire2.benoit-dupre" in only and "claire1.benoit-dupre" not in only


def test_staff_sheet_lists_heads_then_teachers_with_their_logins() -> None:
    """Heads first, then teachers; one class: that class's teachers only."""
    head = AccountLine("X:sts:1", "head", "PROVISEUR", "Anne", "anne.proviseur", "1970-01-02")
    teacher = AccountLine("X:sts:2", "teacher", "PROF", "Paul", "paul.prof", "1980-01-02",
                          classes=("2NDE10", "2NDE2"))
    report = _report(teacher, head)
    lines = _lines(staff_pdf(report, HANDOUT))
    rows = [line for line in lines if "1970-01-02" in line or "1980-01-02" in line]
    assert rows == ["PROVISEUR Anne direction anne.proviseur 1970-01-02",
                    "PROF Paul enseignant paul.prof 1980-01-02 2NDE2, 2NDE10"]
    assert f"Adresse de la plateforme : {URL}" in lines
    one = " ".join(_lines(staff_pdf(report, HANDOUT, "2NDE2")))
    assert "paul.prof" in one and "anne.proviseur" not in one


def test_handout_classes_are_in_school_order() -> None:
    """The class menu of the report page lists 2NDE2, 2NDE10, then 1ERE1."""
    report = _report(_pupil(1, "1ERE1"), _pupil(2, "2NDE10"),
                     _guardian(3, (("X Ana (ana.x)", "2NDE2"),)))
    assert handout_classes(report) == ["2NDE2", "2NDE10", "1ERE1"]
