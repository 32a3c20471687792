"""The safety brake: refuse a plan that would put too many accounts out of use.

Within a school year a large share of departures means a truncated or wrong file
(threshold ``BRAKE_SHARE``, 30 %). At a change of school year the students of the final
levels (terminales, 3e, last year of a CAP or bac pro: see :mod:`.levels`) and those with a
past ``DATE_SORTIE`` are *expected* to leave; the other students leaving are held to the
in-year threshold, and all departures together to ``BRAKE_SHARE_YEAR_CHANGE`` (60 %). When
no final level can be recognised at all, only the latter applies.

For each population, the share is *accounts put out of use* over *accounts in use or
put out of use*: (deactivations + deletions) / (active known people + deletions).
Deletions count in both terms because they are of people already deactivated: last
year's graduates deleted at the end of the retention period must not make a normal
year change look like a truncated file (for the same reason the share of unexpected
student departures leaves deletions out). Guardians follow their students: a guardian
put out of use whose linked students all leave in the same plan (or had left) does not
count. Populations smaller than ``BRAKE_MIN_POPULATION`` are never braked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..config import Settings
from ..domain import Snapshot
from ..errors import SafetyBrakeError
from ..french import number, plural, school_year, word
from .desired import student_keys
from .levels import final_divisions
from .plan import Action, DeactivateUser, DeleteUser, PlanSource
from .state import LedgerState, Population, cohort_code


def is_year_change(snapshot: Snapshot, state: LedgerState) -> bool:
    """True when the files are of a later school year than the last applied import."""
    return (
        snapshot.year is not None
        and state.last_year is not None
        and (snapshot.year > state.last_year)
    )


def expected_leavers(snapshot: Snapshot, state: LedgerState, today: date) -> frozenset[str] | None:
    """Keys of the students expected to leave at this change of school year.

    :returns: ``None`` when this is not a year change with an Eleves file, or when no final
        level can be recognised (the brake then cannot tell expected departures apart).
    """
    eleves = snapshot.eleves
    if eleves is None or not is_year_change(snapshot, state):
        return None
    labels: dict[str, str | None] = {s.code: s.label for s in snapshot.structures
                                     if not s.is_group}
    groups = {s.code for s in snapshot.structures if s.is_group}
    mefs: dict[str, set[str | None]] = defaultdict(set)
    for student in eleves.students:
        if student.division:
            mefs[student.division].add(student.mef)
    for known in state.people.values():
        if known.population is Population.STUDENT:
            for key in known.cohorts:
                code = cohort_code(key)[0]
                if code not in groups:
                    labels.setdefault(code, None)
    final = final_divisions(labels, mefs)
    if not final:
        return None
    keys = student_keys(snapshot.uaj, eleves, state)
    out = {keys[s.eleve_id] for s in eleves.students if s.has_left(today)}
    for known in state.people.values():
        if known.population is Population.STUDENT and any(
                cohort_code(c)[0] in final for c in known.cohorts):
            out.add(known.key)
    return frozenset(out)


@dataclass(frozen=True)
class _Row:
    """One figure the brake weighs: ``count`` of ``total`` accounts against ``threshold``."""

    population: Population
    count: int
    total: int
    threshold: float
    unexpected: bool = False  # the students leaving outside the final levels

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0


def _followers(gone: Collection[str], state: LedgerState) -> set[str]:
    """Guardians put out of use whose every linked student leaves too (or had left)."""
    students: dict[str, set[str]] = defaultdict(set)
    for guardian, student in state.links:
        students[guardian].add(student)
    out = set()
    for guardian, linked in students.items():
        if guardian in gone and all(
                s in gone or not (p := state.people.get(s)) or not p.active for s in linked):
            out.add(guardian)
    return out


def _rows(actions: Iterable[Action], state: LedgerState, settings: Settings,
          year_change: bool, expected: frozenset[str] | None) -> list[_Row]:
    """Every figure of the plan the brake weighs, for every population."""
    out_of_use = [a for a in actions if isinstance(a, DeactivateUser)
                  or isinstance(a, DeleteUser) and not a.returning]
    followers = _followers({a.person_key for a in out_of_use}, state)
    gone: dict[Population, int] = defaultdict(int)
    deleted: dict[Population, int] = defaultdict(int)
    for action in out_of_use:
        if action.person_key in followers:
            continue
        gone[Population(action.population)] += 1
        if isinstance(action, DeleteUser):
            deleted[Population(action.population)] += 1
    active: dict[Population, int] = defaultdict(int)
    for person in state.people.values():
        active[person.population] += person.active and person.key not in followers
    threshold = settings.brake_share_year_change if year_change else settings.brake_share
    rows = [_Row(p, gone[p], active[p] + deleted[p], threshold) for p in Population]
    if expected is not None:
        unexpected = sum(1 for a in out_of_use if isinstance(a, DeactivateUser)
                         and a.population == Population.STUDENT.value
                         and a.person_key not in expected)
        staying = sum(1 for p in state.people.values() if p.population is Population.STUDENT
                      and p.active and p.key not in expected)
        rows.append(_Row(Population.STUDENT, unexpected, staying, settings.brake_share, True))
    return rows


def _when(snapshot: Snapshot, state: LedgerState, year_change: bool,
          expected: frozenset[str] | None) -> str:
    if not year_change:
        return "en cours d'année scolaire"
    when = (f"changement d'année scolaire : {school_year(state.last_year)} → "
            f"{school_year(snapshot.year)}")
    if expected is not None:
        when += (f" ; {plural(len(expected), 'départ')} d'élèves "
                 f"{word(len(expected), 'attendu')} : niveaux terminaux et dates de sortie")
    return when


def assess(
    actions: Iterable[Action], state: LedgerState, snapshot: Snapshot, settings: Settings,
    expected: frozenset[str] | None = None,
) -> dict[str, Any]:
    """What the safety brake finds in a plan's actions, as JSON-able data.

    :param expected: keys of the students expected to leave (:func:`expected_leavers`).
    :returns: ``triggered``, ``population`` (value of the population with the largest
        share, ``None`` if nothing leaves), ``label`` (its French name), ``count``,
        ``total``, ``share``, ``threshold``, ``year_change``, ``expected`` (students
        expected to leave, or ``None``), ``unexpected`` (whether the figure is the students
        leaving outside the final levels) and ``message`` (French).
    """
    year_change = is_year_change(snapshot, state)
    rows = [r for r in _rows(actions, state, settings, year_change, expected) if r.count]
    small = settings.brake_min_population
    rows.sort(key=lambda r: (r.total < small, -r.share / r.threshold if r.threshold else 0,
                             r.population.value, r.unexpected))
    worst = rows[0] if rows else None
    triggered = bool(worst and worst.total >= small and worst.share > worst.threshold)
    threshold = worst.threshold if worst else (
        settings.brake_share_year_change if year_change else settings.brake_share)
    when = _when(snapshot, state, year_change, expected)
    return {
        "triggered": triggered,
        "population": worst.population.value if worst else None,
        "label": _label(worst) if worst else None,
        "count": worst.count if worst else 0,
        "total": worst.total if worst else 0,
        "share": round(worst.share, 4) if worst else 0.0,
        "threshold": threshold,
        "year_change": year_change,
        "expected": len(expected) if expected is not None else None,
        "unexpected": bool(worst and worst.unexpected),
        "message": _message(triggered, worst, threshold, when),
    }


def _label(row: _Row) -> str:
    label = row.population.label
    return f"{label} hors niveaux terminaux" if row.unexpected else label


def _message(triggered: bool, row: _Row | None, threshold: float, when: str) -> str:
    limit = f"{100 * threshold:.0f} %"
    if row is None:
        return f"Frein de sécurité : aucun compte désactivé ni supprimé (seuil de {limit}, {when})."
    figures = (f"{plural(row.count, 'compte')} sur {number(row.total)} {_label(row)} "
               f"({100 * row.share:.0f} %)")
    if triggered:
        return (
            f"Frein de sécurité : ce plan désactiverait ou supprimerait {figures}, au-delà du "
            f"seuil de {limit} ({when}). Vérifiez que les fichiers sont complets, ou forcez "
            "si ces départs sont réels."
        )
    return (
        f"Frein de sécurité : {figures} {word(row.count, 'désactivé')} ou "
        f"{word(row.count, 'supprimé')}, sous le seuil de "
        f"{limit} ({when})."
    )


def enforce(plan: PlanSource, force: bool = False) -> None:
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
