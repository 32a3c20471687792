"""Templates filled in as a school would: a small CFA, written as XLSX or as Excel's CSV files."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.tableur.columns import TABLE_BY_KIND, TableKind

UAJ = "0771234A"
TODAY = date(2025, 10, 1)
SETTINGS = Settings(secret="s", host="memory")
Row = Mapping[str, Any]

SCHOOL: list[Row] = [{"uaj": UAJ, "name": "CFA des Métiers de Melun", "year": "2025-2026"}]
CLASSES: list[Row] = [
    {"code": "CAP1A", "label": "CAP cuisine 1re année", "type": "classe"},
    {"code": "CAP1B", "label": "CAP pâtisserie 1re année", "type": "classe"},
    {"code": "CAP1A-G1", "label": "Atelier groupe 1", "type": "groupe", "divisions": "CAP1A"},
]
STAFF: list[Row] = [
    {"id": "P01", "civility": "Mme", "last_name": "Lefèvre", "first_name": "Hélène",
     "birth_date": "14/03/1980", "function": "enseignant", "disciplines": "Cuisine, Hygiène",
     "classes": "CAP1A, CAP1A-G1"},
    {"id": "P02", "civility": "M.", "last_name": "N'Diaye", "first_name": "Mamadou",
     "birth_date": "", "function": "Formateur", "disciplines": "Pâtisserie",
     "classes": "CAP1B"},
    {"id": "P03", "civility": "Mme", "last_name": "Œuvray", "first_name": "Agnès",
     "birth_date": "01/01/1970", "function": "direction"},
]
STUDENTS: list[Row] = [
    {"id": "E001", "ine": "123456789AB", "last_name": "Benoît", "first_name": "Zoé",
     "birth_date": "02/09/2008", "sex": "F", "division": "CAP1A", "groups": "CAP1A-G1",
     "entry_date": "01/09/2025"},
    {"id": "E002", "last_name": "Müller", "usage_name": "Martin", "first_name": "Jérôme",
     "birth_date": "2008-11-30", "division": "CAP1A"},
    {"id": "E003", "last_name": "Dupré", "first_name": "Maëlle", "birth_date": "15/05/2007",
     "division": "CAP1B"},
    {"id": "E004", "last_name": "Garçon", "first_name": "Noé", "birth_date": "07/07/2009",
     "division": "CAP1B"},
]
GUARDIANS: list[Row] = [
    {"id": "R01", "civility": "M.", "last_name": "Benoît", "first_name": "François",
     "email": "f.benoit@example.org", "students": "E001", "legal": "oui"},
    {"id": "R02", "civility": "Mme", "last_name": "Müller", "first_name": "Inès",
     "students": "E002, E003", "legal": "Oui"},
    {"id": "R03", "last_name": "Garçon", "first_name": "Élodie", "students": "E004",
     "legal": "non"},
]
TABLES: dict[TableKind, list[Row]] = {
    TableKind.SCHOOL: SCHOOL, TableKind.CLASSES: CLASSES, TableKind.STAFF: STAFF,
    TableKind.STUDENTS: STUDENTS, TableKind.GUARDIANS: GUARDIANS,
}


def values(kind: TableKind, rows: Sequence[Row], typed: Callable[[str, Any], Any] | None = None
           ) -> list[list[Any]]:
    """Header, then one list per row, in the template's column order."""
    columns = TABLE_BY_KIND[kind].columns
    out: list[list[Any]] = [[c.header for c in columns]]
    for row in rows:
        cells = [row.get(c.key, "") for c in columns]
        out.append([typed(c.key, v) if typed else v for c, v in zip(columns, cells, strict=True)])
    return out


def write_xlsx(path: Path, tables: Mapping[TableKind, Sequence[Row]] | None = None, *,
               typed: Callable[[str, Any], Any] | None = None,
               hidden: Sequence[str] = (), extra: Mapping[str, list[list[Any]]] | None = None
               ) -> InputFile:
    """A workbook with one sheet per table (sheets named as in the template)."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for kind, rows in (tables if tables is not None else TABLES).items():
        sheet = book.create_sheet(TABLE_BY_KIND[kind].title)
        for line in values(kind, rows, typed):
            sheet.append(line)
    for title, lines in (extra or {}).items():
        sheet = book.create_sheet(title)
        for line in lines:
            sheet.append(line)
    for title in hidden:
        book[title].sheet_state = "hidden"
    book.save(path)
    return InputFile(path, path.name)


def csv_text(kind: TableKind, rows: Sequence[Row], sep: str = ";") -> str:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(values(kind, rows))
    return out.getvalue()


def write_csvs(folder: Path, tables: Mapping[TableKind, Sequence[Row]] | None = None, *,
               encoding: str = "utf-8-sig", sep: str = ";") -> list[InputFile]:
    """One CSV file per table, as Excel writes them (``utf-8-sig`` is « CSV UTF-8 »)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for kind, rows in (tables if tables is not None else TABLES).items():
        path = folder / f"{kind.value}.csv"
        path.write_bytes(csv_text(kind, rows, sep).encode(encoding))
        files.append(InputFile(path, path.name))
    return files


def with_rows(base: Mapping[TableKind, Sequence[Row]], kind: TableKind,
              rows: Sequence[Row]) -> dict[TableKind, Sequence[Row]]:
    """``base`` with the rows of one table replaced."""
    return {**base, kind: rows}


def patch_member(path: Path, member: str, change: Callable[[bytes], bytes]) -> None:
    """Rewrite one member of a zip (a workbook's sheet XML) in place."""
    with zipfile.ZipFile(path) as archive:
        items = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in items:
            archive.writestr(info.filename, change(data) if info.filename == member else data)
