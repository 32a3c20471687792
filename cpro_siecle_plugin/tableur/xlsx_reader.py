"""XLSX workbooks, read with openpyxl in read-only mode after the zip limits are checked.

An XLSX file is a zip of XML documents. Before openpyxl opens it, every member is decompressed
once through the intake limits of :func:`..siecle.archive.check_zip` (member count, size and
ratio counted as bytes come out). openpyxl parses its XML with ``defusedxml`` (a dependency),
so entities and DTDs are refused: an XXE or billion-laughs workbook is a refused file.

Each sheet is streamed row by row with openpyxl's own sheet parser, extended to see, in one
pass, a formula's cached value *and* that the cell holds a formula: a formula whose result was
never computed (a file written by a program, not saved by Excel) is reported, not read as
empty. Merged cells and error values (``#N/A``) are reported too; hidden sheets are marked.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import openpyxl
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from ..config import Settings
from ..errors import InputError, Problem
from ..siecle.archive import InputFile, check_zip
from .sheet import MAX_COLUMNS, MAX_ROWS, Sheet, Value, column_letter, is_blank

log = logging.getLogger(__name__)

#: Members a workbook may hold (one per sheet, plus styles, theme, properties...).
WORKBOOK_MAX_MEMBERS = 200
_OTHER_KINDS = (
    ("content.xml", "classeur OpenDocument (.ods) : enregistrez-le au format Excel (.xlsx) "
                    "ou CSV"),
    ("word/document.xml", "document Word, pas un classeur : utilisez le modèle .xlsx"),
    ("ppt/presentation.xml", "présentation PowerPoint, pas un classeur : utilisez le modèle "
                             ".xlsx"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class _Parser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's sheet parser, also telling which cells hold a formula."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        formula = element.find(FORMULA_TAG)
        if formula is not None:
            cell["formula"] = "=" + (formula.text or "")
        return cell


def is_old_excel(data: bytes) -> bool:
    """An Excel 97-2003 (.xls) file: an OLE2 compound document."""
    return data.startswith(_OLE_MAGIC)


def _check_kind(file: InputFile, names: list[str]) -> None:
    lowered = {n.lower() for n in names}
    if "xl/workbook.xml" in lowered:
        return
    for member, what in _OTHER_KINDS:
        if member in lowered:
            raise InputError(file.name, f"ce fichier est un {what}")
    raise InputError(file.name, "ce n'est pas un classeur Excel (.xlsx) : utilisez le modèle "
                                "fourni, ou enregistrez le tableau au format CSV")


def _entities(file: InputFile) -> InputError:
    return InputError(file.name, "classeur refusé : il déclare des entités XML ou une DTD "
                                 "(fichier piégé ?)")


class _DoctypeScan:
    """Refuses a member declaring a DTD or entities, seen in its bytes as they come out.

    openpyxl parses some parts with lxml (entities left unresolved) and sheets with
    defusedxml (refused): checking the bytes first refuses both the same way. Excel never
    writes a DTD, and ``<!`` cannot appear in XML text unescaped (outside CDATA, which Excel
    does not write either).
    """

    def __init__(self, file: InputFile) -> None:
        self._file = file
        self._tail: dict[str, bytes] = {}

    def __call__(self, member: str, chunk: bytes) -> None:
        data = self._tail.get(member, b"") + chunk
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise _entities(self._file)
        self._tail[member] = data[-16:]


def _refusal(file: InputFile, exc: BaseException) -> InputError:
    name = type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    while cause is not None and "Forbidden" not in type(cause).__name__:
        cause = cause.__cause__ or cause.__context__
    if "Forbidden" in name or cause is not None:  # defusedxml: EntitiesForbidden...
        return _entities(file)
    log.info("classeur illisible %s : %s", file.name, name)
    return InputError(file.name, f"classeur Excel illisible ou endommagé ({name}) : ouvrez-le "
                                 "et enregistrez-le de nouveau au format .xlsx")


def _open(file: InputFile) -> Any:
    try:
        return openpyxl.load_workbook(file.path, read_only=True, data_only=True,
                                      keep_links=False)
    except Exception as exc:  # openpyxl and defusedxml raise many unrelated types
        raise _refusal(file, exc) from None


def _cell_value(cell: dict[str, Any], sheet: Sheet, line: int) -> Value:
    value: Value = cell["value"]
    where = f"cellule {column_letter(cell['column'] - 1)}{line}"
    if cell.get("data_type") == "e":
        sheet.problems.append(Problem("error", "formula_error", f"{where} : valeur d'erreur "
                                      f"« {value} » : corrigez la formule ou saisissez la "
                                      "valeur", sheet.label, line))
        return None
    if "formula" in cell and is_blank(value):
        sheet.problems.append(Problem(
            "error", "formula_not_computed", f"{where} : formule « {cell['formula']} » sans "
            "valeur calculée : ouvrez le classeur dans Excel ou LibreOffice et enregistrez-le, "
            "ou remplacez la formule par sa valeur", sheet.label, line))
        return None
    return value


def _row(cells: list[dict[str, Any]], sheet: Sheet, line: int) -> list[Value]:
    values: list[Value] = []
    for cell in cells:
        column = cell["column"]
        if column > MAX_COLUMNS:
            break
        values.extend([None] * (column - 1 - len(values)))
        values.append(_cell_value(cell, sheet, line))
    return values


def _read_sheet(workbook: Any, worksheet: Any, label: str) -> Sheet:
    sheet = Sheet(f"{label} (feuille « {worksheet.title} »)", worksheet.title,
                  hidden=worksheet.sheet_state != "visible")
    with worksheet._get_source() as source:  # openpyxl's own reader of the sheet's XML
        parser = _Parser(source, workbook.shared_strings, data_only=True, epoch=workbook.epoch,
                         date_formats=workbook._date_formats,
                         timedelta_formats=workbook._timedelta_formats)
        for line, cells in parser.parse():
            values = _row(cells, sheet, line)
            if all(is_blank(v) for v in values):
                continue
            if len(sheet.rows) >= MAX_ROWS:
                raise InputError(sheet.label, f"plus de {MAX_ROWS} lignes : feuille refusée "
                                              "(un établissement n'en a pas tant)", line)
            sheet.rows.append((line, values))
        merged = getattr(parser, "merged_cells", None)
    for cell_range in getattr(merged, "mergeCell", None) or ():
        sheet.problems.append(Problem(
            "error", "merged_cells", f"cellules fusionnées {cell_range.ref} : défusionnez-les "
            "(chaque ligne doit porter ses propres valeurs)", sheet.label))
    return sheet


def read_xlsx(file: InputFile, settings: Settings) -> list[Sheet]:
    """The worksheets of a workbook (chart sheets left out), in the workbook's order.

    :raises InputError: not a workbook (Word, OpenDocument...), unreadable, entities/DTD, or a
        sheet of more than :data:`~.sheet.MAX_ROWS` rows.
    :raises ArchiveError: the zip limits are exceeded (bomb, too many members...).
    """
    _check_kind(file, check_zip(file, settings, WORKBOOK_MAX_MEMBERS, _DoctypeScan(file)))
    with warnings.catch_warnings():
        # openpyxl warns about what it does not keep (validations, styles...): nothing the
        # reading needs, and nothing the admin could act on.
        warnings.simplefilter("ignore")
        workbook = _open(file)
        try:
            return [_read_sheet(workbook, ws, file.name) for ws in workbook.worksheets]
        except InputError:
            raise
        except Exception as exc:  # a damaged or hostile sheet, whatever openpyxl raises
            raise _refusal(file, exc) from None
        finally:
            workbook.close()
