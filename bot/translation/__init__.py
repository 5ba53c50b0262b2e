"""Machine translation for desk staff: the person's messages into the agent's language, and the agent's
replies into the person's, through a self-hosted translation server (LibreTranslate's HTTP API).

Off unless ``TRANSLATION_URL`` is set. ``bot.translation.client`` speaks the API, ``bot.translation.cache``
keeps recent translations in memory (never on disk), ``bot.translation.settings`` reads the environment.
"""
