"""The report an admin keeps after an import: plain data built from a plan (and outcome).

Initial passwords appear here and nowhere else. Renderers (CSV, text; the PDF lives in
``report_pdf``) read the frozen ``Report`` only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from ..collation import class_key, person_key
from ..french import number, plural, word
from ..sync.plan import (
    Action,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    DeleteUser,
    PlanSource,
    ReactivateUser,
    SuspendUser,
)

__all__ = [
    "AccountLine",
    "Known",
    "ChangeLine",
    "CohortLine",
    "FailureLine",
    "Outcome",
    "Report",
    "build_report",
]


class Known(NamedTuple):
    """A person the ledger already knows, as the report names them."""

    lastname: str
    firstname: str
    username: str
    division: str = ""  # students: their class

    @property
    def name(self) -> str:
        return f"{self.lastname} {self.firstname}"


class Outcome(Protocol):
    """What the report needs of ``runner.apply.ApplyOutcome``."""

    @property
    def done_keys(self) -> Collection[str]: ...

    @property
    def failed(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class CohortLine:
    """A cohort created for a division, a group or its teachers."""

    key: str
    idnumber: str
    name: str
    description: str


@dataclass(frozen=True)
class AccountLine:
    """A new account with its initial password.

    ``students`` (guardians) are display strings, « NOM Prénom (login) »; ``student_classes``
    gives each one's class (``""`` when unknown), in the same order.
    """

    key: str
    population: str
    lastname: str
    firstname: str
    username: str
    password: str
    email: str | None = None
    division: str | None = None
    groups: tuple[str, ...] = ()
    disciplines: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    students: tuple[str, ...] = ()
    student_classes: tuple[str, ...] = ()

    @property
    def children(self) -> tuple[tuple[str, str], ...]:
        """(display string, class) of each student of a guardian."""
        classes = self.student_classes + ("",) * (len(self.students) - len(self.student_classes))
        return tuple(zip(self.students, classes, strict=False))

    @property
    def children_text(self) -> str:
        """A guardian's students with their classes: « BERNARD Louise (louise.bernard), 1ERE1 »."""
        return " ; ".join(f"{who}, {code}" if code else who for who, code in self.children)


@dataclass(frozen=True)
class ChangeLine:
    """A known account reactivated, deactivated, suspended or deleted."""

    change: str  # "reactivated", "deactivated", "suspended" or "deleted"
    key: str
    population: str
    name: str
    username: str
    detail: str = ""
    lastname: str = ""
    firstname: str = ""
    division: str = ""


@dataclass(frozen=True)
class FailureLine:
    """An action the host refused or could not carry out."""

    action_key: str
    kind: str
    who: str
    reason: str


@dataclass(frozen=True)
class Report:
    """Everything worth keeping about one import, as plain frozen data."""

    uaj: str
    year: int | None
    today: str
    files: tuple[str, ...]
    applied: bool
    cohorts: tuple[CohortLine, ...] = ()
    accounts: tuple[AccountLine, ...] = ()
    changes: tuple[ChangeLine, ...] = ()
    failures: tuple[FailureLine, ...] = ()
    warnings: tuple[str, ...] = ()
    brake: str = ""

    def of_population(self, population: str) -> tuple[AccountLine, ...]:
        """New accounts of one population (``teacher``, ``head``, ``student``...)."""
        return tuple(a for a in self.accounts if a.population == population)

    def of_change(self, change: str) -> tuple[ChangeLine, ...]:
        """Known accounts that went through one change (``deactivated``...)."""
        return tuple(c for c in self.changes if c.change == change)

    @property
    def teachers(self) -> tuple[AccountLine, ...]:
        return self.of_population("teacher")

    @property
    def heads(self) -> tuple[AccountLine, ...]:
        return self.of_population("head")

    @property
    def students(self) -> tuple[AccountLine, ...]:
        return self.of_population("student")

    @property
    def guardians(self) -> tuple[AccountLine, ...]:
        return self.of_population("guardian")


#: How a report shows a person deleted for good (GDPR): no name, no login.
DELETED = "(personne supprimée)"


def _national_id(key: str) -> str:
    return key.rsplit(":", 1)[-1]


def _names(plan: PlanSource, people: Mapping[str, Known] | None) -> dict[str, Known]:
    """Person key → how to name them, from ``people`` then the plan's creations."""
    names = dict(people or {})
    for action in plan.stream({CreateUser.kind}):
        if isinstance(action, CreateUser):
            names[action.person_key] = Known(action.lastname, action.firstname,
                                             action.username, action.division or "")
    return names


def _who(key: str, names: Mapping[str, Known]) -> str:
    if key in names:
        known = names[key]
        return f"{known.name} ({known.username})"
    return f"n° {_national_id(key)}"


def _account(action: CreateUser, names: Mapping[str, Known]) -> AccountLine:
    return AccountLine(
        key=action.person_key,
        population=action.population,
        lastname=action.lastname,
        firstname=action.firstname,
        username=action.username,
        password=action.password,
        email=action.email,
        division=action.division,
        groups=action.groups,
        disciplines=action.disciplines,
        classes=action.classes,
        students=tuple(_who(k, names) for k in action.students),
        student_classes=tuple(names[k].division if k in names else "" for k in action.students),
    )


def _change(action: Action, plan: PlanSource, names: Mapping[str, Known]) -> ChangeLine | None:
    if isinstance(action, ReactivateUser):
        change, detail = "reactivated", "réactivé" + (" et rétabli" if action.unsuspend else "")
    elif isinstance(action, DeactivateUser):
        months = plan.meta.get("student_login_months", 0)
        kept = f"connexion conservée {months} mois"
        change, detail = (
            "deactivated",
            f"{action.reason} ; " + ("compte suspendu" if action.suspend else kept),
        )
    elif isinstance(action, SuspendUser):
        change, detail = "suspended", "fin de la période de connexion"
    elif isinstance(action, DeleteUser):
        months = plan.meta.get("retention_months", 12)
        change, detail = "deleted", f"supprimé après {months} mois de désactivation (RGPD)"
    else:
        return None
    if change == "deleted":  # deleted for good (GDPR): the report names no one
        return ChangeLine(change, action.person_key, action.population, DELETED, "—", detail)
    known = names.get(action.person_key)
    name = known.name if known else f"n° {_national_id(action.person_key)}"
    return ChangeLine(change, action.person_key, action.population, name, action.username, detail,
                      known.lastname if known else "", known.firstname if known else "",
                      known.division if known else "")


def _sort_key(line: AccountLine) -> tuple[object, ...]:
    """Class in school order (2NDE2 before 2NDE10), then name in French order."""
    return (class_key(line.division or ""),
            person_key(line.lastname, line.firstname, line.username))


def _change_key(line: ChangeLine) -> tuple[object, ...]:
    return (line.change, person_key(line.lastname or line.name, line.firstname, line.username),
            line.key)


def _failure(action: Action, reason: str, names: Mapping[str, Known]) -> FailureLine:
    person = getattr(action, "person_key", None) or getattr(action, "guardian_key", None)
    who = _who(person, names) if isinstance(person, str) else ""
    return FailureLine(action.key, action.kind, who, reason)


#: Kinds of actions a report lists (memberships and links are only counted, or failed).
_LISTED = frozenset({CreateCohort.kind, CreateUser.kind, ReactivateUser.kind,
                     DeactivateUser.kind, SuspendUser.kind, DeleteUser.kind})


def build_report(
    plan: PlanSource,
    outcome: Outcome | None = None,
    people: Mapping[str, Known] | None = None,
    forced_by: str | None = None,
) -> Report:
    """The report of a plan, or of what an apply actually did.

    The plan is streamed twice (names of the new accounts, then the lines): only what the
    report lists is kept, never the plan's memberships and links.

    :param plan: the plan previewed or applied (a stored plan is read a part at a time).
    :param outcome: the apply outcome; when given, only actions done are listed and
        failed ones get their own section.
    :param people: known people by person key, to name the students of guardians (with
        their class) and the accounts deactivated or deleted.
    :param forced_by: who applied the plan past a triggered safety brake; the report then
        says so instead of the preview's warning.
    :returns: plain frozen data for the renderers.
    """
    names = _names(plan, people)
    done = outcome.done_keys if outcome is not None else None
    failed = outcome.failed if outcome is not None else {}
    cohorts: list[CohortLine] = []
    accounts: list[AccountLine] = []
    changes: list[ChangeLine] = []
    failures: list[FailureLine] = []
    for action in plan.stream():
        if action.key in failed:
            failures.append(_failure(action, failed[action.key], names))
        if action.kind not in _LISTED or (done is not None and action.key not in done):
            continue
        if isinstance(action, CreateCohort):
            cohorts.append(CohortLine(action.cohort_key, action.idnumber, action.name,
                                      action.description))
        elif isinstance(action, CreateUser):
            accounts.append(_account(action, names))
        elif (change := _change(action, plan, names)) is not None:
            changes.append(change)
    listed = {line.action_key for line in failures}
    failures += [FailureLine(k, "", "", r) for k, r in failed.items() if k not in listed]
    meta = plan.meta
    return Report(
        uaj=str(meta.get("uaj", "")),
        year=meta.get("year"),
        today=str(meta.get("today", "")),
        files=tuple(meta.get("files", ())),
        applied=outcome is not None,
        cohorts=tuple(cohorts),
        accounts=tuple(sorted(accounts, key=_sort_key)),
        changes=tuple(sorted(changes, key=_change_key)),
        failures=tuple(sorted(failures, key=lambda line: line.action_key)),
        warnings=tuple(meta.get("warnings", ())),
        brake=_brake_line(meta.get("brake") or {}, forced_by),
    )


def _brake_line(brake: Mapping[str, Any], forced_by: str | None) -> str:
    """The brake's line of the report: the preview's message, or who forced past it."""
    if not (forced_by and brake.get("triggered")):
        return str(brake.get("message", ""))
    count = int(brake.get("count") or 0)
    return (f"Importation forcée par {forced_by} malgré le frein de sécurité : "
            f"{plural(count, 'compte')} sur {number(int(brake.get('total') or 0))} "
            f"{brake.get('label')} {word(count, 'désactivé')} ou {word(count, 'supprimé')}, "
            "au-delà du seuil de "
            f"{100 * float(brake.get('threshold') or 0):.0f} %.")

