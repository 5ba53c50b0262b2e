"""Profile: where a turn's time goes, in the Rasa server and the action server (py-spy, sampling).

Starts the project as `bench/turn_latency.py` does (its model, its action server, SQLite tracker store
and information database in a temporary directory), sends `--messages` texts one at a time, each a new
conversation, while py-spy samples both processes (CPU only: waiting is not counted). Prints, for each
process, the share of its samples spent in each of the heaviest functions (inclusive, their callees
counted) among Rasa's, the project's and the libraries' frames, so a change that removes per-turn work
shows as a smaller share. Run: `python bench/profile_turn.py [--messages 300] [--model FILE] [--top 30]`.
py-spy (requirements-dev.txt) needs the permission to read another process's memory (root here).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from turn_latency import burst, rasa_process  # noqa: E402

from bench.process_cpu import wait_until_quiet  # noqa: E402
from bot.infodb.content import import_bundle, load_bundle  # noqa: E402
from bot.infodb.schema import CONTENT_DIR, migrate  # noqa: E402
from bot.infodb.session import engine_for, session_scope  # noqa: E402
from bot.tools.action_server import free_port  # noqa: E402


def _py_spy() -> str:
    found = Path(sys.executable).parent / "py-spy"
    return str(found) if found.exists() else "py-spy"


def summarise(collapsed: Path, top: int) -> list[tuple[float, str]]:
    """Inclusive share of samples per function (a function counted once per stack) from py-spy's raw output."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        for frame in {f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0] + ")" for f in stack.split(";")
                      if " (" in f}:
            inclusive[frame] += samples
    return [(n / total, name) for name, n in inclusive.most_common(top)] if total else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--model", help="the project's model (default: the full model, trained if needed)")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    model = Path(args.model) if args.model else ROOT / subprocess.run(
        ["scripts/train.sh", "full"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip().splitlines()[-1]
    with tempfile.TemporaryDirectory() as directory:
        info_url = f"sqlite:///{directory}/info.db"
        migrate(info_url)
        with session_scope(engine_for(info_url)) as session:
            import_bundle(session, load_bundle(CONTENT_DIR, date.today()))
        port = free_port()
        actions = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)], cwd=ROOT,
            env={**os.environ, "SANIC_HOST": "127.0.0.1", "DATABASE_URL": info_url},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = {**os.environ, "DATABASE_URL": info_url, "TRACKER_DATABASE_URL": f"sqlite:///{directory}/tracker.db",
               "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{port}/webhook"}
        try:
            with rasa_process(model, ROOT, env, ROOT / "endpoints.yml") as (url, rasa):
                asyncio.run(burst(url, 1, 10))  # warm up: first turns load lazily
                wait_until_quiet([rasa.pid, actions.pid])  # steady state: TED's network is built in the background
                spies = {
                    name: (out := Path(directory) / f"{name}.txt", subprocess.Popen(
                        [_py_spy(), "record", "--format", "raw", "--rate", "250", "--nonblocking", "--pid",
                         str(pid), "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                    for name, pid in (("rasa", rasa.pid), ("actions", actions.pid))
                }
                time.sleep(1)
                timings, seconds = asyncio.run(burst(url, 1, args.messages))
                for _, spy in spies.values():
                    spy.send_signal(signal.SIGINT)
                for _, spy in spies.values():
                    spy.wait(timeout=60)
        finally:
            actions.terminate()
            actions.wait(timeout=10)
        print(f"profile of {len(timings)} turns ({seconds:.1f} s, {1000 * seconds / len(timings):.0f} ms a turn), "
              "share of each process's CPU samples by function, callees included:")
        for name, (out, _) in spies.items():
            print(f"\n{name}:")
            for share, frame in summarise(out, args.top):
                print(f"  {100 * share:5.1f}%  {frame}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
