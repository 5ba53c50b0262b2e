"""Evidence for desks and for policy: counts of what people ask and how it went, without personal data.

Layers (dependencies point down): ``__main__`` (command line) <- ``consumer`` (Rasa event broker:
SQL table or RabbitMQ) and ``handoffs`` (closed tickets) <- ``events`` (event dict -> observation)
<- ``store`` (the only SQL) <- ``tables`` and ``model``. ``report`` and ``suppress`` turn stored
counts into what pages, JSON and exports publish.
"""
