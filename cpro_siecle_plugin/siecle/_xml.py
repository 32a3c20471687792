"""The one hardened XML entry point: the only module of the plugin that imports lxml.

Files are streamed with ``lxml.etree.iterparse`` over bytes (the parser honours the declared
encoding: ISO-8859-1/15, UTF-8 with or without BOM). Entities are never resolved, no DTD is
loaded, the network is never reached, and any document type declaration is refused outright:
a ``<!DOCTYPE`` (and with it every entity trick, XXE or billion laughs) is an ``XmlError``
before the first record is handed out. ``recover`` is never used: a broken file is refused,
with the line libxml2 reports.

Memory stays flat: each record is handed to the caller, then cleared, and everything parsed
before it (previous siblings of the record and of its ancestors) is deleted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import BinaryIO, TypeAlias

from lxml import etree

from ..errors import XmlError

log = logging.getLogger(__name__)

#: An element handed out by :func:`iter_elements` (readers use it for type hints only).
Element: TypeAlias = etree._Element

FORBIDDEN_DTD = (
    "déclaration DTD/entité interdite (<!DOCTYPE> ou <!ENTITY>) : fichier refusé par sécurité"
)
_PROLOG_BYTES = 64 * 1024
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


class _PrologGuard:
    """A read-only stream that refuses a DOCTYPE/ENTITY declaration before the root element.

    The bytes check is a first wall (nothing reaches libxml2); :func:`_check_docinfo` is the
    second, encoding-independent one.
    """

    def __init__(self, stream: BinaryIO, filename: str) -> None:
        self._stream = stream
        self._filename = filename
        self._head: bytes | None = None
        self.newlines = 0  # line breaks handed to the parser so far
        self.at_end = False  # the parser has been told the data ended

    def read(self, size: int = -1) -> bytes:
        if self._head is None:
            self._head = self._check(self._stream.read(_PROLOG_BYTES))
        if self._head:
            if size < 0:
                size = len(self._head)
            chunk, self._head = self._head[:size], self._head[size:]
        else:
            chunk = self._stream.read(size)
            self.at_end = self.at_end or (not chunk and size != 0)
        self.newlines += chunk.count(b"\n")
        return chunk

    def cut_at(self, line: int | None) -> bool:
        """The data ended on ``line``: a syntax error there means the file was cut short."""
        return self.at_end and line is not None and line >= self.newlines

    def _check(self, head: bytes) -> bytes:
        match = _FIRST_ELEMENT.search(head)
        prolog = (head[: match.start()] if match else head).upper()
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise XmlError(self._filename, FORBIDDEN_DTD, _line_of(head, prolog))
        if not head.strip():
            raise XmlError(self._filename, "le fichier est vide")
        return head


def _line_of(head: bytes, prolog_upper: bytes) -> int:
    at = prolog_upper.find(b"<!")
    return head[:at].count(b"\n") + 1 if at >= 0 else 1


def _check_docinfo(element: Element, filename: str) -> None:
    """Refuse any document type declaration libxml2 saw, whatever the encoding."""
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise XmlError(filename, FORBIDDEN_DTD, 1)


def _parser_args() -> dict[str, object]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,  # keep libxml2's limits: records are small, text nodes too
        "remove_comments": True,
        "remove_pis": True,
        "recover": False,
    }


def _syntax_problem(exc: etree.XMLSyntaxError, cut: bool = False) -> str:
    """French wording of a libxml2 syntax error; ``cut``: it arose on the last line read.

    libxml2's own English detail goes to the log, not to the admin's message.
    """
    detail = re.sub(r",? line \d+, column \d+$", "", str(exc.msg or exc)).strip()
    log.info("XML syntax error (line %s): %s", exc.lineno, detail)
    lowered = detail.lower()
    if "document is empty" in lowered or "start tag expected" in lowered:
        return "ce n'est pas un document XML (aucun élément racine lisible)"
    if ("premature end" in lowered or "not found" in lowered and "end" in lowered
            or cut and "extra content" not in lowered and "mismatch" not in lowered):
        return ("document XML tronqué ou incomplet (fin de fichier inattendue) : "
                "exportez-le à nouveau")
    if "encoding" in lowered:
        return "encodage déclaré non pris en charge : exportez le fichier à nouveau depuis SIECLE"
    if "entity" in lowered or "doctype" in lowered:
        return FORBIDDEN_DTD
    return "document XML mal formé : exportez-le à nouveau sans le modifier"


def _parse(
    guarded: _PrologGuard, events: tuple[str, ...], tags: Collection[str] | None
) -> Iterator[tuple[str, Element]]:
    """Raw hardened iterparse over the guarded stream (errors not yet translated)."""
    return etree.iterparse(guarded, events=events, tag=tags, **_parser_args())  # type: ignore[no-any-return]


@contextmanager
def _translated(filename: str, guarded: _PrologGuard | None = None) -> Iterator[None]:
    """Turn lxml's failures into ``XmlError`` naming the file (and the line when known)."""
    try:
        yield
    except etree.XMLSyntaxError as exc:
        cut = guarded is not None and guarded.cut_at(exc.lineno)
        raise XmlError(filename, _syntax_problem(exc, cut), exc.lineno or None) from None
    except etree.LxmlError as exc:
        log.info("XML error in %s: %s", filename, exc)
        raise XmlError(filename, "document XML illisible") from None


def root_tag(stream: BinaryIO, filename: str) -> str:
    """Name of the root element, reading no further than its start tag.

    :raises XmlError: empty, not XML, or a document type declaration.
    """
    guarded = _PrologGuard(stream, filename)
    with _translated(filename, guarded):
        for _event, element in _parse(guarded, ("start",), None):
            _check_docinfo(element, filename)
            return str(etree.QName(element).localname)
    raise XmlError(filename, "ce n'est pas un document XML (aucun élément racine lisible)")


def _drop_before(node: Element | None) -> None:
    """Delete every completed element before ``node`` and before each of its ancestors."""
    while node is not None:
        up = node.getparent()
        if up is not None:
            while node.getprevious() is not None:
                del up[0]
        node = up


def iter_elements(
    stream: BinaryIO, filename: str, tags: Mapping[str, str | None]
) -> Iterator[tuple[Element, int]]:
    """Yield ``(element, line)`` for each complete element named in ``tags``, in file order.

    ``tags`` maps each wanted tag to the tag its parent must have (``None``: any parent), so
    that ``CIVILITE`` can be a nomenclature record under ``CIVILITES`` and a plain field of
    ``INDIVIDU``. The element is only valid until the next item is requested: it is then
    cleared, and everything parsed before it is deleted. Include bulky sections you do not
    need (e.g. ``OPTION``) so that they are dropped as well.

    :raises XmlError: malformed or truncated document, DTD or entities, unsupported encoding.
    """
    checked = False
    guarded = _PrologGuard(stream, filename)
    with _translated(filename, guarded):
        for _event, element in _parse(guarded, ("end",), list(tags)):
            if not checked:
                _check_docinfo(element, filename)
                checked = True
            parent = element.getparent()
            wanted_parent = tags[element.tag]
            if wanted_parent is not None and (parent is None or parent.tag != wanted_parent):
                continue
            yield element, element.sourceline or 0
            element.clear(keep_tail=False)
            if element.getprevious() is None:
                _drop_before(element)  # first record of its section: drop earlier sections
            elif parent is not None:
                while element.getprevious() is not None:
                    del parent[0]


def text(element: Element, tag: str) -> str | None:
    """Stripped text of the first child ``tag``; empty or absent gives ``None``."""
    child = element.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def fields(element: Element) -> dict[str, str]:
    """Stripped, non-empty text of each child, by tag, in one pass (the last one wins).

    Much cheaper than one ``find`` per field on records of a dozen children.
    """
    return {child.tag: value for child in element if (value := (child.text or "").strip())}


def attr(element: Element, name: str) -> str | None:
    """Stripped attribute value; empty or absent gives ``None``."""
    value = element.get(name)
    if value is None:
        return None
    return value.strip() or None


def local_name(element: Element) -> str:
    """Tag name without namespace."""
    return str(etree.QName(element).localname)
