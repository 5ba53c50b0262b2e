"""Run the real action server on a free local port (for the test suite and the answer evaluation)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from bot.settings import PROJECT_ROOT

START_SECONDS = 60


class ActionServerError(RuntimeError):
    """The action server did not start."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_action_server(database_url: str) -> Iterator[str]:
    """Start ``rasa_sdk`` over an information database; yield its webhook URL; stop it."""
    port = free_port()
    env = {**os.environ, "SANIC_HOST": "127.0.0.1", "DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + START_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise ActionServerError("the action server did not start") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
