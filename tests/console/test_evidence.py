"""The evidence dashboard: analysts see aggregates only, and no page, JSON or CSV shows a count of 1-4."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any

from bot.evidence import events, store
from tests.console.conftest import Served
from tests.evidence.factories import realistic_week

SMALL = {"1", "2", "3", "4"}


def _count_week(served: Served) -> None:
    published = realistic_week(datetime(2026, 11, 23).timestamp(), conversations=250, seed=5)
    observations = [o for o in (events.observe(e) for e in published) if o is not None]
    store.record(served.engine, observations)


def _published_values(node: Any) -> list[str]:
    """Every count in the JSON's protected tables."""
    if isinstance(node, dict):
        if "cells" in node:
            return [*[v for row in node["cells"] for v in row], *node["row_totals"], *node["column_totals"], node["total"]]
        return [v for child in node.values() for v in _published_values(child)]
    if isinstance(node, list):
        return [v for child in node for v in _published_values(child)]
    return []


async def test_an_analyst_sees_the_evidence_and_nothing_of_the_desk(console: Served) -> None:
    console.add_staff("ines", role="analyst")
    browser = console.browser()
    signed = await browser.post("/signin", {"username": "ines", "password": "correct horse battery"}) \
        if (await browser.get("/signin")) else None
    assert signed is not None and signed.headers["location"] == "/evidence"
    assert (await browser.get("/evidence")).status_code == 200
    for path in ("/queue", "/api/queue", "/tickets/1", "/api/tickets/1", "/admin/content", "/admin/staff", "/admin/audit"):
        assert (await browser.get(path)).status_code == 403, path
    assert (await browser.get("/")).headers["location"] == "/evidence"


async def test_an_agent_may_not_read_the_evidence(console: Served) -> None:
    console.add_staff("ana", role="agent")
    browser = console.browser()
    await browser.sign_in("ana")
    assert (await browser.get("/evidence")).status_code == 403
    assert (await browser.get("/api/evidence")).status_code == 403


async def test_no_count_of_one_to_four_in_the_page_the_json_or_the_csv(console: Served) -> None:
    _count_week(console)
    console.add_staff("sol", role="supervisor")
    browser = console.browser()
    await browser.sign_in("sol")
    page = await browser.get("/evidence")
    assert page.status_code == 200 and "Questions by topic and week" in page.text
    cells = re.findall(r"<td>([^<]*)</td>", page.text)
    assert "&lt;5" in cells and not SMALL & set(cells)
    data = (await browser.get("/api/evidence")).json()
    values = _published_values(data)
    assert "<5" in values and not SMALL & set(values)
    assert int(data["questions_by_topic_and_week"]["total"]) > 250
    for fmt in ("csv", "hxl"):
        exported = await browser.get(f"/evidence/export.csv?format={fmt}")
        lines = list(csv.reader(io.StringIO(exported.text)))
        body = lines[2:] if fmt == "hxl" else lines[1:]
        assert not SMALL & {v for line in body for v in line[6:]}
        if fmt == "hxl":
            assert lines[1][:3] == ["#date+week", "#country+code", "#country+code+question"]


async def test_filters_and_the_language_of_the_page(console: Served) -> None:
    _count_week(console)
    console.add_staff("sol", role="supervisor")
    browser = console.browser()
    await browser.sign_in("sol")
    await browser.post("/language", {"language": "es", "next": "/evidence"})
    page = await browser.get("/evidence?language=ht&country=HT")
    assert "Preguntas por tema y semana" in page.text and "Descargar CSV" in page.text
    data = (await browser.get("/api/evidence?language=ht")).json()
    assert data["questions_by_country_and_language"]["columns"] == ["ht"]
