"""Ventanilla: everything that is not a Rasa custom action (NLU components, storage, settings)."""
