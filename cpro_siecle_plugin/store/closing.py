"""Closing a plan that will never be continued: its report is made, its passwords dropped.

A plan left unfinished (its run killed, or cut short by the host) is continued when the same
files are imported again. When another plan is applied to the school instead, or when it
waited longer than the retention delay, it is *abandoned*: the report of what it did — every
account it created, with its initial password — is stored on its last run, and the plan
keeps no password any more.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..reports.report import Known, build_report
from ..runner.apply import ApplyOutcome
from .plans import StoredPlan
from .report_data import report_to_data
from .runs import redact_plan
from .tables import JournalRow, PersonRow, PlanRow, RunRow


def display_names(s: Session, uaj: str) -> dict[str, Known]:
    """Known people's names and login, for reports."""
    rows = s.execute(select(PersonRow.key, PersonRow.lastname, PersonRow.firstname,
                            PersonRow.username).where(PersonRow.uaj == uaj))
    return {key: Known(last, first, login) for key, last, first, login in rows}


def close_plan(s: Session, plan: PlanRow,
               names: Mapping[str, Known] | None = None) -> int | None:
    """Abandon an unfinished plan: its report on its last run, its passwords dropped.

    :returns: the run now holding the report (``None`` when the plan never got a run).
    """
    done = set(s.scalars(select(JournalRow.action_key).where(
        JournalRow.checksum == plan.checksum, JournalRow.status == "done")))
    last = s.scalars(select(RunRow).where(RunRow.plan_id == plan.id)
                     .order_by(RunRow.id.desc()).limit(1)).first()
    if last is not None:
        outcome = ApplyOutcome(done_keys=done, complete=False)
        people = display_names(s, plan.uaj) if names is None else names
        stored = StoredPlan(lambda: nullcontext(s), plan.id, plan.checksum, plan.data)
        report = build_report(stored, outcome, people=people)
        last.report = report_to_data(report)
        s.execute(update(RunRow).where(RunRow.plan_id == plan.id, RunRow.id < last.id)
                  .values(report=None, resumed_by=last.id))
    plan.status = "abandoned"
    redact_plan(s, plan)
    return last.id if last is not None else None
