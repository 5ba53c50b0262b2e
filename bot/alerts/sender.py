"""The alert sender: fans out due alerts and posts each person's delivery by the rules of their channel.

One loop per channel and process, beside the channel's outbox sender and sharing its API client and
its pacing (Telegram: one message a second per chat, about 30 a second per bot, shared through Redis
in the cluster), so replies and alerts together stay within the provider's limits. On a channel with
a reply window (WhatsApp's 24 hours), a person whose window is closed gets only the approved
template of the alert's language (``ContentSid`` + ``ContentVariables``), never free text; with no
template for that language the delivery fails and says why.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from bot import i18n
from bot.alerts import store
from bot.alerts.tables import FAILED, FREEFORM, OPTED_OUT, TEMPLATE
from bot.channels.registry import ChannelSpec
from bot.channels.runner import StoreRunner
from bot.channels.sender import MessagesClient, Pacing, PermanentSendError, RetryableSendError
from bot.db import utc_now

logger = logging.getLogger(__name__)

# How often a sender gives up the claims of crashed instances and closes finished alerts.
HOUSEKEEPING_SECONDS = 10.0


class TemplateClient(Protocol):
    """A client that can post an approved template (Twilio's Content API)."""

    async def send_template(self, *, to: str, content_sid: str, variables: Mapping[str, str]) -> str | None:
        """Post a template with its variables; return the provider's id."""


def alert_body(text: str, language: str) -> str:
    """The free-form alert: the staff's text, then how to stop alerts, in the text's language."""
    return f"{text}\n\n{i18n.text('alert_footer', language)}"


class RateWindow:
    """At most `limit` posts in any one second (a sliding window, checked right before each post, so a
    sleep that overslept cannot bunch posts that were spaced when they were scheduled)."""

    def __init__(self, per_second: float) -> None:
        """`per_second`: the most posts in any one second (at least one)."""
        self.limit = max(1, int(per_second))
        self._recent: deque[float] = deque()

    async def wait(self) -> None:
        """Return when one more post keeps the last second within the limit (and count it)."""
        while True:
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) < self.limit:
                self._recent.append(now)
                return
            await asyncio.sleep(1.0 - (now - self._recent[0]) + 0.001)


_WINDOWS: dict[tuple[str, float], RateWindow] = {}


def rate_window(channel: str, per_second: float) -> RateWindow:
    """The process's alert window of a channel: every sender of the channel in this process shares it
    (a channel restarted in the same process does not start a second one beside the first)."""
    return _WINDOWS.setdefault((channel, per_second), RateWindow(per_second))


class AlertSender:
    """Sends one channel's alert deliveries, at most once each."""

    def __init__(
        self,
        db: StoreRunner,
        client: MessagesClient,
        *,
        spec: ChannelSpec,
        pacing: Pacing | None = None,
        per_second: float = 27.0,
        templates: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utc_now,
        owner: str = "alerts",
        batch: int = 100,
        poll_interval: float = 2.0,
        max_attempts: int = 8,
        base_delay: float = 2.0,
        claim_lease: timedelta = timedelta(minutes=2),
    ) -> None:
        """`per_second`: this instance's alert rate; `templates`: the approved WhatsApp template (ContentSid)
        of each language, for a channel with a reply window."""
        self.db = db
        self.client = client
        self.spec = spec
        self.pacing = pacing or Pacing()
        self.window = rate_window(spec.name, per_second)  # alerts leave room for the replies under the channel's limit
        self.templates = dict(templates or {})
        self.clock = clock
        self.owner = owner
        self.batch = batch
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.claim_lease = claim_lease
        self._stopping = False
        self.stopped_cleanly = False  # the loop left after its posts in flight were recorded
        self._wakeup = asyncio.Event()
        self._paused_until = 0.0  # after a 429 the whole channel waits
        self._next_housekeeping = 0.0

    def request_stop(self) -> None:
        """Finish the posts in flight, then leave `run_forever`."""
        self._stopping = True
        self._wakeup.set()

    def wake(self) -> None:
        """Look for work now."""
        self._wakeup.set()

    def outside_window(self, delivery: store.Outgoing, now: datetime) -> bool:
        """Whether only a template may reach this person now (the channel's reply window is closed)."""
        window = self.spec.reply_window
        if window is None:
            return False
        return delivery.last_inbound_at is None or now - delivery.last_inbound_at > window

    async def tick(self) -> int:
        """Fan out what is due, post one batch of this channel's deliveries; return how many were claimed."""
        now = self.clock()
        started = await self.db(store.start_due, now=now)
        housekeeping = time.monotonic() >= self._next_housekeeping
        if housekeeping:
            self._next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
            await self.db(store.abandon_stale_claims, channel=self.spec.name, stale_before=now - self.claim_lease)
        claimed = await self.db(store.claim_deliveries, channel=self.spec.name, owner=self.owner, now=now, limit=self.batch)
        await asyncio.gather(*(self._send_one(delivery) for delivery in claimed))
        if claimed or started or housekeeping:
            await self.db(store.finish_alerts, now=self.clock())
        return len(claimed)

    async def _send_one(self, delivery: store.Outgoing) -> None:
        if delivery.blocked:
            await self.db(store.close_delivery, delivery_id=delivery.id, status=OPTED_OUT)
            return
        if delivery.text is None or delivery.text_language is None:  # the text was removed: nothing to send
            await self.db(store.close_delivery, delivery_id=delivery.id, status=FAILED, error="no text")
            return
        wait = (await self.pacing.waits([delivery.conversation_id]))[0]
        wait = max(wait, self._paused_until - time.monotonic())
        if wait > 0:  # this chat (or the whole channel) must wait: later, without counting an attempt
            at = self.clock() + timedelta(seconds=wait)
            await self.db(store.retry_later, delivery_id=delivery.id, at=at, error="paced", attempted=False)
            return
        template = self.outside_window(delivery, self.clock())
        mode = TEMPLATE if template else FREEFORM
        content_sid = self.templates.get(delivery.text_language) if template else None
        if template and (content_sid is None or not hasattr(self.client, "send_template")):
            await self.db(store.close_delivery, delivery_id=delivery.id, status=FAILED, mode=mode,
                          error=f"outside the window and no template for {delivery.text_language}")
            return
        await self.pacing.slot(delivery.conversation_id)
        await self.window.wait()  # last, right before the post: what the provider counts
        try:
            if content_sid is not None:
                client: TemplateClient = self.client  # type: ignore[assignment]
                provider_id = await client.send_template(
                    to=delivery.address, content_sid=content_sid, variables={"1": delivery.text}
                )
            else:
                provider_id = await self.client.send(to=delivery.address, body=alert_body(delivery.text, delivery.text_language))
        except RetryableSendError as err:
            await self._retry(delivery, err)
        except PermanentSendError as err:
            logger.error("alert delivery %s refused by the %s API (%s)", delivery.id, self.spec.name, err)
            await self.db(store.close_delivery, delivery_id=delivery.id, status=FAILED, error=str(err), mode=mode)
        else:
            await self.db(store.mark_sent, delivery_id=delivery.id, mode=mode, provider_sid=provider_id, now=self.clock())

    async def _retry(self, delivery: store.Outgoing, err: RetryableSendError) -> None:
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            await self.db(store.close_delivery, delivery_id=delivery.id, status=FAILED, error=str(err))
            return
        wait = self.base_delay * 2 ** (attempts - 1)
        if err.retry_after is not None:  # the API said how long: the chat, and the channel, wait that long
            wait = err.retry_after
            await self.pacing.hold(delivery.conversation_id, wait)
            self._paused_until = max(self._paused_until, time.monotonic() + wait)
        logger.info("alert delivery %s: %s, retrying in %.1f s", delivery.id, err, wait)
        await self.db(store.retry_later, delivery_id=delivery.id, at=self.clock() + timedelta(seconds=wait), error=str(err))

    async def run_forever(self) -> None:
        """Send until cancelled or asked to stop; errors are logged (type only) and the loop goes on."""
        while not self._stopping:
            claimed = 0
            try:
                claimed = await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # the loop must survive a database hiccup
                logger.error("%s alert sender error: %s", self.spec.name, type(err).__name__)
            if self._stopping:
                break
            if claimed < self.batch:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self.poll_interval)
                except asyncio.TimeoutError:
                    pass
                self._wakeup.clear()
        self.stopped_cleanly = True

    async def stop(self) -> None:
        """After the loop has left: claims not posted go back to the queue for the next instance."""
        await self.db(store.release_claims, owner=self.owner)
