"""CPU time of a process and its descendants, from /proc: what a scenario cost each side.

Counts the tree's live processes and, through each one's cutime/cstime, the children it has
already reaped, so PostgreSQL backends that exit during a run (one per request for the seed's
service) are still counted by their postmaster.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _stat_times(pid: int) -> int:
    """utime + stime + cutime + cstime of one process, in clock ticks (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    # The command name may hold spaces and parentheses: the fields start after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15])


def children(pid: int) -> list[int]:
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return []
    return [int(child) for child in listed]


def tree_cpu_s(pid: int) -> float:
    """Seconds of CPU the process and its descendants have used so far."""
    ticks, pending = 0, [pid]
    while pending:
        current = pending.pop()
        ticks += _stat_times(current)
        pending += children(current)
    return ticks / TICKS_PER_S


def postmaster_pid(pg_data: Path) -> int | None:
    """The running postmaster of a data directory (first line of postmaster.pid)."""
    try:
        return int((pg_data / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return None
