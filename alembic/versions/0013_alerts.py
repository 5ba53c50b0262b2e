"""Opt-in alerts: subscriptions, alerts and their deliveries (bot/alerts/tables.py).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("stopped_at", sa.DateTime),
        sa.UniqueConstraint("conversation_id", "country", "topic", name="uq_alert_subscription_choice"),
    )
    op.create_index("ix_alert_subscriptions_country", "alert_subscriptions", ["country", "stopped_at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("texts", sa.JSON, nullable=False),
        sa.Column("fallback_language", sa.String(8)),
        sa.Column("country", sa.String(8)),
        sa.Column("topic", sa.String(40)),
        sa.Column("channel", sa.String(16)),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("created_by", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("approved_by", sa.Integer),
        sa.Column("approved_at", sa.DateTime),
        sa.Column("send_at", sa.DateTime),
        sa.Column("started_at", sa.DateTime),
        sa.Column("finished_at", sa.DateTime),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "subscription_id", sa.Integer, sa.ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("conversation_id", sa.String(80), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("text_language", sa.String(8)),
        sa.Column("mode", sa.String(16)),
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
    )
    op.create_index("ix_alert_deliveries_channel_status", "alert_deliveries", ["channel", "status"])


def downgrade() -> None:
    op.drop_table("alert_deliveries")
    op.drop_table("alerts")
    op.drop_table("alert_subscriptions")
