"""CPU seconds used on this machine, by role (web, worker, PostgreSQL, Redis, the bench).

Read from ``/proc`` (Linux): each process's user + system time, classed by its command
line. Two readings taken around a timed part give where its CPU went — on a small machine
the question a slower run raises first. Processes gone between the readings are not counted.
"""

from __future__ import annotations

import os
from pathlib import Path

ROLES = (("gunicorn", "web"), ("celery", "worker"), ("postgres", "postgres"),
         ("redis-server", "redis"))
TICK = os.sysconf("SC_CLK_TCK")


def _role(pid: int, cmdline: str) -> str:
    if pid == os.getpid():
        return "bench"
    return next((role for needle, role in ROLES if needle in cmdline), "other")


def cpu_by_pid() -> dict[int, tuple[str, float]]:
    """Every process's role and CPU seconds so far."""
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                "utf-8", "replace")
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[int(entry.name)] = (_role(int(entry.name), cmdline),
                                  (int(fields[11]) + int(fields[12])) / TICK)
    return found


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
             seconds: float) -> str:
    """``web 12.0 s (0.20 core), worker …`` between two :func:`cpu_by_pid` readings."""
    used: dict[str, float] = {}
    for pid, (role, total) in after.items():
        start = before.get(pid, (role, 0.0))[1]
        used[role] = used.get(role, 0.0) + total - start
    return ", ".join(f"{role} {s:.0f} s ({s / seconds:.2f} core)"
                     for role, s in sorted(used.items(), key=lambda item: -item[1]) if s >= 0.5)
