"""supervisord event listener: keeps `<dir>/<name>.pid` equal to each program's pid (0 unless running).

scripts/cluster.sh runs it as an ``[eventlistener]`` on the PROCESS_STATE events, so a pid file
changes when supervisord starts, restarts or stops a program, and nothing runs in between (a
polling loop of `supervisorctl status` cost a Python start a second). The protocol is supervisord's
own (``supervisor.childutils.listener``): stdout belongs to supervisord, so nothing else is printed.

    python -m bot.tools.cluster_pids DIR
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from supervisor import childutils

RUNNING = "PROCESS_STATE_RUNNING"


def write_pid(directory: Path, name: str, pid: int) -> None:
    """Replace `<directory>/<name>.pid` at once (a reader never sees it half-written)."""
    temporary = directory / f"{name}.pid.tmp"
    temporary.write_text(f"{pid}\n", encoding="utf-8")
    os.replace(temporary, directory / f"{name}.pid")


def pid_for(event: str, payload: str) -> tuple[str, int] | None:
    """The program and the pid its file should hold after a state event (None: not a process event)."""
    if not event.startswith("PROCESS_STATE_"):
        return None
    fields, _, _ = payload.partition("\n")
    values = dict(token.split(":", 1) for token in fields.split() if ":" in token)
    name = values.get("processname")
    if not name:
        return None
    return name, int(values["pid"]) if event == RUNNING and values.get("pid", "").isdigit() else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    directory = Path(argv[0])
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        try:
            found = pid_for(headers.get("eventname", ""), payload)
            if found is not None:
                write_pid(directory, *found)
        except (OSError, ValueError) as err:  # a pid file not written must not stop the listener
            print(f"pid file not written: {type(err).__name__}", file=sys.stderr, flush=True)
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
