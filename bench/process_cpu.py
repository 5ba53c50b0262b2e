"""CPU seconds each process on the machine spent between two snapshots (Linux /proc), by name.

A benchmark takes a snapshot before and after a run; `spent` gives the CPU seconds of each named
process (a pid given a name, e.g. ``rasa-1``; other processes grouped by their command, e.g.
``postgres``), plus what processes that came and went in between used (``short-lived``: the machine's
total from /proc/stat less what the named and grouped processes account for) and the idle time of
all cores. It says where a machine's cores go during a burst, which ``top`` shows only as a glance.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Snapshot:
    """CPU ticks per pid (with its command name) and the machine's busy and idle ticks."""

    per_pid: dict[int, tuple[str, int]]
    busy: int
    idle: int


def _machine() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
    idle = fields[3] + fields[4]
    busy = sum(fields[:8]) - idle
    return busy, idle


def _process(pid: int | str) -> tuple[str, int] | None:
    """A process's command name and CPU ticks (user + system, all threads); None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw[raw.rindex(")") + 2 :].split()
    return raw[raw.index("(") + 1 : raw.rindex(")")], int(rest[11]) + int(rest[12])  # utime, stime (fields 14, 15)


def snapshot() -> Snapshot:
    """The CPU ticks every process has used so far."""
    per_pid: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _process(entry.name)) is not None:
            per_pid[int(entry.name)] = found
    busy, idle = _machine()
    return Snapshot(per_pid, busy, idle)


def spent(before: Snapshot, after: Snapshot, names: dict[int, str]) -> dict[str, float]:
    """CPU seconds per process name between the snapshots, with ``short-lived`` and ``idle``.

    `names`: pids to report under their own name; every other process is grouped by its command.
    A pid seen only in `after` counts from zero (it started in between).
    """
    by_name: dict[str, float] = {}
    for pid, (comm, ticks) in after.per_pid.items():
        previous = before.per_pid.get(pid)
        used = ticks - (previous[1] if previous and previous[0] == comm else 0)
        if used <= 0:
            continue
        name = names.get(pid, comm)
        by_name[name] = by_name.get(name, 0.0) + used / TICKS
    accounted = sum(by_name.values())
    by_name["short-lived"] = max(0.0, (after.busy - before.busy) / TICKS - accounted)
    by_name["idle"] = (after.idle - before.idle) / TICKS
    return by_name


def describe(seconds: dict[str, float], messages: int, top: int = 10) -> str:
    """One line: CPU milliseconds per message of the heaviest processes, short-lived ones and idle."""
    fixed = {"short-lived", "idle"}
    heavy = sorted(((v, k) for k, v in seconds.items() if k not in fixed), reverse=True)[:top]
    parts = [f"{name} {1000 * value / messages:.0f}" for value, name in heavy]
    parts += [f"{name} {1000 * seconds.get(name, 0.0) / messages:.0f}" for name in ("short-lived", "idle")]
    return "CPU ms per message: " + ", ".join(parts)


def cpu_seconds(pid: int) -> float:
    """CPU seconds a process (all its threads) has used so far (0 when it is gone)."""
    found = _process(pid)
    return found[1] / TICKS if found is not None else 0.0


def wait_until_quiet(pids: list[int] | None = None, *, below: float = 0.1, window: float = 2.0,
                     timeout: float = 180.0) -> float:
    """Wait until these processes (None: the whole machine) use less than `below` of a core over `window` s.

    A server is in its steady state once the work of its start is over (e.g. a Rasa server building
    TED's network in the background): a benchmark measures from there. Returns the seconds waited.
    """
    def used() -> float:
        return sum(cpu_seconds(pid) for pid in pids) if pids is not None else _machine()[0] / TICKS

    start = time.monotonic()
    before = used()
    while time.monotonic() - start < timeout:
        time.sleep(window)
        now = used()
        if now - before < below * window:
            break
        before = now
    return time.monotonic() - start
