"""Benchmark against a real Moodle lab: our imports beside Moodle's own CLI upload.

Run with ``CPRO_MOODLE_DIR=/var/tmp/cpro-moodle-h2 python -m bench moodle-lab`` (as root: the
lab is reset between runs and the CLI runs as www-data), or ``python -m
bench.bench_moodle_lab --lab DIR [--students N] [--concurrency C[,C...]] [--repeat R]
[--first-only] [--create-cost]``. Without a lab (no ``CPRO_MOODLE_DIR`` env file) it says so
and does nothing.
Several concurrencies are a sweep: each run uploads with the CLI once, then makes our first
import at each concurrency in turn (the lab reset before each).

One run, on the same machine and lab (the lab's README: ``../shared/moodle``), password
policy off for both sides:

1. reset; Moodle's ``admin/tool/uploaduser/cli/uploaduser.php`` creates the accounts of a
   4,000-student school's first import and their cohort memberships from a CSV (the same
   logins, passwords, names, e-mails, idnumbers and cohorts as our plan);
2. reset; our first import of the same school (analyse, preview, apply, report: what
   ``cpro-siecle apply`` does), which also makes the cohorts and the guardian links;
3. the same files again (no change: no write request is expected);
4. a year change (a third of the students gone, as many newcomers, 10 % moved).

Each import of ours runs in a child process, so its peak RSS (``ru_maxrss``) is its own.
Printed: times (ours by phase: preview, then apply per action kind), the ratio ours / CLI,
requests per web-service function and those repeated after a transient failure, peak RSS,
and the machine's load average sampled during each timed part (other work on the machine
slows one side more than the other: the ratio is meaningful only beside it). With several
runs, the medians.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from bench.generate import generate_school

UAJ = "0691234X"
FIRST_DAY = date(2025, 9, 15)
NEXT_YEAR_DAY = date(2026, 9, 15)
#: Web-service functions that change the site.
WRITE_FUNCTIONS = frozenset({
    "core_user_create_users", "core_user_update_users", "core_user_delete_users",
    "core_cohort_create_cohorts", "core_cohort_add_cohort_members",
    "core_cohort_delete_cohort_members", "core_role_assign_roles", "core_role_unassign_roles",
})


# -- the machine's load ------------------------------------------------------------------------


@contextmanager
def load_watch(every: float = 1.0) -> Iterator[dict[str, float]]:
    """Sample the 1-minute load average while the block runs: ``mean`` and ``max`` then."""
    samples = [os.getloadavg()[0]]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            samples.append(os.getloadavg()[0])

    figures: dict[str, float] = {}
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        yield figures
    finally:
        stop.set()
        watcher.join()
        figures.update(mean=statistics.fmean(samples), max=max(samples))


def _load(figures: dict[str, float]) -> str:
    return f"load {figures['mean']:.1f} (max {figures['max']:.1f})"


# -- the lab ---------------------------------------------------------------------------------


def lab_env(lab: Path) -> dict[str, str]:
    """The lab's env file (``export KEY='value'`` lines) as a dict."""
    env: dict[str, str] = {}
    for line in (lab / "env").read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


def reset(lab: Path) -> None:
    """A clean site, password policy off."""
    subprocess.run(["bash", str(lab / "bin" / "reset.sh"), "--relaxed-passwords"], check=True,
                   env={**os.environ, "CPRO_MOODLE_DIR": str(lab)}, capture_output=True)


def site_counts(env: dict[str, str]) -> dict[str, int]:
    """What the site's own database holds (psql), beyond the clean lab's 3 users."""
    queries = {
        "users": "select count(*) from mdl_user where deleted = 0 and id > 3",
        "cohorts": "select count(*) from mdl_cohort",
        "memberships": "select count(*) from mdl_cohort_members",
        "parent links": "select count(*) from mdl_role_assignments ra join mdl_context c "
                        "on c.id = ra.contextid where c.contextlevel = 30",
    }
    out = {}
    for name, sql in queries.items():
        reply = subprocess.run(["psql", env["CPRO_MOODLE_DB_URL"], "-Atc", sql], check=True,
                               capture_output=True, text=True)
        out[name] = int(reply.stdout.strip())
    return out


# -- Moodle's CLI upload -----------------------------------------------------------------------


def upload_csv(plan: Any, dest: Path, noemail_domain: str = "noemail.invalid") -> int:
    """Write the CSV ``uploaduser.php`` reads: our plan's accounts and cohort memberships.

    E-mails follow the adapter's rule (missing or already used: a placeholder), so both
    sides create the same accounts. :returns: the number of memberships written.
    """
    from cpro_siecle_plugin.sync.plan import AddMember, CreateCohort, CreateUser

    idnumbers = {a.cohort_key: a.idnumber for a in plan.actions if isinstance(a, CreateCohort)}
    cohorts: dict[str, list[str]] = {}
    for a in plan.actions:
        if isinstance(a, AddMember):
            cohorts.setdefault(a.person_key, []).append(idnumbers[a.cohort_key])
    width = max((len(v) for v in cohorts.values()), default=0)
    used: set[str] = set()
    with dest.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["username", "password", "firstname", "lastname", "email", "idnumber",
                         "auth"] + [f"cohort{i + 1}" for i in range(width)])
        for a in plan.actions:
            if not isinstance(a, CreateUser):
                continue
            email = (a.email or "").strip()
            if not email or email.lower() in used:
                email = f"{a.username}@{noemail_domain}"
            used.add(email.lower())
            writer.writerow([a.username, a.password, a.firstname, a.lastname, email,
                             a.idnumber, "manual"]
                            + (cohorts.get(a.person_key, []) + [""] * width)[:width])
    dest.chmod(0o644)
    return sum(len(v) for v in cohorts.values())


def cli_upload(lab: Path, csv_path: Path) -> tuple[float, dict[str, float]]:
    """Run Moodle's CLI upload as www-data in the lab's code folder; returns seconds and
    the load average meanwhile."""
    command = ["runuser", "-u", "www-data", "--", "php",
               str(lab / "moodle/admin/tool/uploaduser/cli/uploaduser.php"),
               f"--file={csv_path}", "--delimiter_name=comma", "--encoding=UTF-8",
               "--uutype=0", "--uupasswordnew=0", "--uuforcepasswordchange=2",
               "--uustandardusernames=0"]
    with load_watch() as load:
        start = time.perf_counter()
        reply = subprocess.run(command, cwd=lab / "moodle", capture_output=True, text=True)
        elapsed = time.perf_counter() - start
    if reply.returncode:
        raise RuntimeError(f"uploaduser.php failed: {reply.stdout[-2000:]} {reply.stderr[-2000:]}")
    return elapsed, load


def create_cost(lab: Path, accounts: int = 100) -> None:
    """Moodle's own cost of one account, step by step, on the web service's path beside the
    CLI upload's (``bench/moodle_create_cost.php``, as www-data; the site is reset after)."""
    script = Path(__file__).resolve().with_name("moodle_create_cost.php")
    reset(lab)
    reply = subprocess.run(["runuser", "-u", "www-data", "--", "php", str(script),
                            str(lab / "moodle"), str(accounts)], cwd=lab / "moodle",
                           capture_output=True, text=True, check=True)
    reset(lab)
    print(f"Moodle's cost per account, sequential ({accounts} accounts; load "
          f"{os.getloadavg()[0]:.1f}):\n{reply.stdout.rstrip()}")


# -- our import, in a child process ----------------------------------------------------------


def child(args: dict[str, Any]) -> dict[str, Any]:
    """One import through the service, as ``cpro-siecle apply`` does; returns its figures."""
    if args.get("trace"):
        tracemalloc.start()
    from cpro_siecle_plugin.adapters.factory import make_host
    from cpro_siecle_plugin.config import settings_from_mapping
    from cpro_siecle_plugin.service import SiecleService
    from cpro_siecle_plugin.siecle.archive import InputFile
    from cpro_siecle_plugin.store import Ledger

    settings = settings_from_mapping({
        "CPRO_SIECLE_HOST": "moodle", "CPRO_SIECLE_SECRET": "bench",
        "CPRO_SIECLE_MOODLE_URL": args["url"], "CPRO_SIECLE_MOODLE_TOKEN": args["token"],
        "CPRO_SIECLE_MOODLE_PARENT_ROLE": args["role"],
        "CPRO_SIECLE_DATABASE_URL": f"sqlite:///{args['ledger']}",
        "CPRO_SIECLE_MOODLE_CONCURRENCY": args["concurrency"],
        "CPRO_SIECLE_BATCH_SIZE": args["batch"], "CPRO_SIECLE_MOODLE_TIMEOUT": 300.0,
    }, environ={})
    ledger = Ledger(settings.database_url)
    host = make_host(settings)
    service = SiecleService(settings, ledger, host, today=date.fromisoformat(args["today"]))
    inputs = [InputFile(Path(p), Path(p).name) for p in args["files"]]
    start = time.perf_counter()
    preview = service.preview(inputs, "bench")
    previewed = time.perf_counter()
    before = Counter(host.ws_calls)
    plan_id, checksum = preview.plan_id, preview.checksum
    actions, counts = len(preview.plan.actions), preview.plan.counts()
    del preview  # as ``cpro-siecle apply`` does: apply reads the plan back from the ledger
    outcome = service.apply(plan_id, checksum, "bench", force=True)
    end = time.perf_counter()
    ws = dict(host.ws_calls)
    figures = {
        "preview_s": previewed - start, "apply_s": end - previewed, "total_s": end - start,
        "actions": actions, "counts": counts,
        "done": len(outcome.done_keys), "failed": len(outcome.failed),
        "failures": dict(list(outcome.failed.items())[:5]), "ws_calls": ws,
        "apply_ws_calls": dict(Counter(ws) - before), "timings": outcome.timings,
        "retries": dict(getattr(getattr(host, "rest", None), "retried", {})),
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if args.get("trace"):
        figures["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    ledger.close()
    return figures


def run_child(args: dict[str, Any]) -> dict[str, Any]:
    """:func:`child` in a fresh interpreter (its own peak RSS), with the load meanwhile."""
    with load_watch() as load:
        reply = subprocess.run([sys.executable, "-m", "bench.bench_moodle_lab", "--child",
                                json.dumps(args)], capture_output=True, text=True,
                               cwd=Path(__file__).resolve().parent.parent)
    if reply.returncode:
        raise RuntimeError(f"import failed: {reply.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(reply.stdout.strip().splitlines()[-1])
    figures["load"] = load
    return figures


# -- the run ---------------------------------------------------------------------------------


def _plan(files: dict[str, Path]) -> Any:
    """Our first import's plan (empty ledger), computed here for the CLI's CSV."""
    from cpro_siecle_plugin.config import Settings
    from cpro_siecle_plugin.siecle.analyse import analyse_files
    from cpro_siecle_plugin.siecle.archive import InputFile
    from cpro_siecle_plugin.store import Ledger
    from cpro_siecle_plugin.sync.planner import compute_plan

    settings = Settings(secret="bench", moodle_parent_role="9")
    analysis = analyse_files([InputFile(p, p.name) for p in files.values()], today=FIRST_DAY,
                             settings=settings)
    analysis.raise_for_errors()
    assert analysis.snapshot is not None
    ledger = Ledger("sqlite://")
    plan = compute_plan(analysis.snapshot, ledger.load_state(UAJ), FIRST_DAY, settings)
    ledger.close()
    return plan


def _print_import(label: str, f: dict[str, Any]) -> None:
    ws = f["ws_calls"]
    writes = sum(n for fn, n in ws.items() if fn in WRITE_FUNCTIONS)
    apply_writes = sum(n for fn, n in f["apply_ws_calls"].items() if fn in WRITE_FUNCTIONS)
    print(f"{label}: {f['total_s']:.1f} s (preview {f['preview_s']:.1f} s, apply + report "
          f"{f['apply_s']:.1f} s), {f['actions']} actions {f['counts']}, done {f['done']}, "
          f"failed {f['failed']}{' ' + str(f['failures']) if f['failed'] else ''}; "
          f"{_load(f['load'])}")
    steps = f.get("timings") or {}
    if steps:
        print("  apply by kind: " + ", ".join(f"{k} {t:.1f} s" for k, t in steps.items())
              + f"; other (preflight, report, ledger) {f['apply_s'] - sum(steps.values()):.1f} s")
    if f.get("retries"):
        print(f"  requests repeated after a transient failure: {f['retries']}")
    print(f"  peak RSS {f['maxrss_mb']:.0f} MB"
          + (f", traced peak {f['traced_peak_mb']:.0f} MB" if "traced_peak_mb" in f else "")
          + f"; requests {sum(ws.values())}, of which write {writes} "
          f"(apply: {sum(f['apply_ws_calls'].values())}, write {apply_writes})")
    for function, n in sorted(ws.items()):
        mark = " (write)" if function in WRITE_FUNCTIONS else ""
        print(f"    {function:<40}{n:>6}{mark}")


def run(lab: Path, students: int, concurrency: list[int], batch: int, repeat: int,
        trace: bool, first_only: bool = False) -> list[dict[str, Any]]:
    """CLI upload then our imports, ``repeat`` times; returns each run's figures."""
    env = lab_env(lab)
    results = []
    with tempfile.TemporaryDirectory(prefix="cpro-bench-") as tmp:
        Path(tmp).chmod(0o755)  # www-data reads the CSV
        staff = max(10, students * 3 // 40)
        first = generate_school(Path(tmp) / "first", n_students=students,
                                n_guardians=2 * students, n_staff=staff, uaj=UAJ)
        later = generate_school(Path(tmp) / "next", n_students=students,
                                n_guardians=2 * students, n_staff=staff, uaj=UAJ, year=2026,
                                drop_students=0.33, extra_students=students // 3,
                                move_students=0.10)
        plan = _plan(first)
        members = upload_csv(plan, Path(tmp) / "upload.csv")
        accounts = plan.counts().get("create_user", 0)
        del plan
        base = {"url": env["CPRO_SIECLE_MOODLE_URL"], "token": env["CPRO_SIECLE_MOODLE_TOKEN"],
                "role": env["CPRO_SIECLE_MOODLE_PARENT_ROLE"], "batch": batch, "trace": trace}
        print(f"School: {students} students, {accounts} accounts, {members} memberships; "
              f"concurrency {','.join(map(str, concurrency))}, batch "
              f"{'per function' if not batch else batch}; lab {env['CPRO_SIECLE_MOODLE_URL']} "
              f"({env.get('CPRO_MOODLE_RELEASE', '?')}); {os.cpu_count()} CPUs")
        for n in range(repeat):
            print(f"--- run {n + 1}/{repeat}", flush=True)
            reset(lab)
            cli, cli_load = cli_upload(lab, Path(tmp) / "upload.csv")
            print(f"Moodle CLI upload (accounts + memberships): {cli:.1f} s, {_load(cli_load)}; "
                  f"site: {site_counts(env)}", flush=True)
            for c in concurrency:
                reset(lab)
                ledger = Path(tmp) / f"ledger{n}-{c}.sqlite3"
                common = {**base, "ledger": str(ledger), "concurrency": c}
                ours = run_child({**common, "files": [str(p) for p in first.values()],
                                  "today": FIRST_DAY.isoformat()})
                _print_import(f"Our first import, concurrency {c} (cohorts, accounts, "
                              "memberships, guardian links)", ours)
                print(f"  site: {site_counts(env)}")
                print(f"  RATIO ours / CLI: {ours['total_s'] / cli:.2f} (apply alone "
                      f"{ours['apply_s'] / cli:.2f})", flush=True)
                figures: dict[str, Any] = {"cli_s": cli, "cli_load": cli_load, "first": ours,
                                           "concurrency": c}
                if not first_only:
                    same = run_child({**common, "files": [str(p) for p in first.values()],
                                      "today": FIRST_DAY.isoformat()})
                    _print_import("No-change re-import", same)
                    year = run_child({**common, "files": [str(p) for p in later.values()],
                                      "today": NEXT_YEAR_DAY.isoformat()})
                    _print_import("Year change", year)
                    print(f"  site: {site_counts(env)}", flush=True)
                    figures.update(same=same, year=year)
                results.append(figures)
    _print_medians(results)
    return results


def _print_medians(results: list[dict[str, Any]]) -> None:
    """Per concurrency: each run's ratio, their median, peak RSS and load averages."""
    for c in sorted({r["concurrency"] for r in results}):
        mine = [r for r in results if r["concurrency"] == c]
        ratios = [r["first"]["total_s"] / r["cli_s"] for r in mine]
        print(f"SUMMARY concurrency {c}: ratio ours / CLI "
              f"{', '.join(f'{x:.2f}' for x in ratios)} (median "
              f"{statistics.median(ratios):.2f}); first import "
              f"{statistics.median(r['first']['total_s'] for r in mine):.1f} s, CLI "
              f"{statistics.median(r['cli_s'] for r in mine):.1f} s (medians); peak RSS "
              f"{max(r['first']['maxrss_mb'] for r in mine):.0f} MB (max); load during ours "
              f"{statistics.median(r['first']['load']['mean'] for r in mine):.1f}, during the "
              f"CLI {statistics.median(r['cli_load']['mean'] for r in mine):.1f} (medians)")


def main(argv: list[str] | None = None) -> None:
    """Entry point (``python -m bench moodle-lab``); settings from the command line or env."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", type=Path, default=os.environ.get("CPRO_MOODLE_DIR"))
    parser.add_argument("--students", type=int,
                        default=int(os.environ.get("BENCH_STUDENTS", "4000")))
    parser.add_argument("--concurrency", default=os.environ.get("BENCH_CONCURRENCY", "4"),
                        help="requests in flight; several (1,2,4) make a sweep")
    parser.add_argument("--batch", type=int, default=int(os.environ.get("BENCH_BATCH", "0")),
                        help="records per request for every function (0: per function)")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "1")))
    parser.add_argument("--trace", action="store_true", help="tracemalloc in the imports")
    parser.add_argument("--first-only", action="store_true",
                        default=bool(os.environ.get("BENCH_FIRST_ONLY")),
                        help="only the first import (no re-import, no year change)")
    parser.add_argument("--create-cost", action="store_true",
                        help="only Moodle's cost per account, step by step (WS beside CLI)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None and __name__ == "__main__" else argv
                             or [])
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    if not args.lab or not (Path(args.lab) / "env").is_file():
        print("Skipped: no Moodle lab (set CPRO_MOODLE_DIR to a lab folder made by "
              "../shared/moodle/setup.sh, e.g. CPRO_MOODLE_DIR=/var/tmp/cpro-moodle-h2).")
        return
    if args.create_cost:
        create_cost(Path(args.lab))
        return
    run(Path(args.lab), args.students, [int(c) for c in str(args.concurrency).split(",")],
        args.batch, args.repeat, args.trace, args.first_only)


if __name__ == "__main__":
    main()
