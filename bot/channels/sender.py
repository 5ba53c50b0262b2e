"""The outbox sender: posts pending messages to Twilio's Messages API with retries and backoff.

One loop per process. A message is claimed (pending -> sending) before it is posted, so two
loops never post it twice; a message left 'sending' by a stopped process is pending again at
start (``store.reset_interrupted``). WhatsApp rules are checked at the moment of sending: a
person who opted out, or whose 24-hour window closed while the message waited, is not written to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from bot.channels import store
from bot.channels.config import WhatsAppConfig
from bot.channels.runner import StoreRunner

logger = logging.getLogger(__name__)

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)


class RetryableSendError(Exception):
    """Twilio could not take the message now (429, 5xx, timeout, network): try again later."""


class PermanentSendError(Exception):
    """Twilio refused the message (4xx other than 429): do not try again."""


def utc_now() -> datetime:
    """The current UTC time, naive (as stored)."""
    return datetime.utcnow()


def window_open(conversation: store.Conversation, now: datetime) -> bool:
    """Whether the person wrote within the last 24 hours (free-form messages are allowed)."""
    return now - conversation.last_inbound_at <= CUSTOMER_SERVICE_WINDOW


class TwilioMessagesClient:
    """A minimal async client of Twilio's Messages API."""

    def __init__(self, config: WhatsAppConfig, *, timeout: float = 10.0, http: httpx.AsyncClient | None = None) -> None:
        """Use the given HTTP client (tests) or create one lazily."""
        self.config = config
        self.timeout = timeout
        self._http = http

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.timeout)
        return self._http

    async def send(self, *, to: str, body: str) -> str | None:
        """Post one message; return Twilio's message SID."""
        data = {"From": self.config.from_address, "To": to, "Body": body, "StatusCallback": self.config.status_url}
        try:
            response = await self._client().post(
                self.config.messages_url, data=data, auth=(self.config.account_sid, self.config.auth_token)
            )
        except httpx.TimeoutException as err:
            raise RetryableSendError("timeout") from err
        except httpx.TransportError as err:
            raise RetryableSendError(type(err).__name__) from err
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableSendError(f"http {response.status_code}")
        if response.status_code >= 400:
            raise PermanentSendError(f"http {response.status_code}")
        try:
            return str(response.json().get("sid") or "") or None
        except ValueError:
            return None

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None


class OutboxSender:
    """Sends what is due in the outbox, retrying temporary failures with exponential backoff."""

    def __init__(
        self,
        db: StoreRunner,
        client: TwilioMessagesClient,
        *,
        clock: Callable[[], datetime] = utc_now,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        max_attempts: int = 10,
        poll_interval: float = 1.0,
    ) -> None:
        """Configure the backoff (base_delay * 2**attempts, capped) and how often to look for work."""
        self.db = db
        self.client = client
        self.clock = clock
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self.poll_interval = poll_interval
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Look at the outbox now (a message was queued)."""
        self._wakeup.set()

    def backoff(self, attempts: int) -> timedelta:
        """The wait before the next attempt after `attempts` failed ones."""
        return timedelta(seconds=min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1)))

    async def send_due(self) -> int:
        """Send every message that is due now (one per conversation at a time); return how many were tried."""
        due = await self.db(store.due_messages, now=self.clock())
        await asyncio.gather(*(self._send_one(message) for message in due))
        return len(due)

    async def _send_one(self, message: store.OutboxMessage) -> None:
        conversation = await self.db(store.get_conversation, conversation_id=message.conversation_id)
        if conversation is not None and conversation.opted_out:
            await self.db(store.close_message, message_id=message.id, status=store.OPTED_OUT)
            return
        if conversation is None or not window_open(conversation, self.clock()):
            logger.warning("outbox message %s not sent: outside the 24-hour window", message.id)
            await self.db(store.close_message, message_id=message.id, status=store.OUTSIDE_WINDOW)
            return
        if not await self.db(store.claim_message, message_id=message.id):
            return
        try:
            provider_sid = await self.client.send(to=conversation.address, body=message.body)
        except RetryableSendError as err:
            attempts = message.attempts + 1
            if attempts >= self.max_attempts:
                logger.error("outbox message %s failed after %s attempts (%s)", message.id, attempts, err)
                await self.db(store.close_message, message_id=message.id, status="failed", error=str(err))
                return
            retry_at = self.clock() + self.backoff(attempts)
            logger.info("outbox message %s: %s, retrying in %s", message.id, err, retry_at - self.clock())
            await self.db(store.schedule_retry, message_id=message.id, next_attempt_at=retry_at, error=str(err))
        except PermanentSendError as err:
            logger.error("outbox message %s refused by Twilio (%s)", message.id, err)
            await self.db(store.close_message, message_id=message.id, status="failed", error=str(err))
        else:
            now = self.clock()
            await self.db(store.mark_sent, message_id=message.id, provider_sid=provider_sid, now=now)

    async def _sleep_until_due(self) -> None:
        next_due = await self.db(store.next_due_at)
        delay = self.poll_interval
        if next_due is not None:
            delay = min(delay, max(0.0, (next_due - self.clock()).total_seconds()))
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout=delay)
        except asyncio.TimeoutError:
            pass
        self._wakeup.clear()

    async def run_forever(self) -> None:
        """Send until cancelled; an unexpected error is logged (type only) and the loop goes on."""
        while True:
            try:
                await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # the loop must survive anything one message does
                logger.error("outbox sender error: %s", type(err).__name__)
            await self._sleep_until_due()
