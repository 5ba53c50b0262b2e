"""An abstract base for actions that read the information database."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action

from bot.infodb.repository import InfoRepository


class RepositoryAction(Action, ABC):
    """An action with an injectable repository (the real one is created on first use)."""

    def __init__(self, repository: InfoRepository | None = None) -> None:
        """Use the given repository, or the information database of DATABASE_URL (lazily)."""
        self._repository = repository

    @property
    def repository(self) -> InfoRepository:
        """The repository, created on first use (never at import)."""
        if self._repository is None:
            self._repository = InfoRepository()
        return self._repository

    @abstractmethod
    def name(self) -> str:
        """Return the action name."""
