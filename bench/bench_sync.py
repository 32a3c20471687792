"""Benchmark: plan and apply a 4,000-student school from scratch, then a re-import.

Run with ``python -m bench`` (every bench) or ``python -m bench.bench_sync``. It prints the
time of each step and the host calls per operation, against the target of at most
ceil(N / batch) calls per action kind, and zero write calls for a re-import with no change.
The school is built in memory (domain records) so only planning, the ledger and apply are
measured; reading the files is ``bench_intake``'s business.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TypeVar

from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.domain import (
    Discipline,
    ElevesExport,
    Guardian,
    GuardianLink,
    ResponsablesExport,
    School,
    Service,
    Snapshot,
    Staff,
    StaffRole,
    Structure,
    StsExport,
    Student,
)
from cpro_siecle_plugin.runner.apply import ApplyOutcome, apply_plan
from cpro_siecle_plugin.service import SiecleService
from cpro_siecle_plugin.siecle.archive import InputFile
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.plan import Plan
from cpro_siecle_plugin.sync.planner import compute_plan
from tests.doubles.memory_host import WRITE_OPERATIONS, MemoryHost

UAJ = "0699999Z"
TODAY = date(2025, 9, 15)
T = TypeVar("T")

#: Host operation → the plan action kind it carries out.
OPERATION_KIND = {
    "create_cohorts": "create_cohort", "create_users": "create_user",
    "add_cohort_members": "add_member", "remove_cohort_members": "remove_member",
    "link_guardians": "link_guardian", "unlink_guardians": "unlink_guardian",
    "delete_users": "delete_user",
}


def school(students: int = 4000, per_class: int = 30) -> Snapshot:
    """A synthetic school: divisions of ``per_class``, groups, teachers, heads, guardians."""
    divisions = [f"D{i:03d}" for i in range(math.ceil(students / per_class))]
    groups = [f"G{i:02d}" for i in range(len(divisions) // 4)]
    structures = [Structure(c, f"Division {c}", False) for c in divisions]
    structures += [Structure(g, f"Groupe {g}", True, tuple(divisions[4 * i:4 * i + 4]))
                   for i, g in enumerate(groups)]
    staff = [Staff(f"S{i}", None, f"PROF{i}", None, "Claude", date(1980, 1, 1 + i % 28), "ENS",
                   StaffRole.TEACHER, (Discipline("L1300", "MATHS"),),
                   tuple(Service(d, "0613", "MATHS") for d in divisions[i % len(divisions)::40]))
             for i in range(students // 13)]
    staff += [Staff(f"H{i}", None, f"DIR{i}", None, "Dominique", date(1970, 5, 5), "DIR",
                    StaffRole.HEAD) for i in range(4)]
    kids = [Student(f"E{i}", None, f"INE{i:07d}", f"NOM{i}", None, "Camille",
                    date(2009, 1 + i % 12, 1 + i % 28), None, None, None, None,
                    divisions[i // per_class], (groups[(i // per_class) // 4],)
                    if (i // per_class) // 4 < len(groups) else ())
            for i in range(students)]
    parents = [Guardian(f"P{i}", None, f"NOM{i}", None, "Alex") for i in range(students)]
    links = [GuardianLink(f"E{i}", f"P{i - i % 2 + j}", 1, None, None)
             for i in range(students) for j in (0, 1) if i - i % 2 + j < students]
    year = School(UAJ, 2025, "Lycée du banc d'essai")
    return Snapshot(
        UAJ, 2025,
        StsExport(year, tuple(structures), tuple(staff), (), "sts_emp.xml"),
        ElevesExport(year, tuple(kids), "ElevesSansAdresses.xml"),
        ResponsablesExport(year, tuple(parents), tuple(links), "ResponsablesAvecAdresses.xml"),
        tuple(structures),
    )


@contextmanager
def timed(label: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    print(f"  {label:<44} {time.perf_counter() - start:8.2f} s")


def measure(label: str, step: Callable[[], T]) -> T:
    with timed(label):
        return step()


def report_calls(plan: Plan, outcome: ApplyOutcome, batch: int) -> None:
    """Print host calls per operation against ceil(N / batch) of the matching action kind."""
    counts = plan.counts()
    print(f"  {'host operation':<24}{'calls':>8}{'actions':>10}{'target':>9}")
    for op, calls in sorted(outcome.calls.items()):
        kind = OPERATION_KIND.get(op)
        n = counts.get(kind, 0) if kind else 0
        target = f"{math.ceil(n / batch)}" if kind else "(read)"
        flag = "" if not kind or calls <= math.ceil(n / batch) else "  ← au-delà"
        print(f"  {op:<24}{calls:>8}{n if kind else '':>10}{target:>9}{flag}")


def through_service(students: int, batch: int) -> None:
    """The whole pipeline from files (``bench.generate``): first import, same files, changes."""
    from bench.generate import generate_school

    settings = Settings(secret="bench", batch_size=batch, host="memory")
    with tempfile.TemporaryDirectory() as tmp:
        first = generate_school(Path(tmp) / "a", n_students=students, n_guardians=2 * students)
        changed = generate_school(Path(tmp) / "b", n_students=students,
                                  n_guardians=2 * students, drop_students=0.02,
                                  extra_students=40, move_students=0.05)
        ledger = Ledger(f"sqlite:///{Path(tmp) / 'ledger.sqlite3'}")
        host = MemoryHost(batch_size=batch)
        service = SiecleService(settings, ledger, host, today=TODAY)
        for label, paths in (("first import", first), ("same files again", first),
                             ("2 % gone, 40 new, 5 % moved", changed)):
            print(f"Through the service, from files — {label}:")
            inputs = [InputFile(p, p.name) for p in paths.values()]
            preview = measure("analyse + plan + store (preview)",
                              lambda i=inputs: service.preview(i, "bench"))  # type: ignore[misc]
            writes = host.write_calls
            outcome = measure("apply + report", lambda p=preview: service.apply(  # type: ignore[misc]
                p.plan_id, p.checksum, "bench", force=True))
            print(f"  actions: {preview.plan.counts() or 0}; done {len(outcome.done_keys)}, "
                  f"failed {len(outcome.failed)}, host write calls {host.write_calls - writes}")
        ledger.close()


def main(students: int = 4000, batch: int = 50) -> None:
    """Plan and apply a school of ``students`` from scratch, then re-import it unchanged."""
    in_memory(students, batch)
    through_service(students, batch)


def in_memory(students: int, batch: int) -> None:
    """Planner, ledger and apply on a school built in memory."""
    settings = Settings(secret="bench", batch_size=batch)
    snap = measure(f"build a school of {students} students", lambda: school(students))
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(f"sqlite:///{Path(tmp) / 'ledger.sqlite3'}")
        host = MemoryHost(batch_size=batch)
        print(f"First import ({students} students, batch {batch}):")
        state = measure("load ledger state (empty)", lambda: ledger.load_state(UAJ))
        plan = measure("compute plan", lambda: compute_plan(snap, state, TODAY, settings))
        print(f"  actions: {plan.counts()}")
        plan_id = measure("store plan", lambda: ledger.save_plan(plan, "bench"))
        outcome = measure("apply on MemoryHost (ledger on SQLite file)", lambda: apply_plan(
            plan, host, ledger.journal(plan_id), batch_size=batch))
        print(f"  done {len(outcome.done_keys)}/{outcome.total}, failed {len(outcome.failed)}")
        report_calls(plan, outcome, batch)
        print("Re-import with no change:")
        state = measure("load ledger state", lambda: ledger.load_state(UAJ))
        print(f"  people in ledger: {len(state.people)}, cohorts: {len(state.cohorts)}")
        again = measure("compute plan", lambda: compute_plan(snap, state, TODAY, settings))
        writes = host.write_calls
        second = measure("apply", lambda: apply_plan(
            again, host, ledger.journal(ledger.save_plan(again, "bench")), batch_size=batch))
        print(f"  actions: {len(again.actions)}, host write calls: {host.write_calls - writes}, "
              f"calls: {second.calls or 0}")
        assert not any(op in WRITE_OPERATIONS for op in second.calls)
        ledger.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000)
