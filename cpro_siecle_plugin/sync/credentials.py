"""Logins and initial passwords of new accounts: pure, deterministic rules.

Login rule (``prenom.nom``):

* each part is folded to lowercase ASCII: Unicode NFKD with accents dropped, plus the
  ligatures and letters NFKD keeps (``œ`` → ``oe``, ``æ`` → ``ae``, ``ß`` → ``ss``,
  ``ø`` → ``o``, ``ł`` → ``l``, ``đ``/``ð`` → ``d``, ``þ`` → ``th``, ``ı`` → ``i``);
* apostrophes, spaces and every other character outside ``a-z 0-9 -`` are removed;
  hyphens are kept (``marie-eve.benoit-dupre``), repeated hyphens collapse to one and
  a part never starts or ends with one;
* parts are joined with a dot; an empty part is left out (``utilisateur`` if both are);
* a login longer than the cap (``LOGIN_MAX_LENGTH``, 30) is shortened by trimming the
  first name (down to its initial), then the last name;
* homonyms get a number appended, ``2`` then ``3``... (``jean.martin2``), the name
  being trimmed as above so the number still fits within the cap.

A login is computed once, when the account is created, and never again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import date

#: Letters that NFKD does not decompose into ASCII.
_EXTRA_FOLDS = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ẞ": "ss",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
    }
)
_NOT_ALLOWED = re.compile(r"[^a-z0-9-]+")
_HYPHENS = re.compile(r"-{2,}")
_DEFAULT_LOGIN = "utilisateur"

#: Unambiguous characters of derived passwords: no i, l, o, 0, 1.
_LETTERS = "abcdefghjkmnpqrstuvwxyz"
_DIGITS = "23456789"
_ALPHABET = _LETTERS + _DIGITS
DERIVED_LENGTH = 10


def fold_name(text: str) -> str:
    """One part of a login: lowercase ASCII, ``[a-z0-9-]`` only, hyphens cleaned.

    :param text: a first or last name as written in the export.
    :returns: the folded part, possibly empty.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA_FOLDS))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    ascii_text = ascii_text.translate(_EXTRA_FOLDS)  # NFKD may expose ligatures again
    return _clean(_NOT_ALLOWED.sub("", ascii_text))


def _clean(part: str) -> str:
    return _HYPHENS.sub("-", part).strip("-")


def _fit(first: str, last: str, room: int) -> str:
    """Join ``first.last`` within ``room`` characters, trimming the first name first."""
    if not first or not last:
        return _clean((first or last or _DEFAULT_LOGIN)[:room])
    excess = len(first) + 1 + len(last) - room
    if excess > 0:
        first = _clean(first[: max(1, len(first) - excess)])
        excess = len(first) + 1 + len(last) - room
    if excess > 0:
        last = _clean(last[: max(1, len(last) - excess)])
    return f"{first}.{last}"[:room].rstrip(".-")


def make_username(firstname: str, lastname: str, taken: set[str], max_length: int = 30) -> str:
    """A new login ``prenom.nom``, unique against ``taken``, which it is then added to.

    :param firstname: first name as in the export.
    :param lastname: last (usage) name as in the export.
    :param taken: logins already used on the platform or given earlier in the same plan;
        the returned login is added to it.
    :param max_length: longest login allowed (at least 4).
    :returns: a login matching ``^[a-z0-9.-]+$`` of at most ``max_length`` characters.
    :raises ValueError: ``max_length`` is too small to hold a name and a number.
    """
    if max_length < 4:
        raise ValueError("max_length must be at least 4")
    first, last = fold_name(firstname), fold_name(lastname)
    candidate = _fit(first, last, max_length)
    number = 1
    while candidate in taken:
        number += 1
        suffix = str(number)
        candidate = _fit(first, last, max_length - len(suffix)) + suffix
    taken.add(candidate)
    return candidate


#: Characters a login's stem is cut from the end of (the numbers homonyms get).
DIGITS = "0123456789"

#: Longest number suffix :func:`login_stems` covers: 999,999,999 homonyms on one platform.
MAX_SUFFIX_DIGITS = 9


def login_stem(username: str) -> str:
    """A login without its trailing digits: ``jean.dupont12`` → ``jean.dupont``.

    Two equal logins have equal stems, so the logins :func:`make_username` may collide with
    are all among those sharing one of its :func:`login_stems` (the ledger indexes stems).
    """
    return username.rstrip(DIGITS)


def login_stems(firstname: str, lastname: str, max_length: int = 30) -> set[str]:
    """Stems of every login :func:`make_username` may give this name, whatever ``taken``
    holds (numbers of up to :data:`MAX_SUFFIX_DIGITS` digits)."""
    first, last = fold_name(firstname), fold_name(lastname)
    room = len(first) + len(last) + len(_DEFAULT_LOGIN) + 1
    whole = len(_fit(first, last, room))  # rooms this long or longer give the whole name
    rooms = range(max_length, max(max_length - MAX_SUFFIX_DIGITS, 1) - 1, -1)
    return {login_stem(_fit(first, last, room)) for room in rooms
            if room == max_length or room < whole}


def staff_password(birth_date: date) -> str:
    """Initial password of staff: the birth date as ``aaaa-mm-jj``."""
    return birth_date.strftime("%Y-%m-%d")


def student_password(birth_date: date) -> str:
    """Initial password of students: the birth date as ``jjmmaaaa``."""
    return birth_date.strftime("%d%m%Y")


def derived_password(secret: str, key: str) -> str:
    """Initial password of guardians, and of anyone without a birth date.

    Ten characters from an unambiguous alphabet (``a-z`` without i, l, o; digits 2-9),
    taken from HMAC-SHA256(secret, person key); the first is a letter and the last a
    digit, so every password mixes both. Same secret and key, same password.

    :param secret: the ``CPRO_SIECLE_SECRET`` setting.
    :param key: the person key (see :func:`~cpro_siecle_plugin.sync.state.person_key`).
    """
    digest = hmac.new(secret.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    number, first = divmod(number, len(_LETTERS))
    number, last = divmod(number, len(_DIGITS))
    middle = []
    for _ in range(DERIVED_LENGTH - 2):
        number, index = divmod(number, len(_ALPHABET))
        middle.append(_ALPHABET[index])
    return _LETTERS[first] + "".join(middle) + _DIGITS[last]


def random_password(choice: Callable[[str], str] = secrets.choice) -> str:
    """A new password for a reset of staff or guardians: random, shown once to the admin.

    Same shape as :func:`derived_password` (ten characters of the unambiguous alphabet, a
    letter first and a digit last), but drawn from the system's secure random source.

    :param choice: picks one character of a string (tests pass a seeded one).
    """
    middle = "".join(choice(_ALPHABET) for _ in range(DERIVED_LENGTH - 2))
    return choice(_LETTERS) + middle + choice(_DIGITS)


def initial_password(population: str, birth_date: date | None, key: str, secret: str) -> str:
    """The initial password of a person, by the one rule of the platform.

    Students: ``jjmmaaaa``; staff: ``aaaa-mm-jj``; guardians, and anyone without a birth
    date: :func:`derived_password`. Used at creation and for a password reset.

    :param population: a :class:`~cpro_siecle_plugin.sync.state.Population` value.
    """
    if population == "guardian" or birth_date is None:
        return derived_password(secret, key)
    if population == "student":
        return student_password(birth_date)
    return staff_password(birth_date)
