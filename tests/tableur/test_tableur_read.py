"""Tables filled as a school would, in every flavour Excel writes, read into SIECLE records."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sheets_factory as f

from cpro_siecle_plugin.domain import SOURCE_SHEETS, StaffRole
from cpro_siecle_plugin.errors import InputError
from cpro_siecle_plugin.siecle.analyse import Analysis
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.tableur import analyse_inputs
from cpro_siecle_plugin.tableur.columns import TableKind

#: E004's last name in the Élèves sheet (the 4th), to turn into a formula.
C5 = re.compile(rb'<c r="C5" t="inlineStr">.*?</c>')


def analyse(files: list[InputFile]) -> Analysis:
    return analyse_inputs(files, today=f.TODAY, settings=f.SETTINGS)


def _check_cfa(analysis: Analysis) -> None:
    assert [str(p) for p in analysis.errors] == []
    snap = analysis.snapshot
    assert snap is not None and snap.uaj == f.UAJ and snap.year == 2025
    assert snap.source == SOURCE_SHEETS
    assert snap.sts is not None and snap.eleves is not None and snap.responsables is not None
    assert snap.sts.school.name == "CFA des Métiers de Melun"
    assert [(s.code, s.is_group, s.divisions) for s in snap.structures] == [
        ("CAP1A", False, ()), ("CAP1B", False, ()), ("CAP1A-G1", True, ("CAP1A",))]
    staff = {s.sts_id: s for s in snap.sts.staff}
    assert staff["P01"].role is StaffRole.TEACHER and staff["P02"].role is StaffRole.TEACHER
    assert staff["P03"].role is StaffRole.HEAD and staff["P03"].last_name == "Œuvray"
    assert staff["P01"].structures == ("CAP1A", "CAP1A-G1")
    assert [d.label for d in staff["P01"].disciplines] == ["Cuisine", "Hygiène"]
    assert staff["P01"].birth_date == date(1980, 3, 14) and staff["P02"].birth_date is None
    kids = {s.eleve_id: s for s in snap.eleves.students}
    assert kids["E001"].first_name == "Zoé" and kids["E001"].ine == "123456789AB"
    assert kids["E001"].groups == ("CAP1A-G1",) and kids["E001"].entry_date == date(2025, 9, 1)
    assert kids["E002"].birth_date == date(2008, 11, 30) and kids["E002"].usage_name == "Martin"
    links = {(k.personne_id, k.eleve_id): k.is_legal for k in snap.responsables.links}
    assert links == {("R01", "E001"): True, ("R02", "E002"): True, ("R02", "E003"): True,
                     ("R03", "E004"): False}


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8-sig", ";"), ("cp1252", ";"),
                                               ("utf-8", ","), ("utf-16", "\t")],
                         ids=["csv-utf8-bom-semicolon", "csv-windows1252-semicolon",
                              "csv-utf8-comma", "unicode-text-tab"])
def test_excel_csv_flavours_read_the_same(tmp_path: Path, encoding: str, sep: str) -> None:
    """Excel's « CSV UTF-8 », plain « CSV » (Windows-1252), comma CSV and « Texte Unicode »."""
    _check_cfa(analyse(f.write_csvs(tmp_path, encoding=encoding, sep=sep)))


def _excel_types(key: str, value: Any) -> Any:
    """Dates as Excel keeps them: a real date, a bare serial number, or text."""
    if key == "birth_date" and value == "02/09/2008":
        return datetime(2008, 9, 2)
    if key == "birth_date" and value == "15/05/2007":
        return (date(2007, 5, 15) - date(1899, 12, 30)).days  # unformatted serial number
    return value


def test_xlsx_dates_as_dates_numbers_and_text_with_a_hidden_helper_sheet(tmp_path: Path) -> None:
    """A workbook: date cells, serial numbers and text dates; a hidden helper sheet ignored."""
    book = f.write_xlsx(tmp_path / "cfa.xlsx", typed=_excel_types,
                        extra={"Listes": [["enseignant"], ["direction"]]}, hidden=["Listes"])
    analysis = analyse([book])
    _check_cfa(analysis)
    assert analysis.snapshot is not None and analysis.snapshot.eleves is not None
    assert analysis.snapshot.sts is not None
    assert analysis.snapshot.sts.filename == "cfa.xlsx (feuilles « Classes » et « Personnels »)"
    kids = {s.eleve_id: s for s in analysis.snapshot.eleves.students}
    assert kids["E001"].birth_date == date(2008, 9, 2)
    assert kids["E003"].birth_date == date(2007, 5, 15)
    assert analysis.warnings == ()


def test_xlsx_formula_reads_its_cached_value(tmp_path: Path) -> None:
    """A formula Excel computed (cached value) is read as its value."""
    book = f.write_xlsx(tmp_path / "cfa.xlsx")
    # Élèves is the 4th sheet; E004's last name (row 5, column C) becomes a formula.
    f.patch_member(book.path, "xl/worksheets/sheet4.xml", lambda xml: C5.sub(
        '<c r="C5" t="str"><f>UPPER("Garçon")</f><v>GARÇON</v></c>'.encode(), xml))
    analysis = analyse([book])
    assert analysis.ok, [str(p) for p in analysis.problems]
    assert analysis.snapshot is not None and analysis.snapshot.eleves is not None
    assert analysis.snapshot.eleves.students[3].last_name == "GARÇON"


def test_xlsx_formula_without_value_merged_cells_and_hidden_table_are_refused(
    tmp_path: Path
) -> None:
    """A never-computed formula, merged cells and a hidden table: each named, all at once."""
    book = f.write_xlsx(tmp_path / "cfa.xlsx", hidden=["Responsables"])
    f.patch_member(book.path, "xl/worksheets/sheet4.xml", lambda xml: C5.sub(
        b'<c r="C5"><f>UPPER(B5)</f></c>', xml).replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="H2:H3"/>'
                         b"</mergeCells>"))
    messages = [str(p) for p in analyse([book]).errors]
    assert any("feuille « Élèves »), ligne 5 : cellule C5 : formule « =UPPER(B5) » sans valeur"
               " calculée" in m for m in messages), messages
    assert any("cellules fusionnées H2:H3" in m for m in messages), messages
    assert any("feuille « Responsables ») : feuille masquée" in m for m in messages), messages


def test_empty_trailing_rows_and_extra_columns_are_ignored(tmp_path: Path) -> None:
    """Blank rows (even styled) and a column the school added do not matter."""
    book = f.write_xlsx(tmp_path / "cfa.xlsx")
    f.patch_member(book.path, "xl/worksheets/sheet4.xml", lambda xml: xml.replace(
        b"</sheetData>", b'<row r="40"><c r="A40" s="0"/></row><row r="900"/></sheetData>'))
    folder = f.write_csvs(tmp_path / "csv")
    students = next(p for p in folder if p.name == "eleves.csv")
    text = students.path.read_text(encoding="utf-8-sig").replace("\r\n", ";Remarque\r\n", 1)
    students.path.write_text(text + ";;;;\r\n;;;;\r\n\r\n", encoding="utf-8-sig")
    _check_cfa(analyse([book]))
    _check_cfa(analyse(folder))


def test_every_cell_problem_is_listed_with_file_row_and_column(tmp_path: Path) -> None:
    """Bad date, missing birth date, duplicate id, unknown class, unknown pupil, no id."""
    kids = [*f.STUDENTS,
            {"id": "E005", "last_name": "Ébrard", "first_name": "Léo", "birth_date": "31/02/2010",
             "division": "CAP1A"},
            {"id": "E001", "last_name": "Double", "first_name": "Jean", "birth_date": "01/01/2009",
             "division": "CAP1A"},
            {"id": "E006", "last_name": "Sans", "first_name": "Date", "division": "TERM"},
            {"id": "", "last_name": "Sans", "first_name": "Identifiant",
             "birth_date": "01/01/2009"}]
    parents = [*f.GUARDIANS, {"id": "R09", "last_name": "Orphelin", "first_name": "Paul",
                              "students": "E999"}]
    tables = f.with_rows(f.with_rows(f.TABLES, TableKind.STUDENTS, kids),
                         TableKind.GUARDIANS, parents)
    analysis = analyse(f.write_csvs(tmp_path, tables))
    assert analysis.snapshot is None
    messages = [str(p) for p in analysis.problems]
    expected = [
        "eleves.csv, ligne 6 : colonne « Date de naissance » : « 31/02/2010 » n'est pas une date",
        "eleves.csv, ligne 7 : colonne « Identifiant élève » : « E001 » en double (déjà ligne 2)",
        "eleves.csv, ligne 8 : colonne « Date de naissance » vide : valeur obligatoire",
        "eleves.csv, ligne 8 : classe « TERM » inconnue de la table des classes",
        "eleves.csv, ligne 9 : colonne « Identifiant élève » vide",
        "Avertissement — responsables.csv, ligne 5 : lien du responsable R09 vers l'élève E999, "
        "absent du fichier des élèves : lien ignoré",
    ]
    for text in expected:
        assert any(text in m for m in messages), (text, messages)


def test_a_row_without_identifier_is_refused_not_imported(tmp_path: Path) -> None:
    """No identifier, no record: the school's identifier is the person's key."""
    kids = [*f.STUDENTS, {"last_name": "Sans", "first_name": "Id", "birth_date": "01/01/2009",
                          "division": "CAP1A"}]
    analysis = analyse(f.write_csvs(tmp_path, f.with_rows(f.TABLES, TableKind.STUDENTS, kids)))
    assert not analysis.ok
    assert analysis.summary["students"] == 4


def test_missing_columns_and_tables_are_named(tmp_path: Path) -> None:
    """A required header missing, Personnels without Classes, no Établissement table."""
    files = f.write_csvs(tmp_path, {TableKind.STAFF: f.STAFF})
    text = files[0].path.read_text(encoding="utf-8-sig").replace("Fonction", "Poste", 1)
    files[0].path.write_text(text, encoding="utf-8-sig")
    messages = [str(p) for p in analyse(files).errors]
    assert any("colonne(s) obligatoire(s) absente(s) de la ligne d'en-têtes : « Fonction »" in m
               for m in messages), messages
    assert any("table « Classes » absente" in m for m in messages), messages
    assert any("table « Établissement » absente" in m for m in messages), messages


def test_a_file_saved_in_the_wrong_encoding_is_refused(tmp_path: Path) -> None:
    """Accents converted twice (« BenoÃ®t ») would garble every name: refused, line given."""
    path = tmp_path / "eleves.csv"
    text = f.csv_text(TableKind.STUDENTS, f.STUDENTS)
    path.write_bytes(text.encode("utf-8").decode("cp1252").encode("utf-8"))
    with pytest.raises(InputError, match=r"eleves\.csv.*ligne 1.*texte mal encodé \(« Ã© »"):
        analyse([InputFile(path, path.name)])


def test_siecle_files_and_tables_are_not_mixed(tmp_path: Path, samples: Path) -> None:
    """One import is SIECLE exports or the school's tables, not both."""
    sts = samples / "sts_emp_0691234X_2025.xml"
    files = [*f.write_csvs(tmp_path), InputFile(sts, sts.name)]
    with pytest.raises(InputError, match="exports SIECLE et tableaux"):
        analyse(files)
