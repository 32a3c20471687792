"""The safety brake: refuse a plan that would put too many accounts out of use.

Within a school year a large share of departures means a truncated or wrong file
(threshold ``BRAKE_SHARE``, 30 %); at a change of school year a third to a half of the
students leave normally, so the threshold is ``BRAKE_SHARE_YEAR_CHANGE`` (60 %).

For each population, the share is *accounts put out of use* over *accounts in use or
put out of use*: (deactivations + deletions) / (active known people + deletions).
Deletions count in both terms because they are of people already deactivated: last
year's graduates deleted at the end of the retention period must not make a normal
year change look like a truncated file. Populations smaller than
``BRAKE_MIN_POPULATION`` are never braked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..config import Settings
from ..domain import Snapshot
from ..errors import SafetyBrakeError
from ..french import number, plural, school_year, word
from .plan import Action, DeactivateUser, DeleteUser, Plan
from .state import LedgerState, Population


def is_year_change(snapshot: Snapshot, state: LedgerState) -> bool:
    """True when the files are of a later school year than the last applied import."""
    return (
        snapshot.year is not None
        and state.last_year is not None
        and (snapshot.year > state.last_year)
    )


def _figures(actions: Iterable[Action], state: LedgerState) -> list[tuple[Population, int, int]]:
    """(population, accounts put out of use, accounts concerned) for every population."""
    gone: dict[Population, int] = {p: 0 for p in Population}
    deleted: dict[Population, int] = {p: 0 for p in Population}
    for action in actions:
        if isinstance(action, DeactivateUser | DeleteUser):
            population = Population(action.population)
            gone[population] += 1
            if isinstance(action, DeleteUser):
                deleted[population] += 1
    active = {p: 0 for p in Population}
    for person in state.people.values():
        active[person.population] += person.active
    return [(p, gone[p], active[p] + deleted[p]) for p in Population]


def _when(snapshot: Snapshot, state: LedgerState, year_change: bool) -> str:
    if year_change:
        before, after = school_year(state.last_year), school_year(snapshot.year)
        return f"changement d'année scolaire : {before} → {after}"
    return "en cours d'année scolaire"


def assess(
    actions: Iterable[Action], state: LedgerState, snapshot: Snapshot, settings: Settings
) -> dict[str, Any]:
    """What the safety brake finds in a plan's actions, as JSON-able data.

    :returns: ``triggered``, ``population`` (value of the population with the largest
        share, ``None`` if nothing leaves), ``label`` (its French name), ``count``,
        ``total``, ``share``, ``threshold``, ``year_change`` and ``message`` (French).
    """
    year_change = is_year_change(snapshot, state)
    threshold = settings.brake_share_year_change if year_change else settings.brake_share
    rows = [r for r in _figures(actions, state) if r[1]]
    rows.sort(
        key=lambda r: (r[2] < settings.brake_min_population, -r[1] / max(r[2], 1), r[0].value)
    )
    worst = rows[0] if rows else None
    population, count, total = worst if worst else (None, 0, 0)
    share = count / total if total else 0.0
    triggered = bool(total >= settings.brake_min_population and share > threshold)
    return {
        "triggered": triggered,
        "population": population.value if population else None,
        "label": population.label if population else None,
        "count": count,
        "total": total,
        "share": round(share, 4),
        "threshold": threshold,
        "year_change": year_change,
        "message": _message(
            triggered, population, count, total, threshold, _when(snapshot, state, year_change)
        ),
    }


def _message(
    triggered: bool,
    population: Population | None,
    count: int,
    total: int,
    threshold: float,
    when: str,
) -> str:
    limit = f"{100 * threshold:.0f} %"
    if population is None:
        return f"Frein de sécurité : aucun compte désactivé ni supprimé (seuil de {limit}, {when})."
    share = 100 * count / total if total else 0.0
    figures = f"{plural(count, 'compte')} sur {number(total)} {population.label} ({share:.0f} %)"
    if triggered:
        return (
            f"Frein de sécurité : ce plan désactiverait ou supprimerait {figures}, au-delà du "
            f"seuil de {limit} ({when}). Vérifiez que les fichiers sont complets, ou forcez "
            "si ces départs sont réels."
        )
    return (
        f"Frein de sécurité : {figures} {word(count, 'désactivé')} ou {word(count, 'supprimé')}, "
        "sous le seuil de "
        f"{limit} ({when})."
    )


def enforce(plan: Plan, force: bool = False) -> None:
    """Refuse a plan whose brake is triggered, unless the admin forces it.

    :raises SafetyBrakeError: ``plan.meta["brake"]["triggered"]`` and not ``force``.
    """
    brake = plan.meta.get("brake") or {}
    if brake.get("triggered") and not force:
        raise SafetyBrakeError(
            str(brake.get("label") or brake.get("population")),
            int(brake["count"]),
            int(brake["total"]),
            float(brake["threshold"]),
        )
