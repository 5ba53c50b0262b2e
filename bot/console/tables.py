"""Table definitions of the console: staff accounts, their sessions and the audit log.

Created by ``alembic/versions/0005_console.py`` (client address and language:
``0009_console_i18n_client.py``). Sessions store the SHA-256 of their token only;
the audit log never holds message text, phone numbers or conversation ids.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

AGENT, SUPERVISOR, ADMIN = "agent", "supervisor", "admin"
# Reads the evidence dashboard (aggregates) only: never a ticket, a transcript or an admin page.
ANALYST = "analyst"
DESK_ROLES = (AGENT, SUPERVISOR, ADMIN)
ROLES = (*DESK_ROLES, ANALYST)

staff = sa.Table(
    "staff_accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(120), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("desk_id", sa.Integer, index=True),  # desks.id (foreign key in the migration)
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_signins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_signin_at", sa.DateTime),
    sa.Column("language", sa.String(8)),  # the console's language for this account (0009); None: the browser's
)

sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
)

audit = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("staff_id", sa.Integer, index=True),
    sa.Column("username", sa.String(64)),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("target", sa.String(80)),
    sa.Column("detail", sa.String(200)),
    sa.Column("client", sa.String(64)),  # the client address (through the trusted proxy), 0009
)
