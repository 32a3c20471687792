"""Benchmark: Moodle web-service calls of a 4,000-student first import and a re-import.

Run with ``python -m bench`` (every bench) or ``python -m bench.bench_moodle_calls [N]
[BATCH]``. The whole pipeline runs -- the school written by :mod:`bench.generate` in the real export
formats, read by ``siecle.analyse``, then planner, ledger, ``apply_plan`` -- on a
:class:`~cpro_siecle_plugin.adapters.moodle.MoodleHost` whose HTTP requests are answered
in-process by the stateful fake Moodle (``responses``). It prints the requests per
web-service function and per host operation, against the target of at most
ceil(N / batch) calls per action kind, and checks a re-import with no change makes zero
write calls. Times include the fake server's own work; the call counts are what matter.
Without ``bench.generate`` or ``siecle.analyse``, the in-memory school of ``bench_sync`` is
used instead (said in the output).
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

import responses

from bench.bench_sync import OPERATION_KIND, UAJ, school
from cpro_siecle_plugin.adapters.moodle import MoodleHost
from cpro_siecle_plugin.config import Settings
from cpro_siecle_plugin.domain import Snapshot
from cpro_siecle_plugin.runner.apply import apply_plan
from cpro_siecle_plugin.store import Ledger
from cpro_siecle_plugin.sync.plan import Plan
from cpro_siecle_plugin.sync.planner import compute_plan
from tests.doubles.memory_host import WRITE_OPERATIONS
from tests.doubles.moodle_fake import FakeMoodle

URL = "https://moodle.bench.invalid"
TOKEN = "bench-token"
TODAY = date(2025, 9, 15)
#: Web-service functions that change the site.
WRITE_FUNCTIONS = frozenset({
    "core_user_create_users", "core_user_update_users", "core_user_delete_users",
    "core_cohort_create_cohorts", "core_cohort_add_cohort_members",
    "core_cohort_delete_cohort_members", "core_role_assign_roles", "core_role_unassign_roles",
})


def _print_calls(plan: Plan, calls: dict[str, int], ws_calls: Counter[str], batch: int) -> int:
    """Print calls per host operation against ceil(N / batch); return how many exceed it."""
    counts = plan.counts()
    over = 0
    print(f"  {'host operation':<24}{'calls':>8}{'actions':>10}{'target':>9}")
    for op, n_calls in sorted(calls.items()):
        kind = OPERATION_KIND.get(op)
        n = counts.get(kind, 0) if kind else 0
        target = math.ceil(n / batch)
        flag = "  <- above target" if kind and n_calls > target else ""
        over += bool(flag)
        print(f"  {op:<24}{n_calls:>8}{n if kind else '':>10}"
              f"{target if kind else '(read)':>9}{flag}")
    print(f"  {'web-service function':<40}{'requests':>9}")
    for function, n_calls in sorted(ws_calls.items()):
        mark = " (write)" if function in WRITE_FUNCTIONS else ""
        print(f"  {function:<40}{n_calls:>9}{mark}")
    return over


def _snapshot(students: int, settings: Settings, tmp: Path) -> tuple[Snapshot, str]:
    """The school from generated export files, or the in-memory one as a fallback."""
    try:
        from bench.generate import generate_school
        from cpro_siecle_plugin.siecle.analyse import analyse_files
        from cpro_siecle_plugin.siecle.archive import InputFile
    except ImportError:
        return school(students), "bench_sync.school (in-memory records)"
    paths = generate_school(tmp, n_students=students, n_guardians=2 * students,
                            n_staff=max(10, students * 3 // 40), uaj=UAJ)
    files = [InputFile(p, p.name) for p in paths.values()]
    analysis = analyse_files(files, today=TODAY, settings=settings)
    analysis.raise_for_errors()
    assert analysis.snapshot is not None
    return analysis.snapshot, "bench.generate files read by siecle.analyse"


def run(students: int = 4000, batch: int = 50) -> dict[str, int]:
    """First import then an unchanged re-import; returns the figures printed."""
    settings = Settings(secret="bench", batch_size=batch, moodle_parent_role="9")
    fake = FakeMoodle(TOKEN)
    figures: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp, responses.RequestsMock() as mock:
        snap, source = _snapshot(students, settings, Path(tmp))
        print(f"School: {source}")
        mock.add_callback(responses.POST, URL + "/webservice/rest/server.php",
                          callback=fake.callback)
        host = MoodleHost(URL, TOKEN, batch_size=batch, parent_role="9",
                          sleep=lambda s: None)
        ledger = Ledger(f"sqlite:///{Path(tmp) / 'ledger.sqlite3'}")
        print(f"First import on Moodle ({students} students, batch {batch}):")
        start = time.perf_counter()
        plan = compute_plan(snap, ledger.load_state(UAJ), TODAY, settings)
        outcome = apply_plan(plan, host, ledger.journal(ledger.save_plan(plan, "bench")),
                             batch_size=batch)
        first_ws = Counter(host.ws_calls)
        print(f"  actions {len(plan.actions)}, done {len(outcome.done_keys)}, failed "
              f"{len(outcome.failed)}, {time.perf_counter() - start:.1f} s")
        figures["first_requests"] = sum(first_ws.values())
        figures["first_over_target"] = _print_calls(plan, outcome.calls, first_ws, batch)
        figures["first_failed"] = len(outcome.failed)
        placeholders = sum(u["email"].endswith("@noemail.invalid") for u in fake.users.values())
        print(f"  accounts on the site {len(fake.users)}, with a placeholder email {placeholders}")
        figures["placeholder_emails"] = placeholders

        print("Re-import with no change:")
        again = compute_plan(snap, ledger.load_state(UAJ), TODAY, settings)
        second = apply_plan(again, host, ledger.journal(ledger.save_plan(again, "bench")),
                            batch_size=batch)
        second_ws = Counter(host.ws_calls) - first_ws
        writes = sum(n for f, n in second_ws.items() if f in WRITE_FUNCTIONS)
        print(f"  actions {len(again.actions)}, requests {sum(second_ws.values())}, "
              f"write requests {writes}, host operations {second.calls or {}}")
        figures["reimport_actions"] = len(again.actions)
        figures["reimport_writes"] = writes
        assert not any(op in WRITE_OPERATIONS for op in second.calls), "re-import wrote"
        ledger.close()
    return figures


def main(students: int = 4000, batch: int = 50) -> None:
    """Entry point of ``python -m bench``: the 4,000-student school, batch 50."""
    run(students, batch)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
