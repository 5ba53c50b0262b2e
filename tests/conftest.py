"""Shared fixtures: the trained test model, a live action server and an agent over a real store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def model_path() -> str:
    """The model trained by scripts/train.sh test (make test sets VENTANILLA_TEST_MODEL)."""
    path = os.environ.get("VENTANILLA_TEST_MODEL")
    if not path or not Path(path).exists():
        pytest.fail("VENTANILLA_TEST_MODEL is not set to a trained model: run the suite with `make test`")
    return path


@pytest.fixture(scope="session")
def seeded_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite information database with the seed content."""
    from tests.infodb_fixtures import migrated, sqlite_url

    url = sqlite_url(tmp_path_factory.mktemp("infodb"))
    migrated(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated information database on SQLite and on PostgreSQL."""
    from tests.infodb_fixtures import migrated, postgres_url, sqlite_url

    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
        migrated(url, seed=False)
        yield url
    else:
        for url in postgres_url():
            migrated(url, seed=False)
            yield url


@pytest.fixture(scope="session")
def action_server(seeded_database_url: str) -> Iterator[str]:
    """Run the real action server on a free local port, over the seeded database."""
    from bot.tools.action_server import ActionServerError, running_action_server

    try:
        with running_action_server(seeded_database_url) as url:
            yield url
    except ActionServerError as err:
        pytest.fail(str(err))


@pytest.fixture(scope="session")
def tracker_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The privacy tracker store on a fresh SQLite file."""
    from bot.tracker_store import PrivacySQLTrackerStore

    return PrivacySQLTrackerStore(url=f"sqlite:///{tmp_path_factory.mktemp('tracker') / 'tracker.db'}")


@pytest.fixture(scope="session")
def agent(model_path: str, action_server: str, tracker_store: Any) -> Any:
    """A Rasa agent with the test model, the live action server and the privacy store."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    return Agent.load(model_path, action_endpoint=EndpointConfig(action_server), tracker_store=tracker_store)
