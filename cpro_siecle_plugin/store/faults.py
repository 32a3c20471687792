"""Failures of the ledger's database told in French: disk full, read-only, locked, unreachable.

:func:`install` hooks SQLAlchemy's ``handle_error`` event on the ledger's engine, so every
statement, commit or connection that fails for one of these reasons raises a
:class:`~cpro_siecle_plugin.errors.LedgerError` naming the ledger, the problem and what to
do, instead of a driver's traceback. The transaction that failed is rolled back by the
database, so nothing is left half-written: running the same command again converges.
Other errors (integrity, programming) are left alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from ..errors import LedgerError

#: What to say for each kind of failure; ``{where}`` names the ledger.
MESSAGES = {
    "full": "Le registre des importations ({where}) ne peut plus rien enregistrer : le disque "
            "est plein. Libérez de la place sur ce disque, puis relancez la même commande : "
            "rien n'a été enregistré à moitié, l'importation reprendra où elle s'est arrêtée.",
    "readonly": "Le registre des importations ({where}) est en lecture seule : rien ne peut y "
                "être enregistré. Donnez le droit d'écriture sur ce fichier et sur son dossier "
                "au compte qui lance l'importation (ou remontez le disque en écriture), puis "
                "relancez la même commande.",
    "locked": "Le registre des importations ({where}) est verrouillé par un autre programme "
              "qui y écrit. Attendez qu'il ait fini (ou arrêtez-le), puis relancez la même "
              "commande : rien n'a été enregistré à moitié.",
    "unreachable": "Le registre des importations ({where}) est introuvable ou inaccessible. "
                   "Vérifiez CPRO_SIECLE_DATABASE_URL, que le dossier existe et que ses droits "
                   "permettent de l'ouvrir (ou que le serveur de base de données répond), puis "
                   "relancez.",
    "io": "Le registre des importations ({where}) : le disque a renvoyé une erreur de lecture "
          "ou d'écriture. Vérifiez le disque (place libre, état), puis relancez la même "
          "commande.",
    "outdated": "Le registre des importations ({where}) date d'une version antérieure du "
                "module et ne peut pas être mis à jour en lecture seule : lancez une fois une "
                "importation (ou « cpro-siecle plan ») avec le droit d'écriture sur le registre.",
}

#: SQLite result codes (``sqlite_errorname``) → kind.
_SQLITE = {"SQLITE_FULL": "full", "SQLITE_READONLY": "readonly", "SQLITE_BUSY": "locked",
           "SQLITE_LOCKED": "locked", "SQLITE_CANTOPEN": "unreachable", "SQLITE_IOERR": "io",
           "SQLITE_PERM": "readonly"}
#: PostgreSQL SQLSTATE → kind (class 08 is connection failures).
_POSTGRES = {"53100": "full", "25006": "readonly", "55P03": "locked", "40P01": "locked",
             "57014": "locked", "42501": "readonly"}
#: Message fragments → kind, for drivers without structured codes.
_TEXTS = (("disk is full", "full"), ("no space left", "full"), ("could not extend", "full"),
          ("readonly database", "readonly"), ("read-only", "readonly"),
          ("database is locked", "locked"), ("lock timeout", "locked"),
          ("unable to open database", "unreachable"), ("could not connect", "unreachable"),
          ("connection refused", "unreachable"), ("disk i/o error", "io"))


def kind_of(exc: BaseException) -> str | None:
    """The kind of ledger failure ``exc`` (a DB-API or SQLAlchemy error) is, or ``None``."""
    original: Any = getattr(exc, "orig", None) or exc
    name = str(getattr(original, "sqlite_errorname", "") or "")
    for prefix, kind in _SQLITE.items():
        if name == prefix or name.startswith(prefix + "_"):
            return kind
    state = getattr(original, "pgcode", None) or getattr(getattr(original, "diag", None),
                                                          "sqlstate", None)
    if isinstance(state, str):
        if state in _POSTGRES:
            return _POSTGRES[state]
        if state.startswith("08"):
            return "unreachable"
    text = str(original).lower()
    return next((kind for fragment, kind in _TEXTS if fragment in text), None)


def ledger_error(kind: str, where: str) -> LedgerError:
    """The French error of a ``kind`` of failure of the ledger at ``where``."""
    return LedgerError(kind, MESSAGES[kind].format(where=where))


#: Free space under which an I/O error of the ledger is taken for a full disk.
NEARLY_FULL = 1 << 20


def _nearly_full(folder: Path) -> bool:
    try:
        stat = os.statvfs(folder)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < NEARLY_FULL


def install(engine: Engine, where: str, path: Path | None = None) -> None:
    """Make the engine raise :class:`LedgerError` for the failures above.

    :param path: the SQLite file, if any: one that exists but cannot be opened for writing
        (a read-only disk or folder) is called read-only, not unreachable.
    """

    def translate(context: Any) -> None:
        kind = kind_of(context.original_exception)
        if kind == "unreachable" and path is not None and path.exists() and not (
                os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            kind = "readonly"
        if kind == "io" and path is not None and _nearly_full(path.parent):
            kind = "full"  # SQLite reports ENOSPC on its WAL or -shm file as an I/O error
        if kind is not None:
            raise ledger_error(kind, where) from context.original_exception

    event.listen(engine, "handle_error", translate)
