"""Custom Rasa NLU components: message guard, language detection, country extraction."""
