"""Who may see and act on which ticket: the console's role rules in one place.

* Agents see the queue of their own desk and the tickets they hold (a ticket transferred to them
  from another desk included); an agent without a desk sees only what they hold.
* Supervisors and admins see every desk, may take, transfer and close any open ticket, and may
  reveal a person's phone number (audit-logged).
* Only the agent who holds a ticket replies to the person; anyone who may see it may add a note.
"""

from __future__ import annotations

from bot.console.store import Staff
from bot.console.tables import ADMIN, SUPERVISOR
from bot.handoff.store import OPEN_STATES, QUEUED, Ticket


def sees_every_desk(staff: Staff) -> bool:
    """Supervisors and admins see every desk's queue."""
    return staff.role in (SUPERVISOR, ADMIN)


def queue_desks(staff: Staff) -> list[int] | None:
    """The desks whose queue the account sees (None: every desk)."""
    if sees_every_desk(staff):
        return None
    return [staff.desk_id] if staff.desk_id is not None else []


def can_view(staff: Staff, ticket: Ticket) -> bool:
    """Whether the account may open the conversation."""
    if sees_every_desk(staff) or ticket.agent_id == staff.id:
        return True
    return staff.desk_id is not None and ticket.desk_id == staff.desk_id


def can_take(staff: Staff, ticket: Ticket) -> bool:
    """A queued ticket the account may see."""
    return ticket.state == QUEUED and can_view(staff, ticket)


def can_reply(staff: Staff, ticket: Ticket) -> bool:
    """Only the holder of an open ticket writes to the person."""
    return ticket.state in OPEN_STATES and ticket.agent_id == staff.id


def can_manage(staff: Staff, ticket: Ticket) -> bool:
    """Transfer or close: the holder, or a supervisor or admin."""
    return ticket.state in OPEN_STATES and (ticket.agent_id == staff.id or sees_every_desk(staff))


def can_reveal_number(staff: Staff) -> bool:
    """Only supervisors and admins see a phone number, and each time it is logged."""
    return staff.role in (SUPERVISOR, ADMIN)
