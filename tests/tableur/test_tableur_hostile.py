"""Hostile and wrong files given as tables: each refused in French, naming the file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import sheets_factory as f

from cpro_siecle_plugin.errors import ArchiveError, InputError
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.tableur import analyse_inputs
from cpro_siecle_plugin.tableur import xlsx_reader as xr
from cpro_siecle_plugin.tableur.columns import TableKind

MB = 1024 * 1024


def analyse(*files: InputFile) -> object:
    return analyse_inputs(list(files), today=f.TODAY, settings=f.SETTINGS)


def _file(path: Path) -> InputFile:
    return InputFile(path, path.name)


def test_zip_bomb_inside_an_xlsx_is_refused_before_openpyxl_reads_it(tmp_path: Path,
                                                                     monkeypatch) -> None:
    """A sheet that inflates a thousandfold is stopped by the intake's ratio limit."""
    book = f.write_xlsx(tmp_path / "bombe.xlsx")
    f.patch_member(book.path, "xl/worksheets/sheet1.xml",
                   lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * (8 * MB)))
    opened: list[object] = []
    monkeypatch.setattr(xr.openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    with pytest.raises(ArchiveError, match=r"« bombe\.xlsx » refusé.*bombe de décompression"):
        analyse(book)
    assert opened == []


def test_an_xlsx_with_too_many_members_is_refused(tmp_path: Path) -> None:
    """The member count is limited too (generously: one member per sheet)."""
    path = tmp_path / "membres.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(xr.WORKBOOK_MAX_MEMBERS + 1):
            archive.writestr(f"xl/worksheets/sheet{index}.xml", "<worksheet/>")
    with pytest.raises(ArchiveError, match="fichiers, au-delà du maximum autorisé"):
        analyse(_file(path))


@pytest.mark.parametrize("doctype", [
    b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>',
], ids=["xxe", "billion-laughs"])
def test_entities_in_a_workbook_are_refused(tmp_path: Path, doctype: bytes) -> None:
    """openpyxl parses through defusedxml: an XXE or billion-laughs sheet is a refused file."""
    book = f.write_xlsx(tmp_path / "piege.xlsx")
    f.patch_member(book.path, "xl/worksheets/sheet4.xml",
                   lambda xml: doctype + xml.replace(b"<t>E001</t>", b"<t>&xxe;&c;</t>"))
    with pytest.raises(InputError, match=r"« piege\.xlsx » refusé.*entités XML ou une DTD"):
        analyse(book)


def test_entities_in_the_workbook_part_are_refused(tmp_path: Path) -> None:
    """Same for the workbook's own XML, read when openpyxl opens the file."""
    book = f.write_xlsx(tmp_path / "piege.xlsx")
    f.patch_member(book.path, "xl/workbook.xml", lambda xml: (
        b'<!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + xml))
    with pytest.raises(InputError, match="entités XML ou une DTD"):
        analyse(book)


def test_huge_sheet_is_refused(tmp_path: Path, monkeypatch) -> None:
    """Past the row limit, the sheet is refused while it is read (limit lowered here)."""
    monkeypatch.setattr(xr, "MAX_ROWS", 10)
    kids = [{**f.STUDENTS[0], "id": f"E{i:03}"} for i in range(20)]
    book = f.write_xlsx(tmp_path / "enorme.xlsx", {TableKind.STUDENTS: kids})
    with pytest.raises(InputError, match=r"feuille « Élèves ».*plus de 10 lignes"):
        analyse(book)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("eleves.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
     r"Excel 97-2003 \(\.xls\) non pris en charge"),
    ("classeur.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
     r"Excel 97-2003 \(\.xls\) non pris en charge"),
    ("eleves.ods", b"PK\x03\x04", r"OpenDocument \(\.ods\) non pris en charge"),
    ("eleves.csv", b"%PDF-1.7\n\0\0\0binary", r"pas un fichier texte CSV"),
    ("eleves.csv", b'<?xml version="1.0"?><BEE_ELEVES/>', r"document XML \(un export SIECLE"),
    ("eleves.xlsx", b"Identifiant;Nom\r\n1;A\r\n", r"pas un classeur Excel"),
    ("liste.csv", b"Nom;Pr\xc3\xa9nom\r\nA;B\r\n", r"en-têtes non reconnus"),
    ("eleves.csv", b"Identifiant \xe9l\xe8ve;Nom\r\n\x81\x8d;B\r\n", r"ligne 2.*encodage non "
                                                                       r"reconnu \(octet 0x81\)"),
], ids=["xls", "xls-renamed-xlsx", "ods", "pdf-as-csv", "xml-as-csv", "csv-as-xlsx",
        "unknown-headers", "undecodable"])
def test_wrong_kinds_of_file_are_refused(tmp_path: Path, name: str, content: bytes,
                                         message: str) -> None:
    """Each wrong file gets its own French sentence."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"« {name} » refusé.*{message}"):
        analyse(_file(path))


def test_a_word_document_named_xlsx_is_refused(tmp_path: Path) -> None:
    """A zip that is not a workbook (here a .docx) is named for what it is."""
    path = tmp_path / "eleves.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(InputError, match="document Word, pas un classeur"):
        analyse(_file(path))


def test_a_truncated_workbook_is_refused(tmp_path: Path) -> None:
    """Half a workbook (an interrupted upload or copy)."""
    book = f.write_xlsx(tmp_path / "coupe.xlsx")
    data = book.path.read_bytes()
    book.path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"« coupe\.xlsx » refusé"):
        analyse(book)
