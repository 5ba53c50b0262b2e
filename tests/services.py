"""Real service URLs for production-mode tests (PostgreSQL, Redis).

Inside CI (CI=true) an unreachable service is a failure; elsewhere the test is skipped with the reason.
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
        message = f"{parsed.scheme} is not reachable at {parsed.hostname}:{parsed.port}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


def postgres_schema_url(base_url: str, schema: str) -> str:
    """A URL whose connections use one schema (created by the caller)."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"
