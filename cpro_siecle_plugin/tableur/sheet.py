"""A sheet as read from a CSV file or a workbook: its non-empty rows with their line numbers.

Both readers hand this same value to :mod:`.records`, so a CSV file and a workbook sheet are
checked by the same code. Cell values are as the file holds them: text for CSV, and text,
numbers, dates or booleans for a workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..errors import Problem

Value = str | int | float | bool | date | datetime | None

#: Rows read from one sheet at most: a bigger one is refused, not read for minutes.
MAX_ROWS = 50_000
#: Columns read at most: the templates have a dozen; the rest of a very wide row is ignored.
MAX_COLUMNS = 64


@dataclass
class Sheet:
    """One table of a file.

    :ivar label: name used in messages (``eleves.csv``, ``modele.xlsx (feuille « Élèves »)``).
    :ivar name: sheet title or file name, a hint of which table it is.
    :ivar rows: (line number, cell values) of each row holding at least one value.
    :ivar problems: what the reader found wrong (formula without value, merged cells...).
    :ivar hidden: a workbook sheet the file hides.
    """

    label: str
    name: str
    rows: list[tuple[int, list[Value]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    hidden: bool = False


def is_blank(value: Value) -> bool:
    """An empty cell: nothing, or only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def column_letter(index: int) -> str:
    """Spreadsheet letters of the 0-based column ``index`` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
