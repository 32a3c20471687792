"""« Fichiers hors SIECLE »: the same import from tables the school fills in (CSV or XLSX).

Templates (:mod:`.templates`), readers (:mod:`.csv_reader`, :mod:`.xlsx_reader`), and the
records they become (:mod:`.records`): the very ``StsExport``, ``ElevesExport`` and
``ResponsablesExport`` of the SIECLE readers, analysed by the SIECLE analysis
(:func:`.intake.analyse_inputs`). Pure layer, beside :mod:`..siecle`: no framework, no
network, no database.
"""

from .columns import TABLES, TableKind
from .intake import analyse_inputs, is_sheet_file, read_tables
from .source import source_problem
from .templates import CSV_ZIP_NAME, WORKBOOK_NAME, csv_bytes, csv_zip_bytes, workbook_bytes

__all__ = [
    "CSV_ZIP_NAME",
    "TABLES",
    "WORKBOOK_NAME",
    "TableKind",
    "analyse_inputs",
    "csv_bytes",
    "csv_zip_bytes",
    "is_sheet_file",
    "read_tables",
    "source_problem",
    "workbook_bytes",
]
