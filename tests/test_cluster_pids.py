"""The cluster's pid files follow supervisord's process state events (bot/tools/cluster_pids.py).

The listener runs as supervisord runs it: a separate process speaking supervisord's event listener
protocol on stdin and stdout (READY, a header line with the payload's length, RESULT 2 OK).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("supervisor", reason="requirements-cluster.txt (scripts/cluster.sh installs it)")


def _event(listener: subprocess.Popen[bytes], name: str, payload: str) -> None:
    assert listener.stdout is not None and listener.stdin is not None
    assert listener.stdout.readline() == b"READY\n"
    body = payload.encode()
    header = (f"ver:3.0 server:supervisor serial:1 pool:pids poolserial:1 eventname:{name} len:{len(body)}\n").encode()
    listener.stdin.write(header + body)
    listener.stdin.flush()
    assert listener.stdout.readline() == b"RESULT 2\n"
    assert listener.stdout.read(2) == b"OK"


def test_a_pid_file_holds_the_running_pid_and_zero_once_the_process_exits(tmp_path: Path) -> None:
    listener = subprocess.Popen([sys.executable, "-m", "bot.tools.cluster_pids", str(tmp_path)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        _event(listener, "PROCESS_STATE_STARTING", "processname:rasa-1 groupname:rasa-1 from_state:STOPPED tries:0")
        assert (tmp_path / "rasa-1.pid").read_text() == "0\n"
        _event(listener, "PROCESS_STATE_RUNNING", "processname:rasa-1 groupname:rasa-1 from_state:STARTING pid:4242")
        assert (tmp_path / "rasa-1.pid").read_text() == "4242\n"
        _event(listener, "PROCESS_STATE_EXITED",
               "processname:rasa-1 groupname:rasa-1 from_state:RUNNING expected:0 pid:4242")
        assert (tmp_path / "rasa-1.pid").read_text() == "0\n"
        _event(listener, "TICK_5", "when:1700000000")  # not a process event: nothing written, still acknowledged
        assert sorted(p.name for p in tmp_path.iterdir()) == ["rasa-1.pid"]
    finally:
        listener.kill()
        listener.wait()
