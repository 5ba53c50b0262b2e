"""The outbox sender: posts pending messages through a channel's client, with retries and backoff.

One loop per channel and process, generic over a small client protocol (`MessagesClient`):
Twilio's Messages API for WhatsApp, the Bot API for Telegram. A message is claimed
(pending -> sending) before it is posted, so two loops never post it twice; a message left
'sending' by a stopped process is pending again once released or its claim's lease has passed
(``store.release_claims``, ``store.recover_claims``). The channel's rules are checked at the
moment of sending (`status_for`: a WhatsApp person who opted out, or whose 24-hour window closed
while the message waited, is not written to). Pacing keeps each conversation under a rate
(Telegram: one message a second per chat) and the whole channel under another (30 a second),
and a 429's `retry_after` is honoured.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

import aiohttp

from bot.channels import store
from bot.channels.config import WhatsAppConfig
from bot.channels.runner import URGENT, StoreRunner
from bot.db import utc_now

logger = logging.getLogger(__name__)

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
Button = dict[str, str]


class RetryableSendError(Exception):
    """The API could not take the message now (429, 5xx, timeout, network): try again later."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        """`retry_after`: the seconds the API asked us to wait (a 429's Retry-After), if it said."""
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentSendError(Exception):
    """The API refused the message (4xx other than 429, a blocked bot): do not try again."""


class MessagesClient(Protocol):
    """What the sender needs from a channel's API client."""

    async def send(self, *, to: str, body: str, buttons: Sequence[Button] = ()) -> str | None:
        """Post one message (with its buttons, when the channel shows them apart); return the provider's id."""

    async def close(self) -> None:
        """Release the HTTP client."""


def window_open(conversation: store.Conversation, now: datetime) -> bool:
    """Whether the person wrote within the last 24 hours (free-form messages are allowed)."""
    return now - conversation.last_inbound_at <= CUSTOMER_SERVICE_WINDOW


def whatsapp_status(conversation: store.Conversation | None, now: datetime) -> str:
    """Whether a free-form message may go to this conversation now, by the WhatsApp rules."""
    if conversation is not None and conversation.opted_out:
        return store.OPTED_OUT
    if conversation is None or not window_open(conversation, now):
        return store.OUTSIDE_WINDOW
    return store.PENDING


def no_buttons(_conversation: store.Conversation, _message: store.OutboxMessage) -> list[Button]:
    """Channels that render buttons into the text (WhatsApp's numbered menu) send none apart."""
    return []


class TwilioMessagesClient:
    """A minimal async client of Twilio's Messages API.

    Built on aiohttp (which Rasa already runs on): the sender shares the event loop with the
    webhook, and httpx spent several times more CPU per call there, which delayed acknowledgements.
    """

    def __init__(self, config: WhatsAppConfig, *, timeout: float = 10.0, http: aiohttp.ClientSession | None = None) -> None:
        """Use the given HTTP session (tests) or create one lazily, inside the running loop."""
        self.config = config
        self.timeout = timeout
        self._http = http

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                auth=aiohttp.BasicAuth(self.config.account_sid, self.config.auth_token),
            )
        return self._http

    async def send(self, *, to: str, body: str, buttons: Sequence[Button] = ()) -> str | None:
        """Post one message (buttons are already a numbered menu in the body); return Twilio's message SID."""
        return await self._post({"From": self.config.from_address, "To": to, "Body": body})

    async def send_template(self, *, to: str, content_sid: str, variables: Mapping[str, str]) -> str | None:
        """Post an approved template (WhatsApp outside the 24-hour window): ``ContentSid`` and ``ContentVariables``."""
        return await self._post(
            {"From": self.config.from_address, "To": to, "ContentSid": content_sid,
             "ContentVariables": json.dumps(dict(variables), ensure_ascii=False)}
        )

    async def _post(self, data: dict[str, str]) -> str | None:
        data = {**data, "StatusCallback": self.config.status_url}
        try:
            async with self._client().post(self.config.messages_url, data=data) as response:
                status = response.status
                retry_after = _retry_after(response.headers)
                text = await response.text() if status < 300 else ""
        except asyncio.TimeoutError as err:
            raise RetryableSendError("timeout") from err
        except aiohttp.ClientError as err:
            raise RetryableSendError(type(err).__name__) from err
        if status == 429 or status >= 500:
            raise RetryableSendError(f"http {status}", retry_after=retry_after)
        if status >= 400:
            raise PermanentSendError(f"http {status}")
        try:
            return str(json.loads(text).get("sid") or "") or None
        except (ValueError, AttributeError):
            return None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._http is not None:
            await self._http.close()
            self._http = None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return float(headers["Retry-After"])
    except (KeyError, ValueError):
        return None


class Pacing:
    """At most one message per `per_conversation` seconds to a conversation, `per_second` overall.

    Kept in this process; ``bot.channels.shared_pacing.SharedPacing`` keeps the same limits in Redis,
    shared by every instance (the cluster).
    """

    def __init__(self, *, per_conversation: float = 0.0, per_second: float | None = None) -> None:
        """No limits by default (Twilio queues on its side)."""
        self.per_conversation = per_conversation
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next_slot = 0.0
        self._not_before: dict[str, float] = {}

    def ready_in(self, conversation_id: str) -> float:
        """Seconds until the conversation may receive its next message (0: now)."""
        return max(0.0, self._not_before.get(conversation_id, 0.0) - time.monotonic())

    async def waits(self, conversation_ids: Sequence[str]) -> list[float]:
        """`ready_in` of each conversation."""
        return [self.ready_in(conversation_id) for conversation_id in conversation_ids]

    async def hold(self, conversation_id: str, seconds: float) -> None:
        """Send nothing more to this conversation for `seconds` (from now)."""
        self._hold(conversation_id, seconds)

    def _hold(self, conversation_id: str, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._not_before[conversation_id] = max(self._not_before.get(conversation_id, 0.0), until)

    async def slot(self, conversation_id: str) -> None:
        """Wait for the channel-wide slot of the next send, and start this conversation's interval."""
        now = time.monotonic()
        start = max(now, self._next_slot)
        self._next_slot = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)
        if self.per_conversation:
            self._hold(conversation_id, self.per_conversation)
        if len(self._not_before) > 10_000:  # forget conversations whose interval is long over
            now = time.monotonic()
            self._not_before = {key: value for key, value in self._not_before.items() if value > now}

    async def close(self) -> None:
        """Release what the pacing holds (nothing here)."""


class OutboxSender:
    """Sends what is due in the outbox, retrying temporary failures with exponential backoff."""

    def __init__(
        self,
        db: StoreRunner,
        client: MessagesClient,
        *,
        channel: str = store.WHATSAPP,
        status_for: Callable[[store.Conversation | None, datetime], str] = whatsapp_status,
        buttons_of: Callable[[store.Conversation, store.OutboxMessage], list[Button]] = no_buttons,
        pacing: Pacing | None = None,
        clock: Callable[[], datetime] = utc_now,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        max_attempts: int = 10,
        poll_interval: float = 1.0,
        owner: str | None = None,
    ) -> None:
        """Configure the channel's rules, the backoff (base_delay * 2**attempts, capped) and how often to look for work.

        `owner` names this instance's claims (see ``store.renew_claims``).
        """
        self.db = db
        self.owner = owner
        self.client = client
        self.channel = channel
        self.status_for = status_for
        self.buttons_of = buttons_of
        self.pacing = pacing or Pacing()
        self.clock = clock
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        self._wakeup = asyncio.Event()
        self._paced_wait: float | None = None
        self._stopping = False

    def wake(self) -> None:
        """Look at the outbox now (a message was queued)."""
        self._wakeup.set()

    def request_stop(self) -> None:
        """Finish the sends in flight, then leave `run_forever` (a clean stop sends nothing twice)."""
        self._stopping = True
        self._wakeup.set()

    def backoff(self, attempts: int) -> timedelta:
        """The wait before the next attempt after `attempts` failed ones."""
        return timedelta(seconds=min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1)))

    async def send_due(self) -> int:
        """Send every message that is due now (one per conversation at a time); return how many were tried."""
        due = await self.db(store.due_messages, now=self.clock(), channel=self.channel)
        waits = await self.pacing.waits([message.conversation_id for message in due])
        ready = [message for message, wait in zip(due, waits, strict=True) if wait == 0.0]
        self._paced_wait = min((wait for wait in waits if wait > 0.0), default=None)
        await asyncio.gather(*(self._send_one(message) for message in ready))
        return len(ready)

    async def _send_one(self, message: store.OutboxMessage) -> None:
        # Claimed first: with several instances, every sender sees every due message, and the one that
        # does not get it stops here (one store call, not two).
        if not await self.db(store.claim_message, message_id=message.id, owner=self.owner, now=self.clock()):
            return
        conversation = await self.db(store.get_conversation, conversation_id=message.conversation_id)
        status = self.status_for(conversation, self.clock())
        if conversation is None or status != store.PENDING:
            status = status if status != store.PENDING else store.UNREACHABLE
            logger.warning("outbox message %s not sent: %s", message.id, status)
            await self.db(store.close_message, message_id=message.id, status=status)
            return
        await self.pacing.slot(message.conversation_id)
        try:
            provider_sid = await self.client.send(
                to=conversation.address, body=message.body, buttons=self.buttons_of(conversation, message)
            )
        except RetryableSendError as err:
            attempts = message.attempts + 1
            if attempts >= self.max_attempts:
                logger.error("outbox message %s failed after %s attempts (%s)", message.id, attempts, err)
                await self.db(store.close_message, message_id=message.id, status="failed", error=str(err))
                return
            wait = self.backoff(attempts)
            if err.retry_after is not None:  # the API said when: no sooner (and no later) than that
                wait = timedelta(seconds=max(0.0, err.retry_after))
                await self.pacing.hold(message.conversation_id, err.retry_after)
            logger.info("outbox message %s: %s, retrying in %s", message.id, err, wait)
            await self.db(store.schedule_retry, message_id=message.id, next_attempt_at=self.clock() + wait, error=str(err))
        except PermanentSendError as err:
            logger.error("outbox message %s refused by the %s API (%s)", message.id, self.channel, err)
            await self.db(store.close_message, message_id=message.id, status="failed", error=str(err))
        else:
            now = self.clock()
            # Before any other store call: a process killed between the provider's answer and this
            # record would send the reply again after its claim lapses (a duplicate for the person).
            await self.db(store.mark_sent, message_id=message.id, provider_sid=provider_sid, now=now, priority=URGENT)

    async def _sleep_until_due(self, tried: int) -> None:
        next_due = await self.db(store.next_due_at, channel=self.channel)
        delay = self.poll_interval
        if next_due is not None:
            delay = min(delay, max(0.0, (next_due - self.clock()).total_seconds()))
            if delay == 0.0 and tried == 0 and self._paced_wait is not None:  # due, but every due one is paced
                delay = min(self.poll_interval, self._paced_wait)
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout=delay)
        except asyncio.TimeoutError:
            pass
        self._wakeup.clear()

    async def run_forever(self) -> None:
        """Send until cancelled or asked to stop; an unexpected error is logged (type only) and the loop goes on."""
        while not self._stopping:
            tried = 0
            try:
                tried = await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # the loop must survive anything one message does
                logger.error("outbox sender error: %s", type(err).__name__)
            if not self._stopping:
                await self._sleep_until_due(tried)
