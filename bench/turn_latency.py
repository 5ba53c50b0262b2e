"""Benchmark: turn latency of this project against stock Rasa 3.6 (the moodbot of `rasa init`), in one run.

Both run in this virtual environment on the REST channel, each message a new conversation. The project runs
as `make run` does (its full model, its action server, the SQLite tracker store and information database,
in a temporary directory); the moodbot is created with `rasa init --no-prompt` and trained once into
var/bench/moodbot (cached). Rounds alternate between the two (and which goes first), with 1 and with 10
senders at once, so both see the same machine load. Prints p50, p95, throughput and the ratios.

Targets (issue "Speed per turn"): p50 at most 1.5x the moodbot's with 1 sender, p95 at most 2x with 10.
Run: `python bench/turn_latency.py [--rounds 3] [--messages 40] [--model FILE]`; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import aiohttp

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.process_cpu import wait_until_quiet  # noqa: E402
from bot.infodb.content import import_bundle, load_bundle  # noqa: E402
from bot.infodb.schema import CONTENT_DIR, migrate  # noqa: E402
from bot.infodb.session import engine_for, session_scope  # noqa: E402
from bot.tools.action_server import free_port, running_action_server  # noqa: E402

MOODBOT_DIR = ROOT / "var" / "bench" / "moodbot"
# What people write (five languages, one need each); the moodbot gets the same texts.
MESSAGES = (
    "hola necesito informacion sobre asilo en mexico",
    "what are my rights as an h2a worker",
    "je cherche un abri pour dormir ce soir a tapachula",
    "mwen bezwen nimewo lapolis nan ayiti",
    "quero saber sobre o visto de trabalho no canada",
    "estoy en guatemala y necesito llamar a la policia",
    "hi",
    "me quitaron el pasaporte en el trabajo",
)
START_SECONDS = 240
TARGET_P50_RATIO_1 = 1.5
TARGET_P95_RATIO_10 = 2.0


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    import urllib.request

    deadline = time.time() + START_SECONDS
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                raise RuntimeError(f"server at {url} did not start") from None
            time.sleep(0.5)


@contextmanager
def rasa_server(model: Path, cwd: Path, env: dict[str, str], endpoints: Path | None) -> Iterator[str]:
    """Start `rasa run` with a model; yield the REST webhook URL; stop the process started here."""
    with rasa_process(model, cwd, env, endpoints) as (url, _):
        yield url


@contextmanager
def rasa_process(
    model: Path, cwd: Path, env: dict[str, str], endpoints: Path | None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start `rasa run` with a model; yield the REST webhook URL and the process; stop it."""
    port = free_port()
    command = [sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1"]
    if endpoints is not None:
        command += ["--endpoints", str(endpoints)]
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/", process)
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def moodbot_model() -> Path:
    """The stock moodbot, created and trained once (same virtual environment, same Rasa)."""
    models = MOODBOT_DIR / "models"
    found = sorted(models.glob("*.tar.gz")) if models.exists() else []
    if found:
        return found[-1]
    shutil.rmtree(MOODBOT_DIR, ignore_errors=True)
    MOODBOT_DIR.mkdir(parents=True, exist_ok=True)  # rasa init refuses a directory that does not exist
    subprocess.run([sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(MOODBOT_DIR)],
                   check=True, capture_output=True)
    found = sorted(models.glob("*.tar.gz"))
    if not found:
        subprocess.run([sys.executable, "-m", "rasa", "train", "--quiet"], cwd=MOODBOT_DIR, check=True, capture_output=True)
        found = sorted(models.glob("*.tar.gz"))
    return found[-1]


async def burst(url: str, senders: int, messages: int, require_reply: bool = True) -> tuple[list[float], float]:
    """Send `messages` texts, `senders` at a time, each from a new conversation; latencies (ms) and seconds.
    The project must answer every message; the stock moodbot answers some of these texts with nothing (its
    policies predict listening), which is its behaviour, not a failed turn (`require_reply=False`)."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(messages):
        queue.put_nowait(MESSAGES[i % len(MESSAGES)])
    timings: list[float] = []

    async def sender(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            text = queue.get_nowait()
            started = time.perf_counter()
            async with session.post(url, json={"sender": f"bench-{uuid.uuid4().hex}", "message": text}) as response:
                body = await response.json()
                if response.status != 200 or (require_reply and not body):
                    raise RuntimeError(f"no reply ({response.status})")
            timings.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(sender(session) for _ in range(senders)))
    return timings, time.perf_counter() - started


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (1..99)."""
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    """Run both assistants, alternate rounds, print the table; 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=40, help="messages per round and concurrency level")
    parser.add_argument("--model", help="the project's model (default: the full model, trained if needed)")
    args = parser.parse_args(argv)
    project_model = Path(args.model) if args.model else ROOT / subprocess.run(
        ["scripts/train.sh", "full"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip().splitlines()[-1]
    mood_model = moodbot_model()
    with tempfile.TemporaryDirectory() as directory:
        info_url = f"sqlite:///{directory}/info.db"
        migrate(info_url)
        with session_scope(engine_for(info_url)) as session:
            import_bundle(session, load_bundle(CONTENT_DIR, date.today()))
        env = {**os.environ, "DATABASE_URL": info_url, "TRACKER_DATABASE_URL": f"sqlite:///{directory}/tracker.db"}
        with running_action_server(info_url) as action_url:
            env["ACTION_ENDPOINT_URL"] = action_url
            with rasa_server(project_model, ROOT, env, ROOT / "endpoints.yml") as project_url, \
                    rasa_server(mood_model, MOODBOT_DIR, dict(os.environ), None) as mood_url:
                targets = {"project": project_url, "moodbot": mood_url}
                for name, url in targets.items():  # warm up: first turns load lazily
                    asyncio.run(burst(url, 2, 8, name == "project"))
                # Steady state: the project's server builds TED's network in the background after it
                # starts (bot/rasa_deferred_ted.py); measured once the machine is quiet.
                print(f"servers quiet after {wait_until_quiet():.0f} s", flush=True)
                results: dict[tuple[str, int], list[float]] = {}
                seconds: dict[tuple[str, int], float] = {}
                for round_number in range(args.rounds):
                    order = list(targets) if round_number % 2 == 0 else list(reversed(targets))
                    for senders in (1, 10):
                        for name in order:
                            timings, spent = asyncio.run(burst(targets[name], senders, args.messages, name == "project"))
                            results.setdefault((name, senders), []).extend(timings)
                            seconds[(name, senders)] = seconds.get((name, senders), 0.0) + spent
    print(f"turn latency, REST channel, new conversation per message, {args.rounds} alternating rounds of "
          f"{args.messages} messages; load average {os.getloadavg()[0]:.1f}")
    print("| senders at once | project p50 / p95 | moodbot p50 / p95 | ratio p50 / p95 | project / moodbot msg/s |")
    print("|---|---|---|---|---|")
    ratios = {}
    for senders in (1, 10):
        p, m = results[("project", senders)], results[("moodbot", senders)]
        ratio50, ratio95 = percentile(p, 50) / percentile(m, 50), percentile(p, 95) / percentile(m, 95)
        ratios[senders] = (ratio50, ratio95)
        rate_p = len(p) / seconds[("project", senders)]
        rate_m = len(m) / seconds[("moodbot", senders)]
        print(f"| {senders} | {percentile(p, 50):.0f} / {percentile(p, 95):.0f} ms | {percentile(m, 50):.0f} / "
              f"{percentile(m, 95):.0f} ms | {ratio50:.1f} / {ratio95:.1f} | {rate_p:.1f} / {rate_m:.1f} |")
    met_1 = ratios[1][0] <= TARGET_P50_RATIO_1
    met_10 = ratios[10][1] <= TARGET_P95_RATIO_10
    print(f"target p50 ratio <= {TARGET_P50_RATIO_1} with 1 sender: {'met' if met_1 else 'NOT met'}")
    print(f"target p95 ratio <= {TARGET_P95_RATIO_10} with 10 senders: {'met' if met_10 else 'NOT met'}")
    return 0 if met_1 and met_10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
