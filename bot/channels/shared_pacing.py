"""Send rates shared by every instance of a channel, kept in Redis (the cluster's lock-store Redis).

The same rules as ``bot.channels.sender.Pacing`` (a channel-wide rate, an interval per
conversation, a provider's ``retry_after`` honoured), but the state is in Redis, so two Rasa
servers sending for one Telegram bot stay within Telegram's limits together (30 messages a second
overall, one a second per chat) instead of each on its own.

The channel-wide rate reserves send slots one after another (a "next free slot" in Redis, advanced
atomically by a Lua script on Redis's own clock); a conversation's interval and a ``retry_after``
are keys that expire. Built on redis-py (already installed with Rasa): the ``limits`` package would
do the same but needs ``packaging>=21``, which Rasa 3.6 refuses.

Enabled by ``RATE_LIMIT_REDIS_URL`` (``scripts/cluster.sh`` sets it); without it each process paces
itself.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
from collections.abc import Mapping, Sequence

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from bot.channels.sender import Pacing

logger = logging.getLogger(__name__)

# KEYS[1]: the channel's next free slot (ms on Redis's clock); ARGV[1]: the interval (ms).
# Returns how many ms the caller waits for the slot it was given.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, nxt)
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], start + interval, 'PX', start - now + interval + 1000)
return start - now
"""
# KEYS[1]: a conversation's hold; ARGV[1]: ms. Extends the hold, never shortens it.
_HOLD = """
local left = redis.call('PTTL', KEYS[1])
local ms = tonumber(ARGV[1])
if left < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
"""


class SharedPacing(Pacing):
    """`Pacing` whose state every instance shares through Redis."""

    def __init__(
        self,
        redis_url: str,
        *,
        namespace: str,
        per_conversation: float = 0.0,
        per_second: float | None = None,
    ) -> None:
        """`namespace` separates channels (and bots) sharing one Redis."""
        super().__init__(per_conversation=per_conversation, per_second=per_second)
        self.namespace = f"ventanilla:pace:{namespace}"
        self._redis = aioredis.Redis.from_url(redis_url, socket_timeout=2.0)
        self._reserve = self._redis.register_script(_RESERVE)
        self._extend = self._redis.register_script(_HOLD)

    def _key(self, conversation_id: str) -> str:
        return f"{self.namespace}:c:{conversation_id}"

    async def waits(self, conversation_ids: Sequence[str]) -> list[float]:
        """Seconds until each conversation may receive its next message, read in one round trip."""
        if not conversation_ids:
            return []
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for conversation_id in conversation_ids:
                    pipe.pttl(self._key(conversation_id))
                left = await pipe.execute()
        except RedisError as err:  # Redis down: pace in this process rather than stop sending
            logger.warning("shared pacing unavailable (%s): pacing locally", type(err).__name__)
            return await super().waits(conversation_ids)
        return [max(0, int(ms)) / 1000 for ms in left]

    async def hold(self, conversation_id: str, seconds: float) -> None:
        """Send nothing more to this conversation for `seconds`, from any instance."""
        self._hold(conversation_id, seconds)
        try:
            await self._extend(keys=[self._key(conversation_id)], args=[max(1, int(seconds * 1000))])
        except RedisError as err:
            logger.warning("shared pacing unavailable (%s): hold kept locally", type(err).__name__)

    async def slot(self, conversation_id: str) -> None:
        """Wait for the next channel-wide slot (shared), then start this conversation's interval."""
        if self.interval:
            try:
                wait_ms = int(await self._reserve(keys=[f"{self.namespace}:next"], args=[math.ceil(self.interval * 1000)]))
            except RedisError as err:
                logger.warning("shared pacing unavailable (%s): pacing locally", type(err).__name__)
                await super().slot(conversation_id)
                return
            if wait_ms > 0:
                await asyncio.sleep(wait_ms / 1000)
        if self.per_conversation:
            await self.hold(conversation_id, self.per_conversation)

    async def close(self) -> None:
        """Close the Redis connections."""
        await self._redis.close()


def pacing(
    namespace: str, *, per_conversation: float = 0.0, per_second: float | None = None, environ: Mapping[str, str] | None = None
) -> Pacing:
    """Shared pacing when ``RATE_LIMIT_REDIS_URL`` is set, else this process's own."""
    url = (os.environ if environ is None else environ).get("RATE_LIMIT_REDIS_URL", "").strip()
    if not url:
        return Pacing(per_conversation=per_conversation, per_second=per_second)
    return SharedPacing(url, namespace=namespace, per_conversation=per_conversation, per_second=per_second)
