"""Benchmark: a 4,000-pupil import on the deployed platform, unloaded then under 20 clients.

``python -m bench load``. Runs the README's deployment on loopback (3 gunicorn workers, one
Celery worker, Redis, a private PostgreSQL: ``tests.servers.deployed_platform``): the web
workers only enqueue the import and read its state, the Celery worker runs it. It imports a
school's staff then its 4,000 pupils and 8,000 guardians (``bench/generate.py``) with no
other client, then a second school the same way while 20 logged-in clients use the site.

Client think time (each client, its own random draws): it polls the import's status page
every 1 to 2 s (uniform), as the progress page does, and every 3 to 7 s it opens a page, in
turn the history and the login list (first page). Prints both import times (target: loaded
≤ 1.2× unloaded), the pages' p50/p95 (target: status p95 < 200 ms) and the load average:
on a shared 2-core machine, run it two or three times and take the median. Loops are bounded
(``BENCH_LOAD_MINUTES``, default 30); sizes: ``BENCH_LOAD_PUPILS`` (4000),
``BENCH_LOAD_CLIENTS`` (20).
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.cpu import cpu_by_pid, cpu_used
from bench.generate import generate_school
from tests.servers import deployed_platform, postgres_cluster

BASE = "/admin/cpro-siecle"


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "no CSRF token"
    return found.group(1)


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
    assert found, f"no field {name}"
    return found.group(1)


def _login(url: str) -> requests.Session:
    session = requests.Session()
    token = _token(session.get(f"{url}/login", timeout=60).text)
    session.post(f"{url}/login", data={"csrf_token": token, "username": "admin",
                                       "password": "admin"}, timeout=60)
    return session


def _start_import(session: requests.Session, url: str, page: str, files: dict[str, Path],
                  new_school: bool = False) -> str:
    """Preview ``files`` on ``page`` (confirming a ``new_school``: every school after the
    platform's first) and confirm; returns the job's status URL."""
    token = _token(session.get(f"{url}{BASE}/{page}/", timeout=60).text)
    uploads = {k: (p.name, p.read_bytes()) for k, p in files.items()}
    fields = {"csrf_token": token, **({"new_school": "y"} if new_school else {})}
    preview = session.post(f"{url}{BASE}/{page}/", data=fields, files=uploads,
                           timeout=600).text
    data = {"csrf_token": _token(preview), "plan_id": _hidden(preview, "plan_id"),
            "checksum": _hidden(preview, "checksum")}
    confirmed = session.post(f"{url}{BASE}/import/", data=data, allow_redirects=False, timeout=60)
    return f"{url}{confirmed.headers['Location']}/status"


def _wait(session: requests.Session, status_url: str, deadline: float) -> float:
    start = time.perf_counter()
    while time.monotonic() < deadline:
        try:
            state = session.get(status_url, timeout=60).json()["state"]
        except requests.ConnectionError:  # a web worker restarting: ask another one
            time.sleep(0.5)
            continue
        if state != "running":
            assert state == "done", state
            return time.perf_counter() - start
        time.sleep(0.5)
    raise TimeoutError("import not finished in time")


#: Seconds between two polls of the status page, and between two other pages (uniform).
POLL_EVERY = (1.0, 2.0)
BROWSE_EVERY = (3.0, 7.0)


def _client(url: str, status_url: str, stop: threading.Event,
            timings: dict[str, list[float]], seed: int) -> None:
    """One logged-in admin: polls ``status_url``, browses a page now and then (see above)."""
    draw = random.Random(seed)
    session = _login(url)
    pages = [("history", f"{url}{BASE}/historique/"), ("logins", f"{url}{BASE}/identifiants/")]
    next_poll = time.monotonic() + draw.uniform(*POLL_EVERY)
    next_page = time.monotonic() + draw.uniform(*BROWSE_EVERY)
    turn = 0
    while not stop.wait(max(0.0, min(next_poll, next_page) - time.monotonic())):
        if next_poll <= next_page:
            name, page = "status", status_url
            next_poll = time.monotonic() + draw.uniform(*POLL_EVERY)
        else:
            name, page = pages[turn % len(pages)]
            turn += 1
            next_page = time.monotonic() + draw.uniform(*BROWSE_EVERY)
        start = time.perf_counter()
        try:
            session.get(page, timeout=120).raise_for_status()
        except requests.RequestException:
            timings["failed"].append(0.0)
        else:
            timings[name].append(time.perf_counter() - start)


def _percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms ({len(values)} requests)"


def main() -> None:
    pupils = int(os.environ.get("BENCH_LOAD_PUPILS", "4000"))
    clients = int(os.environ.get("BENCH_LOAD_CLIENTS", "20"))
    deadline = time.monotonic() + 60 * float(os.environ.get("BENCH_LOAD_MINUTES", "30"))
    with tempfile.TemporaryDirectory() as tmp, postgres_cluster() as cluster, \
            deployed_platform(Path(tmp), cluster) as platform:
        url = str(platform["url"])
        admin = _login(url)
        times = []
        for index, uaj in enumerate(("0690001A", "0690002B")):
            school = generate_school(Path(tmp) / uaj, n_students=pupils, n_guardians=pupils * 2,
                                     n_staff=120, uaj=uaj, seed=index + 1)
            _wait(admin, _start_import(admin, url, "enseignants", {"sts": school["sts"]},
                                      new_school=index > 0),
                  deadline)
            status_url = _start_import(admin, url, "apprenants", {
                "eleves": school["eleves"], "responsables": school["responsables"]})
            stop, threads = threading.Event(), []
            timings: dict[str, list[float]] = {"status": [], "history": [], "logins": [],
                                               "failed": []}
            if index == 1:
                threads = [threading.Thread(target=_client,
                                            args=(url, status_url, stop, timings, seed))
                           for seed in range(clients)]
                for thread in threads:
                    thread.start()
            before = cpu_by_pid()
            times.append(_wait(admin, status_url, deadline))
            used = cpu_used(before, cpu_by_pid(), times[-1])
            stop.set()
            for thread in threads:
                thread.join(120)
            label = "unloaded" if index == 0 else f"with {clients} clients"
            print(f"  import of {pupils} pupils and their guardians, {label}: {times[-1]:.1f} s")
            print(f"  CPU meanwhile: {used}")
            if index == 1:
                for name in ("status", "history", "logins"):
                    print(f"  {name:<8} {_percentiles(timings[name])}")
                print(f"  failed requests: {len(timings['failed'])}")
        print(f"  ratio {times[1] / times[0]:.2f}× (target ≤ 1.2×); think time: status every "
              f"{POLL_EVERY[0]:g}-{POLL_EVERY[1]:g} s, a page every {BROWSE_EVERY[0]:g}-"
              f"{BROWSE_EVERY[1]:g} s; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
