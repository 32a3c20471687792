"""Small rules of written French shared by every message: plurals, numbers, school years.

Pure functions over plain values, usable from every layer (like :mod:`.collation`).
"""

from __future__ import annotations

__all__ = ["number", "plural", "school_year", "word"]


def number(count: int) -> str:
    """``1200`` as French writes it: ``1 200`` (narrow no-break space between thousands)."""
    return f"{count:,}".replace(",", "\u202f")


def word(count: int, singular: str, plural_form: str | None = None) -> str:
    """The form of ``singular`` that agrees with ``count`` (0 and 1 take the singular)."""
    return singular if abs(count) < 2 else (plural_form or singular + "s")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """« 1 classe », « 40 classes », « 1 200 élèves » — never « classe(s) ».

    :param plural_form: the plural when it is not ``singular`` + « s » (« responsables légaux »).
    """
    return f"{number(count)} {word(count, singular, plural_form)}"


def school_year(year: object) -> str:
    """A school year as every page and message writes it: ``2025-2026`` (empty when unknown)."""
    return f"{year}-{year + 1}" if isinstance(year, int) and not isinstance(year, bool) else ""
