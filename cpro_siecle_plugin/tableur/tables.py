"""Recognising which template table each sheet is, and where its columns are.

A sheet's first row is its header. The table is recognised by its identifying header (the
first column of the template), else by the sheet or file name; columns are found by header,
in any order, extra columns ignored. The template's format row and example rows are dropped
(the examples with a warning, so a school that kept them knows they were not imported).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError, Problem
from .cells import text
from .columns import EXAMPLE_IDS, FORMAT_PREFIX, Table, TableKind, fold, recognise
from .sheet import Sheet, Value


@dataclass
class TableRows:
    """A recognised table: the sheet, the position of each known column, the data rows."""

    table: Table
    sheet: Sheet
    positions: dict[str, int]
    rows: list[tuple[int, list[Value]]]

    @property
    def label(self) -> str:
        return self.sheet.label

    def header(self, key: str) -> str:
        """French header of column ``key``."""
        return next(c.header for c in self.table.columns if c.key == key)


def _positions(table: Table, headers: list[str]) -> dict[str, int]:
    folded = [fold(h) for h in headers]
    out: dict[str, int] = {}
    for column in table.columns:
        name = fold(column.header)
        if name in folded:
            out[column.key] = folded.index(name)
    return out


def _data_rows(table: Table, sheet: Sheet,
               positions: dict[str, int]) -> list[tuple[int, list[Value]]]:
    rows = sheet.rows[1:]
    if rows and text(rows[0][1][0] if rows[0][1] else None).startswith(FORMAT_PREFIX.strip()):
        rows = rows[1:]
    first = positions.get(table.columns[0].key, 0)
    kept = [(n, v) for n, v in rows if text(v[first] if first < len(v) else None)
            not in EXAMPLE_IDS]
    if len(kept) < len(rows):
        sheet.problems.append(Problem("warning", "example_row", "ligne(s) d'exemple du modèle "
                                      "(identifiant « EXEMPLE-… ») ignorée(s)", sheet.label))
    return kept


def table_rows(sheet: Sheet, strict: bool) -> TableRows | None:
    """The table a sheet holds, or ``None`` when it is none of them (ignored sheet).

    :param strict: a CSV file must be one of the tables; a workbook may hold other sheets.
    :raises InputError: ``strict`` and the sheet is not recognised.
    """
    headers = [text(v) for v in sheet.rows[0][1]] if sheet.rows else []
    table = recognise(headers, sheet.name)
    if table is None:
        if strict:
            raise InputError(sheet.label, "en-têtes non reconnus : la première ligne doit "
                                          "porter les en-têtes d'un modèle (« UAJ », « Code "
                                          "classe ou groupe », « Identifiant personnel », "
                                          "« Identifiant élève » ou « Identifiant "
                                          "responsable »)")
        return None
    positions = _positions(table, headers)
    missing = [c.header for c in table.columns if c.required and c.key not in positions]
    if missing:
        names = ", ".join(f"« {m} »" for m in missing)
        sheet.problems.append(Problem("error", "missing_column", f"colonne(s) obligatoire(s) "
                                      f"absente(s) de la ligne d'en-têtes : {names}",
                                      sheet.label, sheet.rows[0][0] if sheet.rows else None))
    return TableRows(table, sheet, positions, _data_rows(table, sheet, positions))


def group_tables(sheets: list[Sheet]) -> dict[TableKind, TableRows]:
    """The recognised tables by kind.

    A hidden sheet that is not a table is ignored (helper lists); a hidden table is an error,
    so nothing the admin cannot see is imported.

    :raises InputError: a table given twice.
    """
    found: dict[TableKind, TableRows] = {}
    for sheet in sheets:
        rows = table_rows(sheet, strict=sheet.label == sheet.name)
        if rows is None:
            continue
        if sheet.hidden:
            sheet.problems.append(Problem("error", "hidden_sheet", "feuille masquée : affichez-"
                                          "la (clic droit sur l'onglet, « Afficher ») pour "
                                          "l'importer, ou supprimez-la", sheet.label))
        kind = rows.table.kind
        if kind in found:
            raise InputError(sheet.label, f"la table « {rows.table.title} » est donnée deux "
                                          f"fois (aussi dans « {found[kind].label} »)")
        found[kind] = rows
    return found
