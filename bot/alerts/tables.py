"""The alert tables: who asked for alerts, the alerts staff wrote, and each person's delivery.

Created by ``alembic/versions/0013_alerts.py``. A subscription keeps only the reply address and
the person's choices (language, country, topic); it expires after the retention period unless the
person asks again. A delivery is unique per (alert, conversation): a person matched by several
subscriptions gets an alert once, and a fan-out run again after a crash adds nobody twice.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

ALL_TOPICS = ""  # a subscription to every topic of its country

subscriptions = sa.Table(
    "alert_subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("country", sa.String(8), nullable=False),
    sa.Column("topic", sa.String(40), nullable=False, server_default=ALL_TOPICS),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("stopped_at", sa.DateTime),
    sa.UniqueConstraint("conversation_id", "country", "topic", name="uq_alert_subscription_choice"),
    sa.Index("ix_alert_subscriptions_country", "country", "stopped_at"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(120), nullable=False),
    sa.Column("texts", sa.JSON, nullable=False),  # {language: text}
    sa.Column("fallback_language", sa.String(8)),  # sent to languages without a text, only when chosen
    sa.Column("country", sa.String(8)),  # None: every country
    sa.Column("topic", sa.String(40)),  # None: every topic
    sa.Column("channel", sa.String(16)),  # None: every channel
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("created_by", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("approved_by", sa.Integer),
    sa.Column("approved_at", sa.DateTime),
    sa.Column("send_at", sa.DateTime),
    sa.Column("started_at", sa.DateTime),
    sa.Column("finished_at", sa.DateTime),
)

deliveries = sa.Table(
    "alert_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "subscription_id", sa.Integer, sa.ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("conversation_id", sa.String(80), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),  # the person's
    sa.Column("text_language", sa.String(8)),  # the text sent (None: no text for the person's language)
    sa.Column("mode", sa.String(16)),  # freeform | template
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("claimed_by", sa.String(40)),
    sa.Column("claimed_at", sa.DateTime),
    sa.Column("sent_at", sa.DateTime),
    sa.Column("provider_sid", sa.String(64), index=True),
    sa.Column("delivery_status", sa.String(16)),
    sa.Column("error", sa.String(120)),
    sa.UniqueConstraint("alert_id", "conversation_id", name="uq_alert_delivery_person"),
    sa.Index("ix_alert_deliveries_channel_status", "channel", "status"),
)

# Alert states: draft -> approved -> sending -> sent; a draft or an approved alert not yet sent may be cancelled.
DRAFT, APPROVED, SENDING, SENT, CANCELLED = "draft", "approved", "sending", "sent", "cancelled"
# Delivery states: pending -> sending -> sent | failed; never sent: no_text, opted_out, unconfirmed
# (a send cut by a crash: it may have reached the person, so it is not sent again).
PENDING, IN_FLIGHT, DELIVERED_TO_PROVIDER, FAILED = "pending", "sending", "sent", "failed"
NO_TEXT, OPTED_OUT, UNCONFIRMED = "no_text", "opted_out", "unconfirmed"
FINAL_DELIVERY_STATES = (DELIVERED_TO_PROVIDER, FAILED, NO_TEXT, OPTED_OUT, UNCONFIRMED)
FREEFORM, TEMPLATE = "freeform", "template"
