"""Real service URLs for production-mode tests (PostgreSQL, Redis), and what a missing one means.

Under `make test` (scripts/test.sh exports VENTANILLA_REQUIRE_SERVICES=1) and in CI (CI=true), a
missing service, model or browser is a failure. Only a bare `pytest` run elsewhere skips, with the
reason, and the run lists each skip by name at its end (pytest.ini: -rs).
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def require(url: str) -> str:
    """Return the URL if its server accepts connections; otherwise skip (or fail in CI)."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), timeout=2):
            return url
    except OSError:
        unavailable(f"{parsed.scheme} is not reachable at {parsed.hostname}:{parsed.port}")
    return url


def required() -> bool:
    """Whether missing services fail the run (make test, CI) rather than skip."""
    return os.environ.get("VENTANILLA_REQUIRE_SERVICES") == "1" or os.environ.get("CI") == "true"


def unavailable(message: str) -> None:
    """Fail (make test, CI) or skip (a bare pytest run) a test whose service, model or browser is missing."""
    if required():
        pytest.fail(message)
    pytest.skip(message)


def require_model() -> str:
    """The trained test model's path (scripts/test.sh trains it and sets VENTANILLA_TEST_MODEL)."""
    path = os.environ.get("VENTANILLA_TEST_MODEL")
    if not path or not os.path.exists(path):
        unavailable("VENTANILLA_TEST_MODEL is not set to a trained model (scripts/test.sh trains one and sets it)")
    return str(path)


def postgres_schema_url(base_url: str, schema: str) -> str:
    """A URL whose connections use one schema (created by the caller)."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"
