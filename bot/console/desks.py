"""Desks as the console lists them (the desks table arrives with the handoff migration)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class DeskOption:
    """A desk as a choice in a form."""

    id: int
    name: str


def list_desks(engine: Engine) -> list[DeskOption]:
    """Every desk (none until the handoff tables exist)."""
    return []
