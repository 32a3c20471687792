"""The templates a school fills in: one XLSX workbook, or one CSV file per table.

Each table has its French headers on the first line, the expected format of each column on
the second (a line starting with « Format : », skipped on reading), then example rows whose
identifiers start with ``EXEMPLE-`` (skipped on reading, with a warning). The workbook starts
with a « Mode d'emploi » sheet, which the reader ignores. CSV files are written as Excel's
« CSV UTF-8 » (BOM, ``;``), which Excel opens with the accents right.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .columns import FORMAT_PREFIX, TABLES, Table

WORKBOOK_NAME = "modele-hors-siecle.xlsx"
CSV_ZIP_NAME = "modeles-hors-siecle-csv.zip"
_GUIDE = (
    "Modèle « hors SIECLE » : une feuille par table, à remplir puis à déposer tel quel dans "
    "« Importation SIECLE » > « Fichiers hors SIECLE » (ou : cpro-siecle analyse, plan, apply).",
    "",
    "1. Établissement : une seule ligne, avec l'UAJ (7 chiffres et une lettre) et l'année "
    "scolaire (2025-2026).",
    "2. Classes : une ligne par classe et par groupe ; un groupe nomme ses classes.",
    "3. Personnels : une ligne par personne ; « Fonction » : enseignant, direction, ou autre.",
    "4. Élèves : une ligne par élève, avec sa classe ; la date de naissance est obligatoire.",
    "5. Responsables : une ligne par responsable, avec les identifiants de ses élèves.",
    "",
    "La 2e ligne de chaque feuille décrit le format attendu : laissez-la, elle est ignorée.",
    "Les lignes d'exemple (identifiants EXEMPLE-…) sont ignorées : remplacez-les par les vôtres.",
    "Les identifiants sont ceux de l'établissement : ils ne doivent jamais changer d'une "
    "importation à l'autre (c'est eux qui relient une personne à son compte).",
    "Dates au format jj/mm/aaaa (cellules date ou texte) ; listes séparées par des virgules.",
    "Ne fusionnez pas de cellules, ne masquez pas de feuille à importer, et préférez les "
    "valeurs aux formules.",
)
_HEADER_FONT = Font(bold=True)
_FORMAT_FONT = Font(italic=True, color="666666")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _format_row(table: Table) -> list[str]:
    formats = [c.fmt for c in table.columns]
    return [FORMAT_PREFIX + formats[0], *formats[1:]]


def _typed(table: Table, row: tuple[str, ...]) -> list[object]:
    """Example values as a school types them: real dates in date columns."""
    out: list[object] = []
    for column, value in zip(table.columns, row, strict=True):
        if value and "date" in column.key:
            out.append(datetime.strptime(value, "%d/%m/%Y"))
        else:
            out.append(value or None)
    return out


def _fill_sheet(workbook: Workbook, table: Table) -> None:
    sheet = workbook.create_sheet(table.title)
    sheet.append([c.header for c in table.columns])
    sheet.append(_format_row(table))
    for example in table.examples:
        sheet.append(_typed(table, example))
    for index, column in enumerate(table.columns, start=1):
        letter = sheet.cell(1, index).column_letter
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) + 6))
        sheet.cell(1, index).font = _HEADER_FONT
        sheet.cell(1, index).fill = _HEADER_FILL
        sheet.cell(2, index).font = _FORMAT_FONT
        sheet.cell(2, index).alignment = Alignment(wrap_text=True, vertical="top")
        date_column = "date" in column.key
        for row in range(3, 3 + max(len(table.examples), 1) + 500):
            sheet.cell(row, index).number_format = "DD/MM/YYYY" if date_column else "@"
    sheet.freeze_panes = "A3"


def workbook_bytes() -> bytes:
    """The XLSX template: a « Mode d'emploi » sheet, then one sheet per table."""
    workbook = Workbook()
    guide = workbook.active
    assert guide is not None
    guide.title = "Mode d'emploi"
    for line in _GUIDE:
        guide.append([line])
    guide.column_dimensions["A"].width = 120
    for table in TABLES:
        _fill_sheet(workbook, table)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(table: Table, rows: list[list[str]] | None = None) -> bytes:
    """One table as Excel's « CSV UTF-8 »: BOM, ``;``, headers, formats, then ``rows``
    (the template's examples by default)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in table.columns])
    writer.writerow(_format_row(table))
    writer.writerows(rows if rows is not None else table.examples)
    return out.getvalue().encode("utf-8-sig")


def csv_zip_bytes() -> bytes:
    """The CSV templates, one file per table, in a zip to download at once."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            archive.writestr(table.csv_name, csv_bytes(table))
    return out.getvalue()
