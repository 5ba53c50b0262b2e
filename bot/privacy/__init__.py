"""Privacy rules shared by the action server and the Rasa server.

Run ``python -m bot.privacy purge`` to delete conversations older than the retention period
(``RETENTION_DAYS``, 90 by default; the privacy notice promises that figure). ``make run`` runs it
at every start. The purge itself is ``bot.privacy.purge``.
"""

from __future__ import annotations

# A conversation whose new events include this action is erased by the tracker store.
DELETE_ACTION = "action_delete_my_data"
