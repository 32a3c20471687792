"""One exception root for the whole plugin.

Hierarchy::

    SiecleError                      root: every error the plugin raises on purpose
    ├── InputError                   a file is refused (wrong, truncated, hostile, mismatched)
    │   ├── ArchiveError             zip problems: bomb, slip, truncated, too many members
    │   ├── XmlError                 not well-formed, DTD/entities, wrong root element
    │   └── WrongSlotError           a file of one export put where another was expected
    ├── AnalysisError                cross-file checks found blocking problems (carries them all)
    ├── PlanError                    a plan cannot be computed, stored or applied
    │   ├── SafetyBrakeError         too many deactivations/deletions without force
    │   ├── ChecksumMismatchError    the plan to apply is not the one previewed
    │   └── ImportLockedError        another import runs for the same school
    │       └── LockLostError        the running import's lock was released meanwhile
    ├── LedgerError                  the ledger's database failed (disk full, read-only...)
    ├── SchoolForbiddenError         the administrator does not manage the files' school
    ├── ConfigError                  missing or invalid CPRO_SIECLE_* setting
    └── HostError                    the host LMS failed (raised by adapters only)
        ├── HostUnavailableError     network, timeout, 5xx, site in maintenance
        ├── HostAuthError            bad token, missing function or capability
        └── HostRejectedError        the host refused some records (carries which and why)

Every error carries structured fields and builds its French message from them, so the
admin always reads which file, which line and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .french import number, plural


class SiecleError(Exception):
    """Root of every error raised on purpose by the plugin."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(SiecleError):
    """A file is refused; ``filename`` names it and ``line`` where known."""

    def __init__(self, filename: str, problem: str, line: int | None = None) -> None:
        self.filename = filename
        self.problem = problem
        self.line = line
        where = f" (ligne {line})" if line else ""
        super().__init__(f"Fichier « {filename} » refusé{where} : {problem}")


class ArchiveError(InputError):
    """The zip archive is refused (bomb, slip, truncated, unreadable)."""


class XmlError(InputError):
    """The XML document is refused (malformed, DTD, entities, unexpected root)."""


class WrongSlotError(InputError):
    """A file of one export was given where another export was expected."""


@dataclass(frozen=True)
class Problem:
    """One finding of the analysis, in French, with where it was found."""

    severity: str  # "error" and "confirm" block the import, "warning" does not
    code: str
    message: str
    file: str | None = None
    line: int | None = None

    @property
    def is_error(self) -> bool:
        """Blocks the import: an error, or a confirmation not given."""
        return self.severity in ("error", "confirm")

    @property
    def needs_confirmation(self) -> bool:
        """Blocks the import until the admin confirms it (``code`` names the confirmation)."""
        return self.severity == "confirm"

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}" + (f", ligne {self.line}" if self.line else "") + " : "
        label = {"error": "Erreur", "confirm": "À confirmer"}.get(self.severity, "Avertissement")
        return f"{label} — {where}{self.message}"

    def to_data(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }


class AnalysisError(SiecleError):
    """The analysis found blocking problems; ``problems`` holds all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.is_error]
        lines = "\n".join(f"- {p}" for p in errors)
        count = plural(len(errors), "erreur bloquante", "erreurs bloquantes")
        super().__init__(f"Importation impossible : {count}.\n{lines}")


class PlanError(SiecleError):
    """A plan cannot be computed, stored or applied."""


class SafetyBrakeError(PlanError):
    """The plan would deactivate or delete too many accounts; ``force`` is needed."""

    def __init__(self, population: str, count: int, total: int, threshold: float) -> None:
        self.population = population
        self.count = count
        self.total = total
        self.threshold = threshold
        share = 100.0 * count / total if total else 0.0
        super().__init__(
            f"Frein de sécurité : ce plan désactiverait ou supprimerait {plural(count, 'compte')} "
            f"sur {number(total)} {population} ({share:.0f} %), au-delà du seuil de "
            f"{100 * threshold:.0f} %. Vérifiez que les fichiers sont complets, ou cochez "
            f"« forcer » si ces départs sont réels."
        )


class ChecksumMismatchError(PlanError):
    """The plan to apply is not the one the admin previewed."""

    def __init__(self, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            "Le plan à appliquer ne correspond plus à l'aperçu validé "
            f"(empreinte attendue {expected[:12]}…, trouvée {actual[:12]}…). "
            "Relancez l'analyse et l'aperçu avant d'importer."
        )


class ImportLockedError(PlanError):
    """Another import is running for the same school: who started it, since when, where,
    its last sign of life and when its lock lifts if that import was killed."""

    def __init__(self, uaj: str, holder: str | None = None, since: datetime | None = None,
                 released_at: datetime | None = None, *, where: str = "",
                 heartbeat: datetime | None = None) -> None:
        self.uaj = uaj
        self.holder = holder
        self.since = since
        self.released_at = released_at
        self.where = where
        self.heartbeat = heartbeat
        who = f" (lancée par {holder}" + (f", {where}" if where else "") + ")" if holder else ""
        when = f" depuis le {since:%d/%m/%Y à %H:%M} (UTC)" if since else ""
        alive = (f", dernier signe de vie le {heartbeat:%d/%m/%Y à %H:%M:%S} (UTC)"
                 if heartbeat else "")
        crashed = (
            " Si elle a été interrompue brutalement, ce verrou sera levé automatiquement le "
            f"{released_at:%d/%m/%Y à %H:%M:%S} (UTC) ; un administrateur peut aussi le lever "
            f"(page « Verrous d'importation », ou « cpro-siecle unlock {uaj} »)."
            if released_at else ""
        )
        super().__init__(
            f"Une importation est déjà en cours pour l'établissement {uaj}{who}{when}{alive}. "
            f"Attendez qu'elle se termine avant d'en lancer une autre.{crashed}"
        )


class LockLostError(ImportLockedError):
    """The running import's lock was released by an administrator or taken over."""

    def __init__(self, uaj: str) -> None:
        super().__init__(uaj)
        self.message = (
            f"Le verrou d'importation de l'établissement {uaj} a été levé pendant "
            "l'importation : elle s'arrête là. Relancez la même importation pour la reprendre."
        )


class LedgerError(SiecleError):
    """The ledger's database failed (disk full, read-only, locked, unreachable).

    ``kind`` is ``full``, ``readonly``, ``locked``, ``unreachable`` or ``other``.
    """

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


class SchoolForbiddenError(SiecleError):
    """The files are of a school the administrator does not manage (per-school access)."""

    def __init__(self, uaj: str) -> None:
        self.uaj = uaj
        super().__init__(f"Vous ne gérez pas l'établissement {uaj} : votre compte ne peut pas "
                         "importer ses fichiers.")


class ConfigError(SiecleError):
    """A CPRO_SIECLE_* setting is missing or invalid."""


class HostError(SiecleError):
    """The host LMS failed. Adapters raise only subclasses of this."""


class HostUnavailableError(HostError):
    """The host cannot be reached, timed out or answered a server error."""


class HostAuthError(HostError):
    """The token is refused, or lacks a function or a capability."""


class HostRejectedError(HostError):
    """The host refused some records; ``rejected`` maps record key to reason."""

    def __init__(self, message: str, rejected: Mapping[str, str] | None = None) -> None:
        self.rejected = dict(rejected or {})
        super().__init__(message)
