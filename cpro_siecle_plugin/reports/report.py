"""The report an admin keeps after an import: plain data built from a plan (and outcome).

Initial passwords appear here and nowhere else. Renderers (CSV, text; the PDF lives in
``report_pdf``) read the frozen ``Report`` only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..sync.plan import (
    Action,
    CreateCohort,
    CreateUser,
    DeactivateUser,
    DeleteUser,
    Plan,
    ReactivateUser,
    SuspendUser,
)

__all__ = [
    "AccountLine",
    "ChangeLine",
    "CohortLine",
    "FailureLine",
    "Outcome",
    "Report",
    "build_report",
]


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
    """A new account with its initial password; ``students`` are display strings."""

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


@dataclass(frozen=True)
class ChangeLine:
    """A known account reactivated, deactivated, suspended or deleted."""

    change: str  # "reactivated", "deactivated", "suspended" or "deleted"
    key: str
    population: str
    name: str
    username: str
    detail: str = ""


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


def _names(plan: Plan, people: Mapping[str, tuple[str, str]] | None) -> dict[str, tuple[str, str]]:
    """Person key → (display name, login), from the plan's creations, then ``people``."""
    names = dict(people or {})
    for action in plan.actions:
        if isinstance(action, CreateUser):
            names[action.person_key] = (f"{action.lastname} {action.firstname}", action.username)
    return names


def _who(key: str, names: Mapping[str, tuple[str, str]]) -> str:
    if key in names:
        name, username = names[key]
        return f"{name} ({username})"
    return f"n° {_national_id(key)}"


def _account(action: CreateUser, names: Mapping[str, tuple[str, str]]) -> AccountLine:
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
    )


def _change(action: Action, plan: Plan, names: Mapping[str, tuple[str, str]]) -> ChangeLine | None:
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
    name = names.get(action.person_key, ("", ""))[0] or f"n° {_national_id(action.person_key)}"
    return ChangeLine(change, action.person_key, action.population, name, action.username, detail)


def _sort_key(line: AccountLine) -> tuple[str, ...]:
    return (line.division or "", line.lastname, line.firstname, line.username)


def _failures(
    plan: Plan, outcome: Outcome | None, names: Mapping[str, tuple[str, str]]
) -> tuple[FailureLine, ...]:
    if outcome is None:
        return ()
    by_key = {a.key: a for a in plan.actions}
    lines = []
    for key, reason in sorted(outcome.failed.items()):
        action = by_key.get(key)
        person = getattr(action, "person_key", None) or getattr(action, "guardian_key", None)
        who = _who(person, names) if isinstance(person, str) else ""
        lines.append(FailureLine(key, action.kind if action else "", who, reason))
    return tuple(lines)


def _kept(actions: Iterable[Action], outcome: Outcome | None) -> list[Action]:
    if outcome is None:
        return list(actions)
    done = set(outcome.done_keys)
    return [a for a in actions if a.key in done]


def build_report(
    plan: Plan,
    outcome: Outcome | None = None,
    people: Mapping[str, tuple[str, str]] | None = None,
    forced_by: str | None = None,
) -> Report:
    """The report of a plan, or of what an apply actually did.

    :param forced_by: who applied the plan past a triggered safety brake; the report then
        says so instead of the preview's warning.

    :param plan: the plan previewed or applied.
    :param outcome: the apply outcome; when given, only actions done are listed and
        failed ones get their own section.
    :param people: person key → (display name, login) of known people, to name the
        students of guardians and the accounts deactivated or deleted.
    :returns: plain frozen data for the renderers.
    """
    names = _names(plan, people)
    actions = _kept(plan.actions, outcome)
    cohorts = tuple(
        CohortLine(a.cohort_key, a.idnumber, a.name, a.description)
        for a in actions
        if isinstance(a, CreateCohort)
    )
    accounts = sorted(
        (_account(a, names) for a in actions if isinstance(a, CreateUser)), key=_sort_key
    )
    changes = [c for c in (_change(a, plan, names) for a in actions) if c is not None]
    meta = plan.meta
    return Report(
        uaj=str(meta.get("uaj", "")),
        year=meta.get("year"),
        today=str(meta.get("today", "")),
        files=tuple(meta.get("files", ())),
        applied=outcome is not None,
        cohorts=cohorts,
        accounts=tuple(accounts),
        changes=tuple(sorted(changes, key=lambda c: (c.change, c.name, c.key))),
        failures=_failures(plan, outcome, names),
        warnings=tuple(meta.get("warnings", ())),
        brake=_brake_line(meta.get("brake") or {}, forced_by),
    )


def _brake_line(brake: Mapping[str, Any], forced_by: str | None) -> str:
    """The brake's line of the report: the preview's message, or who forced past it."""
    if not (forced_by and brake.get("triggered")):
        return str(brake.get("message", ""))
    return (f"Importation forcée par {forced_by} malgré le frein de sécurité : "
            f"{brake.get('count')} compte(s) {brake.get('label')} désactivé(s) ou supprimé(s) "
            f"sur {brake.get('total')}, au-delà du seuil de "
            f"{100 * float(brake.get('threshold') or 0):.0f} %.")

