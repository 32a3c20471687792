"""French ordering, used wherever people, logins or classes are listed.

- :func:`text_key`: French dictionary order — accents and case are ignored first (« Émile »
  sorts with « Emile », before « Zoé »), ligatures spelt out (œ → oe), then the accented form
  breaks ties, so the order is total and stable; digit runs compare as numbers
  (``dupre2`` before ``dupre10``).
- :func:`class_key`: natural class order — by level as a school reads it (6e, 5e, 4e, 3e, then
  2NDE, 1ERE, TLE; unknown levels after), then by the rest of the code, numbers as numbers
  (``2NDE2`` before ``2NDE10``).

Pure functions over strings; no locale is needed (the machine's may not be French).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["class_key", "person_key", "text_key"]

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_DIGITS = re.compile(r"(\d+)")
#: Level prefixes of French class codes, in school order (collège then lycée, then BTS...).
_LEVELS = (
    ("6", r"6(?:E|EME|EM)?"),
    ("5", r"5(?:E|EME|EM)?"),
    ("4", r"4(?:E|EME|EM)?"),
    ("3", r"3(?:E|EME|EM)?"),
    ("2", r"(?:2NDE?|2DE|SECONDE|2(?=[A-Z]))"),
    ("1", r"(?:1ERE?|1RE|PREMIERE|1(?=[A-Z]))"),
    ("T", r"(?:TLE|TERM|TERMINALE|T(?=[A-Z0-9]))"),
)
_LEVEL_PATTERNS = tuple((rank, re.compile(pattern)) for rank, (_n, pattern) in enumerate(_LEVELS))


def _base(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in _DIGITS.split(text) if part)


def text_key(text: str) -> tuple[object, ...]:
    """Sort key of ``text`` in French order, with numbers compared as numbers.

    :param text: any label (a name, a login).
    :returns: a key for :func:`sorted`.
    """
    return (_natural(_base(text).strip()), text)


def person_key(lastname: str, firstname: str, *tail: str) -> tuple[object, ...]:
    """Sort key of a person: last name, then first name, then ``tail`` (login...), French order."""
    return tuple(text_key(part) for part in (lastname, firstname, *tail))


def class_key(code: str) -> tuple[object, ...]:
    """Sort key of a class or group code in natural school order (2NDE2 before 2NDE10, 1ERE after).

    :param code: a division or group code as SIECLE writes it (``2NDE3``, ``1ERE10``, ``TLE2``...).
    :returns: a key for :func:`sorted`; codes of no known level come after the others.
    """
    upper = _base(code).upper().strip()
    for rank, pattern in _LEVEL_PATTERNS:
        match = pattern.match(upper)
        if match:
            return (rank, _natural(upper[match.end():]), code)
    return (len(_LEVELS), _natural(upper), code)
