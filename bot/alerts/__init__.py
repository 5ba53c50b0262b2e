"""Opt-in alerts: subscriptions by consent, alerts composed and approved in the console, sent by each
channel's rules (WhatsApp templates outside the 24-hour window, Telegram's rate limits), exactly once
per person and alert, with a delivery report."""
