"""The cluster for real: scripts/cluster.sh up under supervisord and nginx, a process killed, scripts/cluster.sh down.

Production settings (PostgreSQL tracker store and information database in a fresh schema, Redis lock
store, RabbitMQ event broker), the test model, WhatsApp pointed at the local Twilio stand-in, its own
ports. A signed WhatsApp message through nginx is answered; with the action server killed (SIGKILL)
a message still gets a reply and is not lost; supervisord brings the action server back (a new pid in
var/cluster/actions-1.pid) and the next message gets a real answer; ``down`` stops every process.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from bot import i18n
from bot.settings import PROJECT_ROOT
from bot.tools.action_server import free_port
from tests.channels.fake_twilio import FakeTwilio
from tests.services import POSTGRES_URL, require

ACCOUNT_SID = "AC" + "4" * 32
AUTH_TOKEN = "cluster-test-auth-token-0123456789"
WEBHOOK_URL = "https://desk.example.org/webhooks/whatsapp/webhook"
PERSON = "whatsapp:+50255507777"


def _pid(pids: Path, name: str) -> int:
    try:
        return int((pids / f"{name}.pid").read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def schema_url() -> Iterator[str]:
    base = require(POSTGRES_URL)
    schema = f"cluster_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


async def test_the_cluster_answers_survives_a_killed_action_server_and_stops(
    twilio: FakeTwilio, schema_url: str, model_path: str
) -> None:
    # Beside a cluster someone may be running in var/cluster; a short path (supervisord's unix socket).
    pids = Path(tempfile.mkdtemp(prefix="vc-"))
    http_port, base = free_port(), 20000 + (os.getpid() % 200) * 100
    env = {
        **os.environ,
        "DATABASE_URL": schema_url,
        "TRACKER_DATABASE_URL": schema_url,
        "CLUSTER_MODEL": model_path,
        "CLUSTER_DIR": str(pids),
        "CLUSTER_HTTP_PORT": str(http_port),
        "CLUSTER_CONSOLE_PORT": str(free_port()),
        "CLUSTER_ACTION_PORT": str(free_port()),
        "CLUSTER_BASE_PORT": str(base),
        "RASA_AUTH_TOKEN": f"cluster-{uuid.uuid4().hex}",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": "+14155238886",
        "TWILIO_WEBHOOK_URL": WEBHOOK_URL,
        "TWILIO_API_BASE_URL": twilio.base_url,
        "CONVERSATION_ID_KEY": "cluster-test-conversation-key-0123",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("TWILIO_SMS_FROM", None)
    script = str(PROJECT_ROOT / "scripts" / "cluster.sh")
    started: dict[str, int] = {}
    up = await asyncio.to_thread(subprocess.run, [script, "up", "1"], env=env, capture_output=True, text=True, timeout=900)
    try:
        assert up.returncode == 0, up.stderr[-2000:]
        started = {name: _pid(pids, name) for name in ("rasa-1", "actions-1", "console", "nginx")}
        assert all(_alive(pid) for pid in started.values()), started
        validator = RequestValidator(AUTH_TOKEN)
        async with httpx.AsyncClient(timeout=30) as http:

            async def send(text: str) -> None:
                form = {"MessageSid": f"SM{uuid.uuid4().hex}", "From": PERSON, "To": "whatsapp:+14155238886",
                        "Body": text, "NumMedia": "0", "AccountSid": ACCOUNT_SID}
                headers = {"X-Twilio-Signature": validator.compute_signature(WEBHOOK_URL, form)}
                response = await http.post(f"http://127.0.0.1:{http_port}/webhooks/whatsapp/webhook", data=form,
                                           headers=headers)
                assert response.status_code == 200

            async def replies_after(count: int, timeout: float = 60) -> list[str]:
                deadline = time.monotonic() + timeout
                while len(twilio.bodies_to(PERSON)) <= count and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                return twilio.bodies_to(PERSON)[count:]

            await send("hola, como pido asilo en mexico")
            assert await replies_after(0), "no reply through nginx"
            before = len(twilio.bodies_to(PERSON))

            os.kill(started["actions-1"], signal.SIGKILL)
            await send("necesito trabajo en canada")
            during = await replies_after(before)
            assert during, "a message sent while the action server was down got no reply"

            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and _pid(pids, "actions-1") in (0, started["actions-1"]):
                await asyncio.sleep(0.5)
            restarted = _pid(pids, "actions-1")
            assert restarted not in (0, started["actions-1"]) and _alive(restarted), "supervisord did not restart it"
            deadline = time.monotonic() + 60  # the restarted action server loads its actions
            while time.monotonic() < deadline:
                try:
                    if (await http.get(f"http://127.0.0.1:{base + 51}/health")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
            count = len(twilio.bodies_to(PERSON))
            await send("cual es el numero de la policia en guatemala")
            after = await replies_after(count)
            assert after and not any(i18n.text("assistant_unavailable", "es") in reply for reply in after)
    finally:
        down = await asyncio.to_thread(subprocess.run, [script, "down"], env=env, capture_output=True, text=True)
    assert down.returncode == 0
    assert not any(_alive(pid) for pid in started.values() if pid)
    assert not list(pids.glob("*.pid"))
    shutil.rmtree(pids, ignore_errors=True)
