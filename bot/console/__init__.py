"""The desk console: a Sanic web application for staff (queue, conversations, admin pages).

Run it with ``python -m bot.console serve`` (``scripts/run.sh`` does); create the first admin with
``python -m bot.console create-admin --username NAME``.
"""
