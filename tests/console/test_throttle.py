"""Sign-in throttling: per client, per account with client, per account; the victim of an attack
keeps signing in; the audit log says where attempts came from."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from bot.console import store
from bot.console.throttle import RedisStore
from bot.console.web import Console
from bot.infodb.session import engine_for
from tests.console.conftest import Browser, Clock, Served, make_settings, serve, stop
from tests.services import REDIS_URL, require

VICTIM_ADDRESS = "198.51.100.7"


@pytest.fixture(params=["memory", "redis"])
async def proxied(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[Served]:
    """The console behind one trusted proxy (X-Forwarded-For names the client), with its throttle
    in memory or in a real Redis."""
    clock = Clock()
    state = Console(settings=make_settings(database_url, proxies_count=1), engine=engine_for(database_url), clock=clock)
    if request.param == "redis":
        state.use_throttle_store(RedisStore(require(REDIS_URL), prefix=f"test:{uuid.uuid4().hex}:"))
    server, url = await serve(state)
    served = Served(state, url, clock, server)
    yield served
    await stop(served)


def from_address(served: Served, address: str) -> Browser:
    browser = served.browser()
    browser.http.headers["X-Forwarded-For"] = address
    return browser


async def test_two_hundred_bad_attempts_from_one_client_do_not_lock_the_victim(proxied: Served) -> None:
    proxied.add_staff("ana")
    attacker = from_address(proxied, "203.0.113.66")
    statuses = [(await attacker.sign_in("ana", f"guess number {n}")).status_code for n in range(200)]
    assert statuses[:5] == [401] * 5
    assert statuses.count(429) >= 190  # refused without even checking the password
    refused = await attacker.sign_in("ana")  # even the right password, from the attacker's client
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.text

    victim = from_address(proxied, VICTIM_ADDRESS)  # a first sign-in from the victim's own address
    assert (await victim.sign_in("ana")).status_code == 302
    assert (await victim.get("/queue")).status_code == 200

    failed = store.audit_entries(proxied.engine, action="signin_failed", limit=500)
    assert failed and {entry.client for entry in failed} == {"203.0.113.66"}
    assert store.audit_entries(proxied.engine, action="signin_throttled", limit=500)[0].client == "203.0.113.66"
    assert [e.client for e in store.audit_entries(proxied.engine, action="signin")] == [VICTIM_ADDRESS]


async def test_an_attack_from_many_addresses_slows_new_clients_but_not_the_victims_known_browser(proxied: Served) -> None:
    proxied.add_staff("ana")
    victim = from_address(proxied, VICTIM_ADDRESS)
    assert (await victim.sign_in("ana")).status_code == 302  # this browser now carries a device cookie for ana
    await victim.post("/signout")
    for n in range(11):  # 22 failures: past the account's 20 free ones, never 10 from one address
        attacker = from_address(proxied, f"203.0.113.{n + 1}")
        for attempt in range(2):
            await attacker.sign_in("ana", f"guess {n}-{attempt}")
    newcomer = from_address(proxied, "192.0.2.50")
    assert (await newcomer.sign_in("ana")).status_code == 429  # the account-wide delay
    assert (await victim.sign_in("ana")).status_code == 302  # the known browser is not held up


async def test_five_failures_lock_the_account_for_that_client_only_until_the_lockout_ends(proxied: Served) -> None:
    proxied.add_staff("ana")
    shared = from_address(proxied, "203.0.113.9")
    for _ in range(5):
        assert (await shared.sign_in("ana", "not the password")).status_code == 401
    locked = await shared.sign_in("ana")
    assert locked.status_code == 429 and 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert store.audit_entries(proxied.engine, action="signin_locked_for_client")[0].client == "203.0.113.9"
    assert (await from_address(proxied, VICTIM_ADDRESS).sign_in("ana")).status_code == 302
    proxied.clock.advance(minutes=16)
    assert (await shared.sign_in("ana")).status_code == 302


async def test_without_a_trusted_proxy_a_forged_forwarded_address_does_not_dodge_the_throttle(console: Served) -> None:
    console.add_staff("ana")
    statuses = []
    for n in range(15):
        browser = from_address(console, f"10.9.8.{n}")
        statuses.append((await browser.sign_in(f"nobody{n}", "wrong password here")).status_code)
    assert statuses[:10] == [401] * 10 and 429 in statuses[10:]
    assert {e.client for e in store.audit_entries(console.engine, action="signin_failed")} == {"127.0.0.1"}


async def test_the_throttle_answers_at_once_under_a_burst(console: Served) -> None:
    console.add_staff("ana")
    attacker = console.browser()
    for n in range(12):
        await attacker.sign_in("ana", f"guess {n}")
    started = asyncio.get_running_loop().time()
    responses = [await attacker.sign_in("ana", "another guess") for _ in range(20)]
    elapsed = asyncio.get_running_loop().time() - started
    assert all(r.status_code == 429 for r in responses)
    assert elapsed < 5  # no password hashing for a refused attempt
