"""Who holds a lock, and whether that process is still alive.

A lock records the identity of the process that took it: machine name, a node id (boot id
and PID namespace, so two containers with one host name are told apart), PID and the
process's start time (so a recycled PID is not taken for the holder). A lock whose holder
ran on this node and is gone is stale at once; otherwise only its heartbeat tells.
"""

from __future__ import annotations

import hashlib
import os
import socket
from functools import cache
from pathlib import Path

#: Separator of the identity's fields (``host|node|pid|start``).
SEP = "|"


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except OSError:
        return ""


@cache
def node_id() -> str:
    """This machine's boot and PID namespace, hashed (``""`` parts where unknown)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    raw = f"{_read('/proc/sys/kernel/random/boot_id')}:{namespace}:{socket.gethostname()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _start_time(pid: int) -> str | None:
    """Start time of ``pid`` in clock ticks since boot, ``None`` if gone or a zombie."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None if Path("/proc/self/stat").exists() else ""
    fields = stat.rsplit(")", 1)[-1].split()
    if fields and fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
        return None
    return fields[19] if len(fields) > 19 else ""


def process_identity() -> str:
    """The identity of the current process, as stored with a lock."""
    pid = os.getpid()
    return SEP.join((socket.gethostname(), node_id(), str(pid), _start_time(pid) or ""))


def describe(identity: str | None) -> str:
    """French description of a holder: « machine m, processus n° p »."""
    parts = (identity or "").split(SEP)
    if len(parts) != 4:
        return ""
    return f"machine {parts[0]}, processus n° {parts[2]}"


def is_gone(identity: str | None) -> bool:
    """Whether the process behind ``identity`` ran on this node and no longer runs.

    ``False`` when it cannot be told (another machine, an unknown format): the heartbeat
    decides then.
    """
    parts = (identity or "").split(SEP)
    if len(parts) != 4 or parts[1] != node_id() or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, owned by another user
    start = _start_time(pid)
    if start is None:
        return True
    return bool(parts[3] and start and start != parts[3])  # the PID now names another process
