"""The printable PDF: always produced, Unicode names kept or safely transliterated."""

from __future__ import annotations

import pytest

from cpro_siecle_plugin.reports import pdf as report_pdf
from cpro_siecle_plugin.reports.pdf import Section, render_pdf, to_latin1

ROWS = [["N’DIAYE Œdipe", "oedipe.ndiaye", "01022009"]]


def test_pdf_has_one_page_per_class() -> None:
    """Each class gets its own page after the summary page."""
    pages = {
        c: Section("Identifiants des élèves", ["Nom", "Identifiant", "Mot de passe"], ROWS)
        for c in ("2NDE1", "2NDE2", "1G1")
    }
    summary = Section("Enseignants", ["Nom", "Identifiant", "Mot de passe"], ROWS)
    data = render_pdf("Rapport", ["ligne"], [summary], pages)
    assert data.startswith(b"%PDF")
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") == 4


def test_pdf_without_unicode_font_still_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DejaVu on the machine, the core font and a transliteration are used."""
    monkeypatch.setattr(report_pdf, "FONT_CANDIDATES", ())
    data = render_pdf("Rapport d’importation — Œ", [], [Section("Élèves", ["Nom", "a", "b"], ROWS)])
    assert data.startswith(b"%PDF")


def test_transliteration_keeps_latin1_and_replaces_the_rest() -> None:
    """Accents of Latin-1 stay; Œ, ’ and dashes become readable ASCII."""
    assert to_latin1("Éloïse N’DIAYE — Œuvre ș ㄱ") == "Éloïse N'DIAYE - OEuvre s ?"


def test_report_pdf_prints_each_class_on_its_own_page() -> None:
    """The report PDF has a summary page, then one page of student logins per class."""
    from cpro_siecle_plugin.reports.report import build_report
    from cpro_siecle_plugin.sync.plan import CreateUser, Plan, sort_actions

    students = [
        CreateUser(
            f"X:eleve:{i}",
            "student",
            f"cpro:X:eleve:{i}",
            f"e.{i}",
            "01022009",
            "Zoé",
            "N’DIAYE",
            division=division,
        )
        for i, division in enumerate(["2A", "2A", "2B"])
    ]
    teacher = CreateUser(
        "X:sts:1",
        "teacher",
        "cpro:X:sts:1",
        "p.prof",
        "1980-01-02",
        "Paul",
        "PROF",
        disciplines=("Maths",),
        classes=("2A",),
    )
    report = build_report(Plan(sort_actions([*students, teacher]), {"uaj": "X", "year": 2025}))
    data = report_pdf.report_pdf(report)
    assert data.startswith(b"%PDF")
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") == 3
