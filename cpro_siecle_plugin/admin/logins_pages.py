"""« Identifiants » one school and one page at a time: the page's work stays bounded.

A school of 4,000 pupils has some 12,000 accounts; listing every school of a platform, or
every account of a school, on one page would make each view cost seconds of a web worker.
The list shows one school of the administrator's (a link to each other one), cut into pages
of :data:`PER_PAGE` lines in its usual order: staff, students class by class, guardians.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Lines of the login list per page.
PER_PAGE = 300


@dataclass(frozen=True)
class LoginsPage:
    """The lines of one page, by section, and where it stands among the pages."""

    number: int
    pages: int
    staff: list[dict[str, Any]] = field(default_factory=list)
    students: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    guardians: list[dict[str, Any]] = field(default_factory=list)


def _lines(logins: dict[str, Any], students: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(section, class, line) of every line, in display order."""
    return ([("staff", "", line) for line in logins["staff"]]
            + [("students", division, line) for division, rows in students.items()
               for line in rows]
            + [("guardians", "", line) for line in logins["guardians"]])


def page_count(total: int, per_page: int | None = None) -> int:
    """Pages of ``total`` lines (at least one, for an empty list)."""
    return max(1, -(-total // (per_page or PER_PAGE)))


def logins_page(logins: dict[str, Any], students: dict[str, Any], number: int,
                per_page: int | None = None) -> LoginsPage:
    """Page ``number`` (from 1, kept within the pages) of ``logins`` (``service.logins``)
    whose students are ``students`` (by class, in display order)."""
    per_page = per_page or PER_PAGE
    lines = _lines(logins, students)
    pages = page_count(len(lines), per_page)
    number = min(max(1, number), pages)
    page = LoginsPage(number, pages)
    for section, division, line in lines[(number - 1) * per_page:number * per_page]:
        if section == "students":
            page.students.setdefault(division, []).append(line)
        else:
            getattr(page, section).append(line)
    return page


def page_of(logins: dict[str, Any], students: dict[str, Any], key: str,
            per_page: int | None = None) -> int:
    """The page showing person ``key`` (1 when absent)."""
    per_page = per_page or PER_PAGE
    keys: Iterable[str] = (str(line["key"]) for _, _, line in _lines(logins, students))
    return next((i // per_page + 1 for i, k in enumerate(keys) if k == key), 1)
