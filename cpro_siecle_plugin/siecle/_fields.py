"""Small helpers the three readers share: dates, numbers and problems with their place.

Readers check what only they can see (a raw value that is not a date, a record without its
identifier, a missing name); cross-record and cross-file checks belong to :mod:`.analyse`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from ..domain import School, SourceRef
from ..errors import Problem
from ._xml import Element, attr, text


@dataclass
class Findings:
    """Problems found while reading one file, each with the file name and line."""

    filename: str
    problems: list[Problem] = field(default_factory=list)

    def error(self, code: str, message: str, line: int | None) -> None:
        """Record a blocking problem."""
        self.problems.append(Problem("error", code, message, self.filename, line))

    def warning(self, code: str, message: str, line: int | None) -> None:
        """Record a problem that does not block the import."""
        self.problems.append(Problem("warning", code, message, self.filename, line))

    def source(self, line: int) -> SourceRef:
        """Where a record of this file was read."""
        return SourceRef(self.filename, line or None)


def parse_date(raw: str | None, iso: bool, what: str, who: str, findings: Findings,
               line: int) -> date | None:
    """A ``dd/mm/yyyy`` (or ``yyyy-mm-dd`` when ``iso``) date; a bad one is an error.

    :param what: French name of the field (``date de naissance de l'élève``).
    :param who: identifier of the record, appended to ``what`` in the message.
    """
    if raw is None:
        return None
    if not iso and len(raw) == 10 and raw[2] == raw[5] == "/":  # the usual case, quickly
        try:
            return date(int(raw[6:]), int(raw[3:5]), int(raw[:2]))
        except ValueError:
            pass
    try:
        if iso:
            year, month, day = raw.split("-")
        else:
            day, month, year = raw.split("/")
        if len(year) != 4:
            raise ValueError(raw)
        return date(int(year), int(month), int(day))
    except ValueError:
        expected = "aaaa-mm-jj" if iso else "jj/mm/aaaa"
        findings.error("bad_date", f"{what} {who} invalide : « {raw} » (attendu {expected})",
                       line)
        return None


def parse_int(raw: str | None) -> int | None:
    """An integer, or a true/false flag (1/0); anything else gives ``None``."""
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered in ("true", "vrai", "oui"):
        return 1
    if lowered in ("false", "faux", "non"):
        return 0
    try:
        return int(raw)
    except ValueError:
        return None


def identifier(element: Element, name: str) -> str | None:
    """An identifier given as attribute or, in some exports, as child element."""
    return attr(element, name) or text(element, name)


def parse_year(raw: str | None, findings: Findings, line: int) -> int | None:
    """The school year (its first calendar year); a non-number is an error."""
    if raw is None:
        return None
    value = parse_int(raw[:4])
    if value is None or not 1900 < value < 2200:
        findings.error("bad_year", f"année scolaire invalide : « {raw} »", line)
        return None
    return value


_EXPORT_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S",
                   "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")


def parse_export_time(raw: str | None) -> datetime | None:
    """``HORODATAGE`` / ``DATE_EXPORT`` in the shapes exports use; ``None`` when unreadable
    (the date only serves to compare exports: an odd one is not worth refusing a file)."""
    for fmt in _EXPORT_FORMATS:
        try:
            return datetime.strptime((raw or "").strip(), fmt)
        except ValueError:
            continue
    return None


@dataclass
class SchoolFields:
    """UAJ, year, name and export time of the school, gathered while streaming PARAMETRES."""

    uaj: str | None = None
    year: int | None = None
    name: str | None = None
    stamp: datetime | None = None  # HORODATAGE, date and time
    export_day: datetime | None = None  # DATE_EXPORT

    def read_export_time(self, element: Element) -> bool:
        """Take ``HORODATAGE`` or ``DATE_EXPORT`` if ``element`` is one of them."""
        if element.tag == "HORODATAGE":
            self.stamp = parse_export_time(element.text)
        elif element.tag == "DATE_EXPORT":
            self.export_day = parse_export_time(element.text)
        else:
            return False
        return True

    def read_siecle(self, element: Element, findings: Findings, line: int) -> bool:
        """Take a SIECLE ``PARAMETRES`` child (``UAJ``, ``ANNEE_SCOLAIRE``) if it is one.

        :returns: whether ``element`` was one of them.
        """
        value = (element.text or "").strip() or None
        if self.read_export_time(element):
            pass
        elif element.tag == "UAJ":
            self.uaj = value
        elif element.tag == "ANNEE_SCOLAIRE":
            self.year = parse_year(value, findings, line)
        else:
            return False
        return True

    def freeze(self) -> School:
        """The frozen ``School`` record."""
        return School(self.uaj, self.year, self.name, self.stamp or self.export_day)


def visible(value: str | None) -> bool:
    """Whether a name has a visible character: zero-width and other format characters
    (U+200B, U+200D, U+2060, U+FEFF, soft hyphen...) and spaces alone count as blank."""
    return bool(value) and any(
        unicodedata.category(c)[0] not in "CZ" for c in value  # type: ignore[union-attr]
    )


def names_present(last: str | None, first: str | None, what: str, who: str,
                  findings: Findings, line: int) -> bool:
    """Check that both names are there and visible; a missing one is an error naming
    ``what who``."""
    if visible(last) and visible(first):
        return True
    missing = [label for label, value in (("nom", last), ("prénom", first))
               if not visible(value)]
    findings.error("missing_name", f"{what} {who} sans {' ni '.join(missing)}", line)
    return False
