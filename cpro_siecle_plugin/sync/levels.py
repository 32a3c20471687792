"""Final levels: which divisions students normally leave at a change of school year.

Pure. SIECLE gives two hints:

- the ``CODE_MEF`` of each student (11 characters, or 10 in older tables): characters 1-3
  are the *dispositif de formation*, character 9 its length in years and character 10 the
  year within it (``2402242711``: CAP in one year, first year). The last year of a
  dispositif of two years or more is a final level (bac pro 3 ans, 3rd year; CAP 2 ans,
  2nd year); single-year dispositifs are final only for the end of collège (``103``, 3e)
  and of lycée (``202`` terminale générale, ``205`` terminale technologique) **(verify)**;
- the division's code and label: ``TLE1``, ``TERM``, ``T STMG``, ``3EME2``, ``3A``, ``301``,
  « Terminale », « 3ème »...

A division is final when a MEF of its students is, or when its code or label says so (either
hint is enough: a file whose MEF codes are all alike must not hide its terminales).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: Single-year dispositifs ending a school (3e of collège, terminales of lycée) (verify).
FINAL_DISPOSITIFS = frozenset({"103", "202", "205"})

_FINAL_CODE = re.compile(r"^(T[^A-Z]|TLE|TERM|TS|TES|TL|TST|TBAC|TPRO|TCAP|3)")
_FINAL_LABEL = re.compile(r"\b(TERMINALE|TERM|TLE|3E|3EME|3ÈME|TROISIEME|TROISIÈME)\b")


def final_mef(mef: str | None) -> bool | None:
    """Whether a MEF code is a final level; ``None`` when it cannot be read."""
    if not mef or len(mef) < 10 or not mef[:10].isdigit():
        return None
    length, rank = int(mef[8]), int(mef[9])
    if length >= 2:
        return rank == length
    return mef[:3] in FINAL_DISPOSITIFS


def final_division(code: str, label: str | None = None,
                   mefs: Iterable[str | None] = ()) -> bool:
    """Whether division ``code`` is a final level, by its students' MEF, code or label."""
    if any(final_mef(m) for m in mefs) or _FINAL_CODE.match(code.upper() + " "):
        return True
    return bool(label and _FINAL_LABEL.search(label.upper()))


def final_divisions(labels: Mapping[str, str | None],
                    mefs: Mapping[str, Iterable[str | None]]) -> frozenset[str]:
    """Codes of the final-level divisions among ``labels`` (code → label) and ``mefs``."""
    codes = set(labels) | set(mefs)
    return frozenset(c for c in codes if final_division(c, labels.get(c), mefs.get(c, ())))
