"""What desk staff do to a handed-over conversation (take, reply, close, transfer), above both layers it joins.

``bot.handoff`` keeps the tickets and decides; ``bot.channels`` delivers; this package is the one place that
uses both, so neither imports the other.
"""
