"""« Identifiants » one school and one part at a time: the page's work stays bounded.

A school of 4,000 pupils has some 12,000 accounts; listing every school of a platform, or
every account of a large school, on one page would cost each view seconds of a web worker.
The list shows one school of the administrator's (a link to each other one). A school of at
most :data:`PER_PAGE` accounts is listed whole, as ever; a larger one part by part (links to
each): its staff, one class, the students without a class, or a page of :data:`PER_PAGE`
guardians by name — each part read alone from the ledger (``store/login_parts.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..collation import class_key
from ..store.login_parts import LoginsPart, SchoolParts

#: Accounts up to which a school is listed whole; guardians per page beyond.
PER_PAGE = 300


def is_large(parts: SchoolParts) -> bool:
    """Whether the school is listed part by part."""
    total = parts.staff + parts.guardians + sum(parts.classes.values()) + parts.without_class
    return total > PER_PAGE


def guardian_pages(parts: SchoolParts) -> int:
    """Pages of the school's guardians."""
    return max(1, -(-parts.guardians // PER_PAGE))


def chosen_part(args: Mapping[str, str], parts: SchoolParts) -> LoginsPart:
    """The part the query string asks for (``partie``, ``classe``, ``page``): the staff by
    default; a guardians' page number is kept within the pages."""
    asked = args.get("partie", "")
    if asked == "classe":
        return LoginsPart("class", args.get("classe", ""))
    if asked == "sans-classe":
        return LoginsPart("class", "")
    if asked == "responsables":
        number = args.get("page", "1")
        page = min(max(1, int(number) if number.isdigit() else 1), guardian_pages(parts))
        return LoginsPart("guardians", page=page, per_page=PER_PAGE)
    return LoginsPart("staff")


def part_args(part: LoginsPart | None) -> dict[str, Any]:
    """The query string of ``part`` (inverse of :func:`chosen_part`)."""
    if part is None or part.kind == "staff":
        return {}
    if part.kind == "class":
        return {"partie": "classe", "classe": part.code} if part.code else {
            "partie": "sans-classe"}
    return {"partie": "responsables", "page": part.page}


def part_of(kind: str, code: str = "", page: int = 1) -> LoginsPart:
    """A part of the list (the template's links)."""
    return LoginsPart(kind, code, page, PER_PAGE)


def class_links(parts: SchoolParts) -> list[tuple[str, int]]:
    """The school's classes with their sizes, in class order (2NDE2 before 2NDE10)."""
    return sorted(parts.classes.items(), key=lambda item: class_key(item[0]))
