"""Sign-in throttling: failures counted per key, with delays that grow once a key has used its
free attempts. Kept in Redis in production (several console processes share it) or in this
process's memory by default.

The sign-in view uses three keys (``bot.console.views_auth``):

* the client (its address, or its device cookie): growing delays after ``CLIENT_FREE`` failures,
  whatever the usernames tried;
* the account with the client: after ``max_failed_signins`` failures that client (not the
  account) is refused for ``lockout_minutes``; another client is not affected, so an attacker
  cannot lock a colleague out;
* the account from every client without its device cookie: growing delays after
  ``ACCOUNT_FREE`` failures, against guessing spread over many addresses. A browser that signed in
  to the account before carries a device cookie for it and skips this and the address check.

`limits` (the usual library) needs ``packaging>=21`` and Rasa 3.6 pins ``packaging<21``, so this
small module does the counting over the Redis client the project already uses.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

CLIENT_FREE = 10
ACCOUNT_FREE = 20
WINDOW_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 15 * 60


@dataclass(frozen=True)
class Rule:
    """Free failures within a window, then a delay doubling from `base` up to `cap` (seconds)."""

    free: int
    base: float
    cap: float
    window: float = WINDOW_SECONDS

    def delay(self, failures: int) -> float:
        """How long the key is refused after its `failures`-th failure (0: not at all)."""
        if failures <= self.free:
            return 0.0
        return float(min(self.cap, self.base * 2 ** (failures - self.free - 1)))


def lockout_rule(limit: int, minutes: int) -> Rule:
    """`limit` failures, then refused for `minutes` (the account-with-client lock)."""
    return Rule(free=limit - 1, base=minutes * 60, cap=minutes * 60, window=max(WINDOW_SECONDS, minutes * 60))


class Store(Protocol):
    """Where failure counts and refusal times are kept."""

    async def fail(self, key: str, *, now: float, ttl: float) -> int:
        """Count one failure; the count within the key's lifetime."""

    async def block(self, key: str, *, until: float, ttl: float) -> None:
        """Refuse the key until a time."""

    async def blocked_until(self, key: str) -> float | None:
        """When the key is refused until (None: never blocked or forgotten)."""

    async def clear(self, key: str) -> None:
        """Forget a key (after a successful sign-in)."""

    async def clear_prefix(self, prefix: str) -> None:
        """Forget every key that starts with a prefix (an admin's password reset unlocks the account)."""


class MemoryStore:
    """A store in this process's memory (one console process: the default)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[int, float | None, float]] = {}

    def _live(self, key: str, now: float) -> tuple[int, float | None, float] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[2] <= now:
            del self._entries[key]
            return None
        return entry

    async def fail(self, key: str, *, now: float, ttl: float) -> int:
        count, until, _ = self._live(key, now) or (0, None, 0.0)
        self._entries[key] = (count + 1, until, now + ttl)
        if len(self._entries) > 100_000:  # a flood of random usernames must not eat the memory
            for stale in [k for k, v in self._entries.items() if v[2] <= now]:
                del self._entries[stale]
        return count + 1

    async def block(self, key: str, *, until: float, ttl: float) -> None:
        count, _, expires = self._entries.get(key, (0, None, 0.0))
        self._entries[key] = (count, until, max(expires, until, self._clock() + ttl))

    async def blocked_until(self, key: str) -> float | None:
        entry = self._live(key, self._clock())
        return entry[1] if entry else None

    async def clear(self, key: str) -> None:
        self._entries.pop(key, None)

    async def clear_prefix(self, prefix: str) -> None:
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]


class RedisStore:
    """A store in Redis: one hash per key (failures, refused-until), expiring on its own."""

    def __init__(self, url: str, prefix: str = "ventanilla:console:throttle:") -> None:
        from redis import asyncio as aioredis

        self._redis = aioredis.from_url(url)
        self._prefix = prefix

    async def fail(self, key: str, *, now: float, ttl: float) -> int:
        name = self._prefix + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(name, "failures", 1)
            pipe.expire(name, math.ceil(ttl))
            count, _ = await pipe.execute()
        return int(count)

    async def block(self, key: str, *, until: float, ttl: float) -> None:
        name = self._prefix + key
        remaining = await self._redis.ttl(name)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(name, "until", repr(until))
            pipe.expire(name, max(int(remaining or 0), math.ceil(ttl)))
            await pipe.execute()

    async def blocked_until(self, key: str) -> float | None:
        raw = await self._redis.hget(self._prefix + key, "until")
        return float(raw) if raw is not None else None

    async def clear(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def clear_prefix(self, prefix: str) -> None:
        pattern = self._prefix + prefix.replace("*", "\\*").replace("?", "\\?").replace("[", "\\[") + "*"
        async for name in self._redis.scan_iter(match=pattern, count=500):
            await self._redis.delete(name)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.close()


def store_for(url: str, clock: Callable[[], float] = time.time) -> Store:
    """``memory://`` (the default) or a ``redis://`` URL."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    if url in ("", "memory://"):
        return MemoryStore(clock)
    raise ValueError(f"CONSOLE_THROTTLE_URL must be memory:// or a redis:// URL, got {url.split(':', 1)[0]}:...")


def account_key(username: str) -> str:
    """The key of an account's failures (the account-with-client keys start with it)."""
    return "account:" + username.strip().lower()


class Throttle:
    """Refusals and failure counts over a store, on the console's clock (seconds since the epoch)."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock

    async def retry_after(self, *keys: str) -> int:
        """Seconds until every key may try again (0: none is refused now)."""
        now = self.clock()
        waits = [0.0]
        for key in keys:
            until = await self.store.blocked_until(key)
            if until is not None and until > now:
                waits.append(until - now)
        return math.ceil(max(waits))

    async def failed(self, key: str, rule: Rule) -> float:
        """Count a failure of the key; return the delay it now serves (0: none)."""
        now = self.clock()
        failures = await self.store.fail(key, now=now, ttl=rule.window)
        delay = rule.delay(failures)
        if delay:
            await self.store.block(key, until=now + delay, ttl=max(rule.window, delay))
        return delay

    async def unlock_account(self, username: str) -> None:
        """Forget every failure of an account, from every client."""
        await self.store.clear_prefix(account_key(username))

    async def succeeded(self, *keys: str) -> None:
        """Forget the keys' failures."""
        for key in keys:
            await self.store.clear(key)
