"""The evidence dashboard's chart data, built from the same protected tables as the page.

Charts are drawn in the browser by Chart.js (vendored under ``static/vendor/``: the console's CSP
allows no outside script) from a JSON block this module fills. A cell the table hides (``<5`` or
``x``) is a gap in the chart, never a zero or the true count; a share the table does not publish
is absent too. Labels arrive already in the staff member's language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.evidence.report import Dashboard
from bot.evidence.suppress import Published

Label = Callable[[str], str]


def count(cell: str) -> int | None:
    """A published count as a number; a protected cell (``<5``, ``x``) as a gap."""
    return int(cell) if cell.isdigit() else None


def _series(table: Published, row_label: Label) -> list[dict[str, Any]]:
    return [
        {"label": row_label(row), "data": [count(cell) for cell in cells]}
        for row, cells in zip(table.rows, table.cells, strict=True)
    ]


def chart_data(board: Dashboard, *, topic: Label, language: Label, words: dict[str, str]) -> dict[str, Any]:
    """The three charts: questions by topic over the weeks, shares not understood and answered with
    the regional fallback per language, and the waits to the first staff reply."""
    weeks = board.questions_by_topic_and_week
    waits = board.first_reply.buckets

    def percent(value: float | None) -> float | None:
        return round(value * 100, 1) if value is not None else None

    return {
        "weeks": {"labels": list(weeks.columns), "datasets": _series(weeks, topic)},
        "rates": {
            "labels": [language(r.language) for r in board.rates],
            "datasets": [
                {"label": words["not_understood"], "data": [percent(r.not_understood) for r in board.rates]},
                {"label": words["regional_fallback"], "data": [percent(r.regional_fallback) for r in board.rates]},
            ],
        },
        "waits": {
            "labels": list(waits.rows),
            "datasets": [{"label": words["first_reply"], "data": [count(cells[0]) for cells in waits.cells]}],
        },
    }
