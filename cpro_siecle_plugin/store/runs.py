"""Run bookkeeping: closing a run and, when it completed, updating the school's record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from .journal import now
from .records import RunRecord
from .tables import PlanRow, RunRow, SchoolRow, StructureRow


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
                     row.report if with_report else None)


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
    if result == "success":
        # Initial passwords now live in the run's report only: drop them from the plan.
        _drop_passwords(plan.data)  # in place: a large plan is not copied
        flag_modified(plan, "data")
        plan.extra = {**plan.extra, "redacted": True}
    school = s.get(SchoolRow, plan.uaj)
    if school is not None:
        # A preview taken while this run was changing the school must not be applied after it.
        school.version += 1
    if outcome.complete:
        _update_school(s, plan)


def _drop_passwords(data: Mapping[str, Any]) -> None:
    for action in data.get("actions", ()):
        if "password" in action:
            action["password"] = ""


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
