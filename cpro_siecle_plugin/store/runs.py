"""Run bookkeeping: closing a run, marking dead runs interrupted, and, when a run completed,
updating the school's record.

Run results: ``running`` (only while its school's lock is held), ``success``, ``partial``
(complete, some records refused), ``failed`` (the host failed mid-way) and ``interrupted``
(its process died or its lock was released by hand). A plan may take several runs; the
report of the last one covers everything the plan did (the journal is the plan's), and the
earlier runs point to it (``resumed_by``) instead of keeping a report of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from .journal import now
from .locks import lock_record
from .plans import drop_parts
from .records import RunRecord
from .tables import LockRow, PlanRow, RunRow, SchoolRow, StructureRow

#: Plan statuses from which a run may continue the plan (same files run again).
UNFINISHED = ("applying", "interrupted")


def interrupted_text(last_sign: datetime | None) -> str:
    """Why a run is marked interrupted, and what to do."""
    when = f" (dernier signe de vie le {last_sign:%d/%m/%Y à %H:%M:%S} UTC)" if last_sign else ""
    return ("Importation interrompue : le processus qui la menait s'est arrêté"
            f"{when}. Relancez la même importation (mêmes fichiers) pour la reprendre.")


def mark_interrupted(s: Session, run_ids: list[int], last_sign: datetime | None) -> None:
    """Record these running runs as interrupted, and their plans too."""
    if not run_ids:
        return
    s.execute(update(RunRow).where(RunRow.id.in_(run_ids), RunRow.result == "running")
              .values(result="interrupted", finished=last_sign or now(),
                      error=interrupted_text(last_sign)))
    plans = select(RunRow.plan_id).where(RunRow.id.in_(run_ids))
    s.execute(update(PlanRow).where(PlanRow.id.in_(plans), PlanRow.status == "applying")
              .values(status="interrupted"))


def reap_runs(s: Session, uaj: str | None, stale_after: timedelta) -> list[int]:
    """Mark interrupted the running runs whose school holds no live lock; their ids."""
    query = select(RunRow.id, RunRow.uaj).where(RunRow.result == "running")
    if uaj is not None:
        query = query.where(RunRow.uaj == uaj)
    by_school: dict[str, list[int]] = {}
    for run_id, school in s.execute(query):
        by_school.setdefault(school, []).append(run_id)
    dead: list[int] = []
    for school, ids in by_school.items():
        row = s.get(LockRow, school)
        if row is not None and not lock_record(row, stale_after).stale:
            continue
        mark_interrupted(s, ids, (row.heartbeat or row.since) if row is not None else None)
        dead += ids
    return dead


def last_exports(s: Session, uaj: str, scan: int = 50) -> dict[str, dict[str, Any]]:
    """The school year and export time of the last file of each kind applied to ``uaj``,
    read from the ``exports`` meta of its latest complete plans (``{"eleves": {"year": …,
    "exported_at": ISO}}``); at most ``scan`` plans are read, newest first."""
    exports_of = PlanRow.data[("meta", "exports")]  # not the whole plan: it may weigh MBs
    rows = s.scalars(select(exports_of).where(PlanRow.uaj == uaj,
                                                 PlanRow.status.in_(("applied", "partial")))
                     .order_by(PlanRow.id.desc()).limit(scan))
    out: dict[str, dict[str, Any]] = {}
    for exports in rows:
        for kind, last in (exports or {}).items():
            if isinstance(last, dict):
                out.setdefault(kind, last)
        if len(out) == 3:
            break
    return out


def run_record(row: RunRow, with_report: bool = True) -> RunRecord:
    """Plain record of a run row; without its report (``None``) unless ``with_report``."""
    return RunRecord(row.id, row.uaj, row.plan_id, row.user, row.started, row.finished,
                     tuple(row.files), dict(row.counts or {}), row.result, row.error,
                     row.report if with_report else None, row.resumed_by)


def finish_run(s: Session, run_id: int, outcome: Any, report: Mapping[str, Any] | None) -> None:
    """Close run ``run_id`` with ``outcome`` (an ``ApplyOutcome``) and the report data."""
    run = s.get(RunRow, run_id)
    if run is None:
        raise LookupError(run_id)
    plan = s.get(PlanRow, run.plan_id)
    assert plan is not None
    result = "success" if outcome.ok else "partial" if outcome.complete else "failed"
    run.finished = now()
    run.result = result
    run.error = outcome.error
    run.counts = _done_counts(plan.data.get("counts", {}), outcome)
    run.report = dict(report) if report is not None else None
    plan.status = {"success": "applied", "partial": "partial", "failed": "interrupted"}[result]
    if report is not None:
        # This report covers the whole plan: earlier runs of it point here instead.
        s.execute(update(RunRow).where(RunRow.plan_id == plan.id, RunRow.id < run_id)
                  .values(report=None, resumed_by=run_id))
    school = s.get(SchoolRow, plan.uaj)
    if school is not None:
        # A preview taken while this run was changing the school must not be applied after it.
        school.version += 1
    if outcome.complete:
        _update_school(s, plan)
        # Initial passwords now live in the run's report only: drop them from the plan.
        redact_plan(s, plan)


def redact_plan(s: Session, plan: PlanRow) -> None:
    """Drop the actions (names, logins, initial passwords), warnings and birth dates of a
    plan whose report is made: it cannot be applied any more, its report says what it did."""
    drop_parts(s, plan.id)
    meta = {k: v for k, v in plan.data.get("meta", {}).items() if k != "warnings"}
    plan.data = {"meta": meta, "counts": plan.data.get("counts", {}), "actions": []}
    extra = {k: v for k, v in plan.extra.items() if k != "birth_dates"}
    plan.extra = {**extra, "redacted": True}


def _done_counts(plan_counts: Mapping[str, int], outcome: Any) -> dict[str, int]:
    """Actions done per kind (an action key starts with its kind), plus ``failed``."""
    done: dict[str, int] = {}
    for key in outcome.done_keys:
        kind = key.split(":", 1)[0]
        done[kind] = done.get(kind, 0) + 1
    counts = {kind: done[kind] for kind in plan_counts if done.get(kind)}
    if outcome.failed:
        counts["failed"] = len(outcome.failed)
    return counts


def _update_school(s: Session, plan: PlanRow) -> None:
    """After a complete run: the school's year, its STS import and known structures."""
    meta = plan.data.get("meta", {})
    school = s.get(SchoolRow, plan.uaj)
    if school is None:
        school = SchoolRow(uaj=plan.uaj, has_sts_import=False, version=0)
        s.add(school)
    year = meta.get("year")
    # As in sync.fold: only an Eleves import moves the school to a new year, since the
    # year-change threshold of the brake is about students leaving (STS often comes first).
    if (isinstance(year, int) and "eleves" in meta.get("populations", ())
            and (school.last_year is None or year >= school.last_year)):
        school.last_year = year
    name = plan.extra.get("school_name")
    if name:
        school.name = name
    if "sts" in meta.get("populations", ()):
        school.has_sts_import = True
        structures = plan.extra.get("structures")
        if structures is not None:
            s.execute(delete(StructureRow).where(StructureRow.uaj == plan.uaj))
            if structures:
                s.execute(insert(StructureRow), [
                    {"uaj": plan.uaj, "code": st["code"], "label": st.get("label", ""),
                     "is_group": bool(st.get("is_group"))} for st in structures
                ])
