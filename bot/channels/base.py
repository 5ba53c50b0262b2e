"""What every stored messaging channel does the same way: durable turns, restart recovery, the sender.

A channel stores each inbound message before acknowledging it; ``process`` then claims the
message (once), runs its turn and closes it. At start, work a stopped process left half-done is
made pending again and run; the channel's ``OutboxSender`` delivers replies. Subclasses say how
a turn runs (``turn``), which outbox and API client they use, and how they start and stop their
own extras (webhook registration, long polling).
"""

from __future__ import annotations

import abc
import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.core.events import UserUttered
from sanic import Blueprint
from sqlalchemy.engine import Engine

from bot import i18n
from bot.alerts import store as alerts_store
from bot.alerts.sender import AlertSender
from bot.alerts.settings import alert_settings
from bot.channels import registry, store, unreadable
from bot.channels.outbox import Outbox, OutboxOutput
from bot.channels.runner import StoreRunner
from bot.channels.sender import MessagesClient, OutboxSender, Pacing, no_buttons
from bot.channels.text import is_opt_out
from bot.db import utc_now
from bot.handoff.gate import HandoffGate, Incoming
from bot.settings import get_settings

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
SEND_GRACE_SECONDS = 10.0  # how long a stop waits for sends in flight
LanguageLookup = Callable[[str], Awaitable[str | None]]
MEDIA = "media"
REQUEST_HUMAN_PAYLOAD = "/request_human"


def media_handoff(message: store.Inbound) -> dict[str, Any]:
    """The metadata of the `/request_human` a voice note, image or document becomes (actions/handoff.py)."""
    media = {"url": message.media_url or "", "content_type": message.media_content_type or "", "caption": message.body or ""}
    return {"handoff_reason": "media", "media": media}


def person_button(language: str | None) -> dict[str, str]:
    """The button that asks for a person of the desk."""
    return {"title": i18n.text("talk_to_person_button", language), "payload": REQUEST_HUMAN_PAYLOAD}


# A claim not renewed for this long belongs to a stopped instance and is taken over.
CLAIM_LEASE_SECONDS = 120.0
# Turns share the event loop with the webhook: a burst of messages must not become a burst of
# concurrent turns that delays every acknowledgement behind them (they wait, safely stored).
MAX_CONCURRENT_TURNS = 8
TurnLookup = Callable[[str, str], Awaitable[bool]]


class StoredChannel(InputChannel, abc.ABC):
    """An input channel whose messages and replies go through the channel store."""

    channel = store.WHATSAPP
    outbox_class: type[Outbox] = Outbox  # where replies are queued (the channel's limits and rules)
    output_class: type[OutboxOutput] = OutboxOutput  # Rasa's output: how buttons are shown

    def __init__(
        self,
        *,
        engine: Engine | None = None,
        messages_client: MessagesClient | None = None,
        clock: Callable[[], datetime] = utc_now,
        language_of: LanguageLookup | None = None,
        sender_options: dict[str, Any] | None = None,
        gate: HandoffGate | None = None,
        claim_lease: float = CLAIM_LEASE_SECONDS,
        turn_recorded: TurnLookup | None = None,
        max_turns: int = MAX_CONCURRENT_TURNS,
        alert_options: dict[str, Any] | None = None,
    ) -> None:
        """Injectable collaborators default to DATABASE_URL, the provider's API and the tracker store.

        `claim_lease` (seconds): how long the claims of an instance that stopped without
        releasing them (a crash) stay untouched before another instance takes them over.
        `max_turns`: how many turns run at once; the others wait, stored and unclaimed.
        `alert_options`: passed to the channel's ``AlertSender`` (tests: a shorter poll).
        """
        self._engine = engine
        self._db: StoreRunner | None = None
        self._messages_client = messages_client
        self.clock = clock
        self._language_of = language_of
        self._sender_options = sender_options or {}
        self._gate = gate
        self._on_new_message: OnNewMessage | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sender: OutboxSender | None = None
        self._sender_task: asyncio.Task[Any] | None = None
        self._alert_options = alert_options or {}
        self._alerts: AlertSender | None = None
        self._alerts_task: asyncio.Task[Any] | None = None
        self._agent: Any = None
        self._start_task: asyncio.Task[None] | None = None
        self._turn_recorded = turn_recorded
        self.claim_lease = timedelta(seconds=claim_lease)
        self.instance_id = uuid.uuid4().hex  # owner of this process's claims
        self._keeper_task: asyncio.Task[Any] | None = None
        self._in_flight: set[str] = set()
        self._turn_slots = asyncio.Semaphore(max_turns)

    # -- what a channel provides -------------------------------------------------------------

    def make_outbox(self) -> Outbox:
        """The outbox replies are written to."""
        return self.outbox_class(self.db, clock=self.clock, wake=self._wake_sender)

    def output(self, conversation_id: str | None = None, source_sid: str | None = None) -> OutboxOutput:
        """Rasa's output for one conversation's replies to one message (`source_sid`)."""
        return self.output_class(self.outbox, conversation_id, source_sid)

    def get_output_channel(self) -> OutputChannel | None:
        """Output for messages sent from the HTTP API (staff replies): the recipient is the conversation id."""
        return self.output()

    @classmethod
    def console_output(
        cls, db: StoreRunner, *, conversation_id: str, source_ref: str, clock: Callable[[], datetime]
    ) -> OutboxOutput:
        """The output the desk console writes to from outside a turn (the sender in the Rasa process delivers)."""
        return cls.output_class(cls.outbox_class(db, clock=clock, wake=lambda: None), conversation_id, source_ref)

    @abc.abstractmethod
    def make_client(self) -> MessagesClient:
        """The provider's API client (used when none was injected)."""

    def make_pacing(self) -> Pacing | None:
        """How fast the sender may post (None: as fast as the provider takes them)."""
        return None

    # The buttons sent beside a message's text (none: they are in the text, as a numbered menu).
    sender_buttons = staticmethod(no_buttons)

    def make_sender(self, client: MessagesClient) -> OutboxSender:
        """The outbox sender of this channel."""
        outbox = self.make_outbox()
        options: dict[str, Any] = {"pacing": self.make_pacing(), **self._sender_options}
        return OutboxSender(
            self.db,
            client,
            channel=self.channel,
            status_for=outbox.status_for,
            buttons_of=self.sender_buttons,
            clock=self.clock,
            owner=self.instance_id,
            **options,
        )

    def make_alert_sender(self, client: MessagesClient, pacing: Pacing) -> AlertSender:
        """The alert sender of this channel: same API client and pacing as the replies."""
        settings = alert_settings()
        options: dict[str, Any] = {
            "templates": settings.whatsapp_templates, "per_second": settings.per_second, **self._alert_options,
        }
        return AlertSender(
            self.db, client, spec=registry.get(self.channel), pacing=pacing, clock=self.clock,
            owner=self.instance_id, claim_lease=self.claim_lease, **options,
        )

    @abc.abstractmethod
    async def turn(self, message: store.Inbound) -> str:
        """Run the turn of one claimed message; return its final inbound status."""

    async def on_start(self) -> None:
        """Start the channel's own extras (after recovery and the sender)."""

    async def on_stop(self) -> None:
        """Stop the channel's own extras (before the turns in flight are cancelled)."""

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The channel store's engine (DATABASE_URL unless one was given)."""
        if self._engine is None:
            self._engine = store.channel_engine(get_settings().database_url)
        return self._engine

    @property
    def db(self) -> StoreRunner:
        """Runs store calls off the event loop."""
        if self._db is None:
            self._db = StoreRunner(self.engine)
        return self._db

    @property
    def gate(self) -> HandoffGate:
        """Gives the person's messages to the desk while a ticket is open."""
        if self._gate is None:
            self._gate = HandoffGate(self.db, clock=self.clock, classify=self.intent_of)
        return self._gate

    @property
    def outbox(self) -> Outbox:
        """The outbox replies are written to."""
        return self.make_outbox()

    @property
    def messages_client(self) -> MessagesClient:
        """The provider's API client."""
        if self._messages_client is None:
            self._messages_client = self.make_client()
        return self._messages_client

    def _wake_sender(self) -> None:
        if self._sender is not None:
            self._sender.wake()

    def lifecycle_blueprint(self, name: str, on_new_message: OnNewMessage) -> Blueprint:
        """A blueprint that starts the channel with the server (seeing Rasa's agent) and stops it with it."""
        self._on_new_message = on_new_message
        hooks = Blueprint(name, __name__)

        @hooks.listener("after_server_start")
        async def _start(app: Any, _loop: Any) -> None:
            self._agent = getattr(app.ctx, "agent", None)
            await self.start()

        @hooks.listener("before_server_stop")
        async def _stop(_app: Any, _loop: Any) -> None:
            await self.stop()

        return hooks

    async def start(self) -> None:
        """Start the sender and process what a stopped process left unprocessed (once per process).

        Concurrent callers wait for the same start, so no message is claimed before the reset.
        """
        if self._start_task is None:
            self._start_task = asyncio.create_task(self._start())
        await asyncio.shield(self._start_task)

    async def _start(self) -> None:
        await self.db(store.recover_claims, stale_before=self.clock() - self.claim_lease, channel=self.channel)
        self._sender = self.make_sender(self.messages_client)
        self._sender_task = asyncio.create_task(self._sender.run_forever())
        self._alerts = self.make_alert_sender(self.messages_client, self._sender.pacing)
        self._alerts_task = asyncio.create_task(self._alerts.run_forever())
        self._keeper_task = asyncio.create_task(self._keep_claims())
        await self._process_unprocessed()
        await self.on_start()

    async def _process_unprocessed(self) -> None:
        for message_sid in await self.db(store.unprocessed, channel=self.channel):
            if message_sid not in self._in_flight:
                self._spawn(self.process(message_sid))

    async def _keep_claims(self) -> None:
        """Renew this instance's claims, take over those of stopped instances, pick up stranded messages."""
        while True:
            await asyncio.sleep(self.claim_lease.total_seconds() / 4)
            try:
                now = self.clock()
                await self.db(store.renew_claims, owner=self.instance_id, now=now, channel=self.channel)
                if await self.db(store.recover_claims, stale_before=now - self.claim_lease, channel=self.channel):
                    self._wake_sender()
                await self._process_unprocessed()
            except Exception as err:  # the heartbeat must survive a database hiccup
                logger.error("%s claim keeper error: %s", self.channel, type(err).__name__)

    async def stop(self) -> None:
        """Stop the sender and the turns in flight; their claims are released for the next start."""
        await self.on_stop()
        if self._alerts is not None and self._alerts_task is not None:
            self._alerts.request_stop()  # finish the posts in flight, like the replies below
            try:
                await asyncio.wait_for(asyncio.shield(self._alerts_task), timeout=SEND_GRACE_SECONDS)
            except Exception:  # timed out: its claims become 'unconfirmed' after the lease, never sent twice
                pass
        if self._sender is not None and self._sender_task is not None:
            # Let a send already handed to the provider finish and be recorded, so that a clean stop
            # (a deploy) does not send it again at the next start.
            self._sender.request_stop()
            try:
                await asyncio.wait_for(asyncio.shield(self._sender_task), timeout=SEND_GRACE_SECONDS)
            except Exception:  # timed out or failed: cancelled below, recovered at the next start
                pass
        tasks = [*self._tasks, *(t for t in (self._sender_task, self._keeper_task, self._alerts_task) if t is not None)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._db is not None:
            try:
                await self.db(store.release_claims, owner=self.instance_id, channel=self.channel)
                if self._alerts is not None and self._alerts.stopped_cleanly:
                    await self._alerts.stop()
            except Exception as err:  # a crash-like stop: the lease recovers the claims later
                logger.error("%s claims not released: %s", self.channel, type(err).__name__)
        if self._sender is not None:
            await self._sender.pacing.close()
        if self._messages_client is not None:
            await self._messages_client.close()
        if self._db is not None:
            self._db.close()
            self._db = None
        self._start_task = self._sender_task = self._keeper_task = self._alerts_task = None
        self._alerts = None

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until the turns in flight are done (tests and benchmarks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- turns -------------------------------------------------------------------------------

    async def process(self, message_sid: str) -> None:
        """Run the turn of one stored message, once."""
        self._in_flight.add(message_sid)
        try:
            async with self._turn_slots:
                await self._process(message_sid)
        finally:
            self._in_flight.discard(message_sid)

    async def _process(self, message_sid: str) -> None:
        message = await self.db(store.claim_inbound, message_sid=message_sid, owner=self.instance_id, now=self.clock())
        if message is None:
            return
        status = store.PROCESSED
        try:
            async with self.gate.in_order(message.conversation_id):
                if message.attempt > 1 and await self.turn_recorded(message.conversation_id, message_sid):
                    # Rasa saved the turn (its replies were queued before that) but the process
                    # stopped before the message was closed: running it again would record it twice.
                    logger.info("%s message %s already in its conversation: not run again", self.channel, message_sid)
                else:
                    status = await self.turn(message)
        except asyncio.CancelledError:
            raise  # left 'processing': the next start runs it again
        except Exception as err:
            logger.error("%s message %s failed: %s", self.channel, message_sid, type(err).__name__)
            status = store.FAILED
        await self.db(store.finish_inbound, message_sid=message_sid, status=status, now=self.clock())

    def incoming(self, message: store.Inbound, text: str | None, *, kind: str | None = None) -> Incoming:
        """The message as the handoff gate reads it: `text` is what Rasa would read (a button's payload)."""
        kind = kind or message.kind
        return Incoming(
            conversation_id=message.conversation_id,
            channel=self.channel,
            kind=kind,
            text=text if kind != MEDIA else (message.body or None),
            message_ref=message.message_sid,
            media_url=message.media_url,
            media_content_type=message.media_content_type,
            latitude=message.latitude,
            longitude=message.longitude,
        )

    async def answer_unreadable(self, message: store.Inbound, text: str | None, output: OutputChannel) -> str | None:
        """Tell the person what could not be read and what to do (None: the message can be read).

        `text` is what Rasa would read. The reply is in the conversation language, else the
        language the person's app declares, else the default; it offers a person of the desk.
        """
        why = unreadable.reason(message.kind, text)
        if why is None:
            return None
        logger.info("%s message %s could not be read (%s): the person is told", self.channel, message.message_sid, why)
        language = await self.language_of(message.conversation_id) or message.app_language
        await output.send_text_with_buttons(
            message.conversation_id, i18n.text(unreadable.REPLY_KEYS[why], language), [person_button(language)]
        )
        return store.PROCESSED

    async def stops_alerts(self, message: store.Inbound, text: str | None, output: OutputChannel) -> bool:
        """An opt-out word (in any of the five languages) from a person with alerts stops them, and says so."""
        if not is_opt_out(text):
            return False
        active = await self.db(alerts_store.active_subscriptions, conversation_id=message.conversation_id, now=self.clock())
        if not active:
            return False
        await self.db(alerts_store.stop, conversation_id=message.conversation_id, now=self.clock())
        language = await self.language_of(message.conversation_id) or active[0].language
        await output.send_text_message(message.conversation_id, i18n.text("alerts_stopped", language))
        return True

    async def handed_off(self, incoming: Incoming, output: OutputChannel) -> bool:
        """The one place where human handoff may take a message, before Rasa (True: the desk has it)."""
        decision = await self.gate.intercept(incoming)
        if decision.reply_key is not None:
            await output.send_text_message(incoming.conversation_id, i18n.text(decision.reply_key, decision.language))
        return decision.taken

    async def intent_of(self, text: str) -> str | None:
        """The intent the running assistant reads in a text (None without a Rasa agent)."""
        if self._agent is None:
            return None
        parsed = await self._agent.parse_message(text)
        return (parsed.get("intent") or {}).get("name")

    async def hand_to_rasa(self, message: UserMessage) -> None:
        """Run Rasa's turn for one message.

        A turn that queues no reply at all (Rasa logs and swallows a failed custom action, e.g.
        when the action server is down; or the turn raised) gets a short apology in the person's
        language with what to do if in danger, so no one is left without an answer.
        """
        if self._on_new_message is None:
            raise RuntimeError("the channel has no message handler (blueprint() was not called)")
        try:
            await self._on_new_message(message)
        except asyncio.CancelledError:
            raise  # stopped: the message is run again at the next start
        except Exception:
            await self._apologise_if_silent(message)
            raise
        await self._apologise_if_silent(message)

    async def _apologise_if_silent(self, message: UserMessage) -> None:
        output = message.output_channel
        if isinstance(output, OutboxOutput) and output.position == 0:
            logger.warning("the turn of message %s gave no reply: the person gets the apology", message.message_id)
            language = await self.language_of(message.sender_id) or (message.metadata or {}).get(i18n.APP_LANGUAGE)
            await output.send_text_message(
                message.sender_id,
                f"{i18n.text('assistant_unavailable', language)} {i18n.text('handoff_urgent_advice', language)}",
            )

    async def turn_recorded(self, conversation_id: str, message_sid: str) -> bool:
        """Whether the tracker already holds the user message of this message id (Rasa's message_id)."""
        if self._turn_recorded is not None:
            return await self._turn_recorded(conversation_id, message_sid)
        tracker_store = getattr(self._agent, "tracker_store", None)
        if tracker_store is None:
            return False
        tracker = await tracker_store.retrieve(conversation_id)
        if tracker is None:
            return False
        return any(isinstance(event, UserUttered) and event.message_id == message_sid for event in tracker.events)

    async def language_of(self, conversation_id: str) -> str | None:
        """The conversation's language: the tracker's `language` slot when a Rasa agent is running, else
        the language detected in the person's latest message (the slot is set by the action server)."""
        if self._language_of is not None:
            return await self._language_of(conversation_id)
        tracker_store = getattr(self._agent, "tracker_store", None)
        if tracker_store is None:
            return None
        try:
            tracker = await tracker_store.retrieve(conversation_id)
        except Exception as err:
            logger.warning("language lookup failed: %s", type(err).__name__)
            return None
        if tracker is None:
            return None
        parse = (tracker.latest_message.parse_data or {}) if tracker.latest_message else {}
        detected = None if parse.get("language_ambiguous") else parse.get("language")  # "ok", "1", a payload say nothing
        return tracker.get_slot("language") or (detected if detected in i18n.LANGUAGES else None)
