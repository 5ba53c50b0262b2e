"""The evidence dashboard: what people ask, where answers fall short, how fast staff respond.

Aggregates only, every count protected by ``bot.evidence.suppress`` the same way in the page, its
JSON and the CSV export. Supervisors, admins and analysts see it; analysts see nothing else.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import i18n
from bot.console.evidence_charts import chart_data
from bot.console.tables import ADMIN, ANALYST, SUPERVISOR
from bot.console.web import console, render, signed_in
from bot.evidence import report, store

blueprint = Blueprint("evidence")
READERS = (SUPERVISOR, ADMIN, ANALYST)
FILTERS = ("country", "language", "channel", "desk")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _filters(request: Request) -> store.Filters:
    others = {name: (request.args.get(name) or None) for name in FILTERS}
    return report.period(_day(request.args.get("since")), _day(request.args.get("until")), **others)


@blueprint.get("/evidence")
@signed_in(*READERS)
async def evidence_page(request: Request) -> HTTPResponse:
    """The dashboard with its filters."""
    state = console(request)
    filters = _filters(request)
    board = await state.db(report.dashboard, filters=filters)
    choices = await state.db(store.choices)
    query = request.query_string
    await state.audit(request, "evidence_viewed")
    charts = chart_data(
        board,
        topic=lambda code: i18n.gettext("unknown") if code == "?" else i18n.word(
            i18n.TOPICS if code in i18n.TOPICS else i18n.REASONS, code),
        language=i18n.language_name,
        words={"not_understood": i18n.gettext("Not understood"),
               "regional_fallback": i18n.gettext("Regional fallback (no answer for the country)"),
               "first_reply": i18n.gettext("Wait to the first staff reply")},
    )
    return render(request, "evidence.html", board=board, choices=choices, filters=filters, charts=charts,
                  since=request.args.get("since") or "", until=request.args.get("until") or "",
                  query=f"?{query}" if query else "")


@blueprint.get("/api/evidence")
@signed_in(*READERS)
async def evidence_json(request: Request) -> HTTPResponse:
    """The dashboard's protected tables as JSON."""
    board = await console(request).db(report.dashboard, filters=_filters(request))
    return response.json(dataclasses.asdict(board))


@blueprint.get("/evidence/export.csv")
@signed_in(*READERS)
async def evidence_export(request: Request) -> HTTPResponse:
    """The protected counts as CSV (with HXL hashtags when ``format=hxl``)."""
    state = console(request)
    hxl = request.args.get("format") == "hxl"
    lines = await state.db(report.export, filters=_filters(request), hxl=hxl)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    await state.audit(request, "evidence_exported", detail="hxl" if hxl else "csv")
    name = "ventanilla-evidence-hxl.csv" if hxl else "ventanilla-evidence.csv"
    return response.text(buffer.getvalue(), content_type="text/csv; charset=utf-8",
                         headers={"Content-Disposition": f'attachment; filename="{name}"'})
