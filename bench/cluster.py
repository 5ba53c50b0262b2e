"""The cluster under a burst, with a Rasa server or an action server killed in the middle.

Starts the cluster (``scripts/cluster.sh up 2``: two Rasa and two action servers behind nginx on the
production settings) with WhatsApp pointed at a local stand-in of Twilio's Messages API, then posts
bursts of signed WhatsApp messages from many people (each person's messages in order, 10% of them
delivered twice as Twilio does on a timeout). Rounds, in one run, on the same processes:

  1. throughput, ``--repeats`` times alternating: N=1 (``rasa-2`` and ``actions-2`` stopped with
     ``scripts/cluster.sh stop``; nginx skips them) and N=2 (started again), each after a warm-up and
     once the servers are quiet; the ratio is of the medians;
  2. N=2, ``rasa-1`` killed with SIGKILL mid-burst (its pid from var/cluster/rasa-1.pid);
  3. N=2, ``actions-1`` killed with SIGKILL mid-burst.

Each round counts, from the channel store and the stand-in's own record of what arrived:
acknowledged messages, messages replied, lost (acknowledged but never answered), duplicated replies
(sent to the provider more than once), replies out of order within a conversation, the seconds the
killed process took to serve again, and throughput (acknowledged messages a second over the burst;
replied messages a second until the last reply was sent, as the store records it). A killed
instance's claimed messages are taken over when its claim lease (120 s) passes, so a round waits
for them. Targets: 0 lost, 0 duplicated, 0 out
of order, back within 30 s, two instances at least 1.5x one.

    python bench/cluster.py [--messages 300] [--people 60] [--concurrency 16] [--repeats 3]
                            [--model models/...tar.gz] [--throughput-only] [--profile rasa-1 evidence]

Each round also prints the CPU milliseconds per message of each process (bench/process_cpu.py):
where the machine's cores go.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from bench import process_cpu
from bench.profile_turn import _py_spy, summarise
from bot.db import utc_now
from tests.channels.fake_twilio import FakeTwilio

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_SID = "AC" + "3" * 32
AUTH_TOKEN = "cluster-bench-auth-token-0123456789"
WEBHOOK_URL = "https://desk.example.org/webhooks/whatsapp/webhook"
BOT_NUMBER = "whatsapp:+14155238886"
PG = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
FINAL_INBOUND = ("processed", "ignored", "failed")
TEXTS = ["hola", "necesito asilo", "cuanto cuesta el pasaporte", "gracias", "me pagan menos del minimo", "trabajo en canada"]


@dataclass
class Round:
    """What one burst did."""

    name: str
    acknowledged: set[str] = field(default_factory=set)
    refused: int = 0
    seconds: float = 0.0
    replied_seconds: float = 0.0
    back_seconds: float | None = None
    started_at: datetime = field(default_factory=utc_now)


def _cluster(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(["scripts/cluster.sh", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _cluster_pids() -> dict[int, str]:
    """The cluster's processes by pid (var/cluster/<name>.pid), and this benchmark itself."""
    names = {os.getpid(): "bench (senders, Twilio stand-in)"}
    for path in (ROOT / "var" / "cluster").glob("*.pid"):
        pid = _pid(path.stem)
        if pid:
            names[pid] = path.stem
    return names


def _spies(names: list[str], servers: int) -> dict[str, tuple[Path, subprocess.Popen[bytes]]]:
    """py-spy sampling each named process of the cluster (bench/profile_turn.py's way) during a round."""
    spies = {}
    for name in names:
        pid = _pid(name)
        if not pid:
            continue
        out = ROOT / "var" / "cluster-profile" / f"{name}-n{servers}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        spies[f"{name} (N={servers})"] = (out, subprocess.Popen(
            [_py_spy(), "record", "--format", "raw", "--rate", "250", "--nonblocking", "--pid", str(pid),
             "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return spies


def _report_spies(spies: dict[str, tuple[Path, subprocess.Popen[bytes]]]) -> None:
    for _, spy in spies.values():
        spy.send_signal(signal.SIGINT)
    for label, (out, spy) in spies.items():
        spy.wait(timeout=60)
        print(f"  profile of {label}, share of its CPU samples by function, callees included:", flush=True)
        for share, frame in summarise(out, 30) if out.exists() else []:
            print(f"    {100 * share:5.1f}%  {frame}", flush=True)
        print(f"  (py-spy's samples: {out.relative_to(ROOT)})", flush=True)


def _pid(name: str) -> int:
    try:
        return int((ROOT / "var" / "cluster" / f"{name}.pid").read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


async def _serving_again(name: str, old_pid: int, port: int, token: str) -> float:
    """Seconds until `name` has a new pid and answers its health check."""
    start = time.monotonic()
    path = f"/status?token={token}" if name.startswith("rasa") else "/health"
    async with aiohttp.ClientSession() as http:
        while time.monotonic() - start < 300:
            pid = _pid(name)
            if pid not in (0, old_pid):
                try:
                    async with http.get(f"http://127.0.0.1:{port}{path}", timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            return time.monotonic() - start
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
            await asyncio.sleep(0.25)
    return float("inf")


async def burst(args: argparse.Namespace, name: str, http_port: int, kill: str | None, base: int, token: str) -> Round:
    """Post the burst; kill `kill` once half of it was posted."""
    result = Round(name)
    validator = RequestValidator(AUTH_TOKEN)
    tag = uuid.uuid4().hex[:6]
    people = [f"whatsapp:+52155{random.randrange(10**7):07d}" for _ in range(args.people)]
    queues: dict[str, list[str]] = defaultdict(list)
    for n in range(args.messages):
        queues[people[n % len(people)]].append(f"{random.choice(TEXTS)} {tag}{n}")
    posted = 0
    killed = asyncio.Event()
    back: list[asyncio.Task[float]] = []
    slots = asyncio.Semaphore(args.concurrency)

    async def post(http: aiohttp.ClientSession, form: dict[str, str]) -> bool:
        headers = {"X-Twilio-Signature": validator.compute_signature(WEBHOOK_URL, form)}
        for _ in range(5):  # Twilio retries a failed webhook
            try:
                async with http.post(f"http://127.0.0.1:{http_port}/webhooks/whatsapp/webhook",
                                     data=urlencode(form), headers={**headers,
                                     "Content-Type": "application/x-www-form-urlencoded"}) as response:
                    if response.status == 200:
                        return True
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.5)
        return False

    async def person(http: aiohttp.ClientSession, address: str, texts: list[str]) -> None:
        nonlocal posted
        for text in texts:
            sid = f"SM{uuid.uuid4().hex}"
            form = {"MessageSid": sid, "SmsMessageSid": sid, "From": address, "To": BOT_NUMBER, "Body": text,
                    "NumMedia": "0", "AccountSid": ACCOUNT_SID, "WaId": address[-12:], "ProfileName": "P"}
            async with slots:
                ok = await post(http, form)
                if ok and random.random() < 0.1:
                    ok = await post(http, form)  # a re-delivery: must be acknowledged and ignored
            if ok:
                result.acknowledged.add(sid)
            else:
                result.refused += 1
            posted += 1
            if kill and posted >= args.messages // 2 and not killed.is_set():
                killed.set()
                old = _pid(kill)
                os.kill(old, signal.SIGKILL)
                index = int(kill.rsplit("-", 1)[1])
                port = base + index if kill.startswith("rasa") else base + 50 + index
                back.append(asyncio.create_task(_serving_again(kill, old, port, token)))

    start, result.started_at = time.monotonic(), utc_now()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        await asyncio.gather(*(person(http, address, texts) for address, texts in queues.items()))
    result.seconds = time.monotonic() - start
    if back:
        result.back_seconds = await back[0]
    return result


def database_work(engine: sa.engine.Engine) -> tuple[int, int]:
    """PostgreSQL's count of transactions committed and rolled back in this database so far."""
    with engine.connect() as connection:
        row = connection.execute(sa.text(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()")).one()
    return int(row.xact_commit), int(row.xact_rollback)


def settle(engine: sa.engine.Engine, sids: set[str], timeout: float) -> float:
    """Wait until every acknowledged message is closed and no reply is waiting; the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with engine.connect() as connection:
            closed = connection.scalar(sa.text(
                "SELECT count(*) FROM channel_inbound WHERE status IN ('processed', 'ignored', 'failed')"
                " AND message_sid = ANY(:sids)"), {"sids": list(sids)})
            waiting = connection.scalar(sa.text(
                "SELECT count(*) FROM channel_outbox WHERE status IN ('pending', 'sending')"))
        if closed == len(sids) and waiting == 0:
            return time.monotonic() - start
        time.sleep(1)
    return time.monotonic() - start


def count(engine: sa.engine.Engine, twilio: FakeTwilio, result: Round) -> dict[str, float]:
    """Lost, duplicated and out-of-order replies of a round, and the seconds until its last reply was sent."""
    sids = list(result.acknowledged)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT o.id, o.conversation_id, o.source_sid, o.status, o.provider_sid FROM channel_outbox o"
            " WHERE o.source_sid = ANY(:sids) ORDER BY o.id"), {"sids": sids}).all()
    replied = {row.source_sid for row in rows if row.status == "sent"}
    lost = len(set(sids) - replied)  # acknowledged, never answered
    sent_rows = [row for row in rows if row.status == "sent"]
    arrival = {message.sid: index for index, message in enumerate(twilio.sent)}
    # The store records one provider id per reply sent; anything more the stand-in got is a reply sent twice
    # (posted to the provider, then the process died before recording it, and it was posted again).
    duplicated = len(twilio.sent) - sum(1 for row in sent_rows if row.provider_sid in arrival)
    out_of_order = 0
    per_conversation: dict[str, list[int]] = defaultdict(list)
    for row in sent_rows:
        per_conversation[row.conversation_id].append(arrival.get(row.provider_sid, -1))
    for positions in per_conversation.values():
        out_of_order += sum(1 for a, b in pairwise(positions) if b < a)
    with engine.connect() as connection:
        last_sent = connection.scalar(sa.text("SELECT max(sent_at) FROM channel_outbox WHERE source_sid = ANY(:sids)"),
                                      {"sids": sids})
    # From the first message posted to the last reply sent (the store's own record of when it was sent).
    seconds = (last_sent - result.started_at).total_seconds() if last_sent else float("inf")
    return {"replied": len(replied), "lost": lost, "duplicated": duplicated, "out_of_order": out_of_order,
            "seconds": seconds}


async def run_rounds(args: argparse.Namespace) -> int:
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await twilio.start()
    http_port = int(os.environ.get("CLUSTER_HTTP_PORT", "5005"))
    base = int(os.environ.get("CLUSTER_BASE_PORT", "5100"))
    token = os.environ.get("RASA_AUTH_TOKEN") or f"bench-{uuid.uuid4().hex}"
    failed = False
    rates: dict[int, list[float]] = {1: [], 2: []}
    schema = f"cluster_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{PG}?options=-csearch_path%3D{schema}"
    env = {**os.environ, "DATABASE_URL": url, "TRACKER_DATABASE_URL": url, "RASA_AUTH_TOKEN": token,
           "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_WHATSAPP_FROM": BOT_NUMBER,
           "TWILIO_WEBHOOK_URL": WEBHOOK_URL, "TWILIO_API_BASE_URL": twilio.base_url,
           "CONVERSATION_ID_KEY": "cluster-bench-conversation-key-0123", "TQDM_DISABLE": "1"}
    if args.model:
        env["CLUSTER_MODEL"] = args.model
    await asyncio.to_thread(_cluster, ["up", "2"], env)
    engine = sa.create_engine(url, future=True)

    async def steady(servers: int) -> None:
        """A few turns on every server (first turns load lazily), then wait until the servers are done
        with the work of their start (TED's network is built in the background)."""
        warm = argparse.Namespace(**{**vars(args), "messages": 30 * servers, "people": 10 * servers})
        warmed = await burst(warm, "warm-up", http_port, None, base, token)
        await asyncio.to_thread(settle, engine, warmed.acknowledged, args.settle)
        pids = [pid for pid, name in _cluster_pids().items() if name.startswith(("rasa-", "actions-"))]
        quiet = await asyncio.to_thread(process_cpu.wait_until_quiet, pids)
        print(f"N={servers}: warmed up, servers quiet after {quiet:.0f} s", flush=True)

    async def measure(name: str, servers: int, kill: str | None) -> None:
        nonlocal failed
        twilio.sent.clear()
        cpu_before, db_before = process_cpu.snapshot(), database_work(engine)
        spies = _spies(args.profile, servers) if args.profile and kill is None else {}
        result = await burst(args, name, http_port, kill, base, token)
        await asyncio.to_thread(settle, engine, result.acknowledged, args.settle)
        cpu = process_cpu.spent(cpu_before, process_cpu.snapshot(), _cluster_pids())
        commits, rollbacks = (b - a for a, b in zip(db_before, database_work(engine), strict=True))
        _report_spies(spies)
        figures = count(engine, twilio, result)
        result.replied_seconds = figures["seconds"]
        rate = len(result.acknowledged) / result.seconds
        replied_rate = figures["replied"] / result.replied_seconds
        if kill is None:
            rates[servers].append(replied_rate)  # turns answered a second: what an instance adds
        back = f" back_s={result.back_seconds:.1f}" if result.back_seconds is not None else ""
        print(f"{name}: acknowledged={len(result.acknowledged)} refused={result.refused} replied={figures['replied']}"
              f" lost={figures['lost']} duplicated={figures['duplicated']} out_of_order={figures['out_of_order']}"
              f" ack_per_s={rate:.1f} replied_per_s={replied_rate:.1f}{back}", flush=True)
        print(f"  {process_cpu.describe(cpu, len(result.acknowledged))}", flush=True)
        print(f"  PostgreSQL transactions per message: {commits / len(result.acknowledged):.1f} committed,"
              f" {rollbacks / len(result.acknowledged):.1f} rolled back (reads end in a rollback)", flush=True)
        failed |= bool(figures["lost"] or figures["duplicated"] or figures["out_of_order"] or result.refused)
        failed |= result.back_seconds is not None and result.back_seconds > 30

    second = ["rasa-2", "actions-2"]
    try:
        await steady(2)
        running = 2
        # Alternating rounds on the same processes: one instance (the second Rasa server and action
        # server stopped; nginx skips them) against two, so a run's drift falls on both alike.
        for repeat in range(args.repeats):
            for servers in ((1, 2) if repeat % 2 == 0 else (2, 1)):
                if servers != running:
                    await asyncio.to_thread(_cluster, ["stop" if servers == 1 else "start", *second], env)
                    running = servers
                    await steady(servers)
                await measure(f"N={servers} (round {repeat + 1})", servers, None)
        if running != 2:
            await asyncio.to_thread(_cluster, ["start", *second], env)
            await steady(2)
        if not args.throughput_only:
            for name, kill in (("N=2, rasa-1 killed", "rasa-1"), ("N=2, actions-1 killed", "actions-1")):
                await measure(name, 2, kill)
    finally:
        engine.dispose()
        await asyncio.to_thread(_cluster, ["down"], env)
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
        await twilio.stop()
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    ratio = two / one
    print(f"throughput (messages answered a second, median of {args.repeats} alternating rounds):"
          f" N=1 {one:.1f} ({', '.join(f'{r:.1f}' for r in rates[1])}),"
          f" N=2 {two:.1f} ({', '.join(f'{r:.1f}' for r in rates[2])}), ratio {ratio:.2f} (target >= 1.5)")
    return 1 if failed or ratio < 1.5 else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--settle", type=float, default=240.0, help="seconds to wait for replies after a burst")
    parser.add_argument("--model", help="the model to serve (default: scripts/train.sh full)")
    parser.add_argument("--repeats", type=int, default=3, help="alternating N=1 and N=2 rounds (median of each)")
    parser.add_argument("--throughput-only", action="store_true", help="only the N=1 and N=2 rounds (nothing killed)")
    parser.add_argument("--profile", nargs="*", metavar="NAME",
                        help="py-spy these processes (e.g. rasa-1 evidence) in the rounds with nothing killed")
    args = parser.parse_args()
    random.seed(11)
    return asyncio.run(run_rounds(args))


if __name__ == "__main__":
    raise SystemExit(main())
