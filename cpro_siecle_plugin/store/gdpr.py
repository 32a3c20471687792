"""A person deleted for good (GDPR) leaves no name, login, e-mail or birth date behind.

When apply deletes accounts, :func:`scrub_people` runs in the same transaction: every stored
plan (but the one being applied, which is stripped when it ends) and every run's report lose
what named those people — their lines keep the person's key and the change made, a
non-personal record of the deletion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from .tables import PlanPartRow, PlanRow, RunRow

#: Personal fields of stored plan actions and report account lines.
PERSONAL = ("username", "firstname", "lastname", "password", "email", "national_id")
#: What replaces a deleted person's name in the reports.
GONE = "(personne supprimée)"


def scrub_people(s: Session, people: Iterable[tuple[str, str, str, str]],
                 keep: str | None = None) -> None:
    """Remove deleted people from every stored plan (but the one being applied, ``keep``)
    and report: ``people`` is (key, last name, first name, login)."""
    rows = list(people)
    gone = {key: f"{last} {first} ({login})" for key, last, first, login in rows}
    logins = {key: f"({login})" for key, _last, _first, login in rows}
    for part in _chunks(list(gone), 50):
        hits = [cast(PlanRow.data, Text).contains(k) for k in part]
        for plan in s.scalars(select(PlanRow).where(or_(*hits))):
            if plan.checksum != keep:
                plan.data, plan.extra = _scrub_plan(plan.data, plan.extra, set(part))
        in_parts = [cast(PlanPartRow.actions, Text).contains(k) for k in part]
        for stored, checksum in s.execute(select(PlanPartRow, PlanRow.checksum)
                                          .join(PlanRow, PlanRow.id == PlanPartRow.plan_id)
                                          .where(or_(*in_parts))):
            if checksum != keep:
                stored.actions = _scrub_actions(stored.actions, set(part))
        runs = [cast(RunRow.report, Text).contains(text) for k in part
                for text in (k, logins[k])]
        for run in s.scalars(select(RunRow).where(RunRow.report.is_not(None), or_(*runs))):
            assert run.report is not None
            run.report = _scrub_report(run.report, {k: gone[k] for k in part})


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _scrub_actions(actions: Iterable[Mapping[str, Any]], keys: set[str]
                   ) -> list[Mapping[str, Any]]:
    return [{**a, **{f: "" for f in PERSONAL if f in a}} if a.get("person_key") in keys
            else a for a in actions]


def _scrub_plan(data: Mapping[str, Any], extra: Mapping[str, Any], keys: set[str]
                ) -> tuple[dict[str, Any], dict[str, Any]]:
    births = {k: v for k, v in extra.get("birth_dates", {}).items() if k not in keys}
    if "actions" not in data:  # stored in parts (store/plans.py): scrubbed there
        return dict(data), {**extra, "birth_dates": births}
    return ({**data, "actions": _scrub_actions(data["actions"], keys)},
            {**extra, "birth_dates": births})


def _scrub_report(report: Mapping[str, Any], gone: Mapping[str, str]) -> dict[str, Any]:
    shown = set(gone.values())

    def account(a: Mapping[str, Any]) -> dict[str, Any]:
        line = {**a, **{f: "" for f in PERSONAL if f in a}} if a.get("key") in gone else dict(a)
        line["students"] = [GONE if st in shown else st for st in a.get("students", ())]
        return line

    changes = [{**c, "name": GONE, "username": "", "lastname": "", "firstname": ""}
               if c.get("key") in gone else c
               for c in report.get("changes", ())]
    failures = [{**f, "who": GONE} if f.get("who") in shown else f
                for f in report.get("failures", ())]
    return {**report, "accounts": [account(a) for a in report.get("accounts", ())],
            "changes": changes, "failures": failures}
