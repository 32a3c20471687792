"""Cell values to typed values, each failure a French sentence naming the column and the value.

Every parser returns ``(value, problem)``: the problem is ``None`` when the cell is fine, else
the sentence (« colonne « Date de naissance » : « 31/02/2010 » n'est pas une date ») that
:mod:`.records` turns into a ``Problem`` with the file and the line.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from .columns import fold
from .sheet import Value, is_blank

_DATE_TEXT = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_UAJ = re.compile(r"^\d{7}[A-Z]$")
_INE = re.compile(r"^[0-9A-Z]{11}$")
_YEAR = re.compile(r"^(\d{4})(?:\s*[-/]\s*(\d{4}))?$")
_LIST_SEPARATORS = re.compile(r"[,;\n]+")
#: Excel's day 0 (its serial numbers count days from 30/12/1899, 1900 leap-year bug included).
_EXCEL_EPOCH = date(1899, 12, 30)
_YES = {"oui", "o", "x", "1", "vrai", "true", "yes"}
_NO = {"non", "n", "0", "faux", "false", "no"}

Parsed = tuple[object, str | None]


def _where(header: str, raw: Value) -> str:
    return f"colonne « {header} » : « {text(raw)} »"


def text(value: Value) -> str:
    """A cell as text: numbers without a useless ``.0``, dates as jj/mm/aaaa, spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def parse_date(value: Value, header: str) -> Parsed:
    """A date from a date cell, an Excel serial number, or text jj/mm/aaaa or aaaa-mm-jj."""
    if is_blank(value):
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 200_000:
            return _EXCEL_EPOCH + timedelta(days=int(value)), None
        return None, f"{_where(header, value)} n'est pas une date (attendu jj/mm/aaaa)"
    raw = text(value)
    found = _DATE_TEXT.match(raw)
    parts = (found.group(3), found.group(2), found.group(1)) if found else None
    if parts is None and (iso := _ISO_DATE.match(raw)):
        parts = (iso.group(1), iso.group(2), iso.group(3))
    if parts is None:
        return None, f"{_where(header, value)} n'est pas une date (attendu jj/mm/aaaa)"
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2])), None
    except ValueError:
        return None, f"{_where(header, value)} n'est pas une date"


def parse_identifier(value: Value, header: str) -> Parsed:
    """An identifier of the school's own: letters, digits, ``.``, ``_``, ``-``; 40 at most."""
    raw = text(value)
    if not raw:
        return None, f"colonne « {header} » vide : chaque ligne doit avoir son identifiant"
    if not _IDENTIFIER.match(raw):
        return None, (f"{_where(header, value)} n'est pas un identifiant valide (lettres, "
                      "chiffres, . _ -, sans espace, 40 caractères au plus)")
    return raw, None


def parse_uaj(value: Value, header: str) -> Parsed:
    """The school's UAJ (RNE): seven digits and a letter."""
    raw = text(value).upper()
    if not _UAJ.match(raw):
        return None, f"{_where(header, value)} n'est pas un code UAJ (7 chiffres et une lettre)"
    return raw, None


def parse_ine(value: Value, header: str) -> Parsed:
    """An INE when given: eleven digits or capital letters."""
    raw = text(value).upper().replace(" ", "")
    if not raw:
        return None, None
    if not _INE.match(raw):
        return None, f"{_where(header, value)} n'est pas un INE (11 caractères)"
    return raw, None


def parse_year(value: Value, header: str) -> Parsed:
    """The school year as its first calendar year: « 2025-2026 », « 2025 » → 2025."""
    found = _YEAR.match(text(value))
    if found is None or (found.group(2) and int(found.group(2)) != int(found.group(1)) + 1):
        return None, f"{_where(header, value)} n'est pas une année scolaire (attendu 2025-2026)"
    return int(found.group(1)), None


def parse_yes_no(value: Value, header: str) -> Parsed:
    """« oui » / « non » (and x, 1, vrai...); empty is yes."""
    if is_blank(value):
        return True, None
    raw = fold(text(value))
    if raw in _YES:
        return True, None
    if raw in _NO:
        return False, None
    return None, f"{_where(header, value)} : attendu « oui » ou « non »"


def parse_list(value: Value) -> tuple[str, ...]:
    """Codes separated by commas, semicolons or line breaks; each once, in order."""
    raw = value if isinstance(value, str) else text(value)
    items = (" ".join(part.split()) for part in _LIST_SEPARATORS.split(raw))
    return tuple(dict.fromkeys(item for item in items if item))
