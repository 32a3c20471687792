"""The « hors SIECLE » intake: spreadsheet files read, turned into exports, then analysed by
the SIECLE analysis itself (:func:`..siecle.analyse.analyse_files`).

:func:`analyse_inputs` is the one entry point for every import: XML or zip files go to the
SIECLE readers, ``.csv`` / ``.xlsx`` files to the table readers, and both end up in the same
``Analysis`` and ``Snapshot`` (with ``source`` telling which). One import is one or the other.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date
from pathlib import Path

from ..config import Settings
from ..domain import (
    SOURCE_SHEETS,
    ElevesExport,
    ExportKind,
    ResponsablesExport,
    School,
    StsExport,
)
from ..errors import InputError, Problem
from ..siecle.analyse import Analysis, PastSts, ReadExport, SchoolHistory, analyse_files
from ..siecle.archive import InputFile, check_size
from .columns import TableKind
from .csv_reader import read_csv
from .records import read_classes, read_guardians, read_school, read_staff, read_students
from .sheet import Sheet
from .tables import TableRows, group_tables
from .xlsx_reader import is_old_excel, read_xlsx

#: Names of the files the table readers take (content is checked too).
SHEET_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
#: Spreadsheet formats refused with a clear message rather than read as XML.
_OTHER_SUFFIXES = {".xls": "format Excel 97-2003 (.xls)", ".ods": "format OpenDocument (.ods)"}


def is_sheet_file(file: InputFile) -> bool:
    """Whether a file is for the table readers (by its name: CSV, XLSX, XLS, ODS)."""
    suffix = Path(file.name).suffix.lower()
    return suffix in SHEET_SUFFIXES or suffix in _OTHER_SUFFIXES


def read_sheets(file: InputFile, settings: Settings) -> list[Sheet]:
    """The sheets of one spreadsheet file (a CSV file is one sheet).

    :raises InputError: unreadable, hostile or wrong kind of file (see the readers).
    """
    check_size(file, settings)
    suffix = Path(file.name).suffix.lower()
    with file.path.open("rb") as handle:
        head = handle.read(8)
    if suffix in _OTHER_SUFFIXES or is_old_excel(head):
        what = _OTHER_SUFFIXES.get(suffix, _OTHER_SUFFIXES[".xls"])
        raise InputError(file.name, f"{what} non pris en charge : enregistrez le classeur au "
                                    "format Excel (.xlsx) ou CSV")
    if head.startswith(b"PK"):
        return read_xlsx(file, settings)
    if suffix in (".xlsx", ".xlsm"):
        raise InputError(file.name, "ce n'est pas un classeur Excel (.xlsx) : fichier "
                                    "endommagé ou renommé")
    data = file.path.read_bytes()
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise InputError(file.name, "ce fichier est un document XML (un export SIECLE ?), pas "
                                    "un tableau CSV : importez-le par les pages SIECLE")
    return [read_csv(data, file.name)]


def _joined(classes: str, staff: str) -> str:
    """One label for two sheets: « x.xlsx (feuilles « Classes » et « Personnels ») »."""
    book, cut, first = classes.partition(" (feuille « ")
    if cut and staff.startswith(book + cut):
        second = staff[len(book + cut):]
        return f"{book} (feuilles « {first[:-3]} » et « {second[:-3]} »)"
    return f"{classes} et {staff}"


def _sts(tables: dict[TableKind, TableRows], school: School,
         problems: list[Problem]) -> ReadExport | None:
    classes, staff = tables.get(TableKind.CLASSES), tables.get(TableKind.STAFF)
    if classes is None and staff is None:
        return None
    if classes is None or staff is None:
        given, other = (classes or staff), ("Personnels" if staff is None else "Classes")
        assert given is not None
        problems.append(Problem("error", "missing_table", f"table « {other} » absente : les "
                                "classes et les personnels s'importent ensemble", given.label))
        return None
    structures = read_classes(classes, problems)
    people = read_staff(staff, problems, {s.code for s in structures})
    label = _joined(classes.label, staff.label)
    return ReadExport(ExportKind.STS, label,
                      StsExport(school, tuple(structures), tuple(people), (), label))


def _exports(tables: dict[TableKind, TableRows]) -> tuple[list[ReadExport], list[Problem]]:
    problems: list[Problem] = []
    school = School(None, None)
    if TableKind.SCHOOL in tables:
        school = read_school(tables[TableKind.SCHOOL], problems) or school
    elif tables:
        problems.append(Problem("error", "missing_table", "table « Établissement » absente : "
                                "donnez-la avec les autres (feuille du classeur ou fichier "
                                "etablissement.csv), elle porte l'UAJ et l'année scolaire",
                                next(iter(tables.values())).label))
    out = [e for e in [_sts(tables, school, problems)] if e is not None]
    if (rows := tables.get(TableKind.STUDENTS)) is not None:
        students = tuple(read_students(rows, problems))
        out.append(ReadExport(ExportKind.ELEVES, rows.label,
                              ElevesExport(school, students, rows.label)))
    if (rows := tables.get(TableKind.GUARDIANS)) is not None:
        guardians, links = read_guardians(rows, problems)
        out.append(ReadExport(ExportKind.RESPONSABLES, rows.label,
                              ResponsablesExport(school, tuple(guardians), tuple(links),
                                                 rows.label)))
    return out, problems


def read_tables(files: Sequence[InputFile], settings: Settings
                ) -> tuple[list[ReadExport], list[Problem]]:
    """The exports the spreadsheet ``files`` hold, and every problem found reading them.

    :raises InputError: a file cannot be read at all, or a table is given twice.
    """
    sheets = [sheet for file in files for sheet in read_sheets(file, settings)]
    tables = group_tables(sheets)
    exports, problems = _exports(tables)
    found = [p for sheet in sheets for p in sheet.problems]
    if not tables:
        found.append(Problem("error", "no_table", "aucune table reconnue dans les fichiers "
                             "(Établissement, Classes, Personnels, Élèves, Responsables)",
                             files[0].name if files else None))
    return exports, found + problems


def analyse_inputs(
    files: Sequence[InputFile], *, today: date, settings: Settings,
    expected: Collection[ExportKind] | None = None, past_sts: PastSts | None = None,
    history: Callable[[str], SchoolHistory] | None = None, confirm: Collection[str] = (),
) -> Analysis:
    """Analyse the files of one import, SIECLE exports or the school's tables.

    ``history`` and ``confirm`` are passed to :func:`.siecle.analyse.analyse_files`.

    :raises InputError: a file cannot be read, or SIECLE exports and tables are mixed.
    """
    sheet_files = [f for f in files if is_sheet_file(f)]
    if not sheet_files:
        return analyse_files(files, today=today, settings=settings, expected=expected,
                             has_sts_import=False, past_sts=past_sts, history=history,
                             confirm=confirm)
    if len(sheet_files) != len(files):
        other = next(f for f in files if not is_sheet_file(f))
        raise InputError(other.name, "exports SIECLE et tableaux « hors SIECLE » dans une même "
                                     "importation : importez-les séparément")
    exports, problems = read_tables(sheet_files, settings)
    return analyse_files((), today=today, settings=settings, has_sts_import=False,
                         past_sts=past_sts, preread=exports, preread_problems=problems,
                         source=SOURCE_SHEETS, history=history, confirm=confirm)
