"""`python -m bot.evidence export`: what `make run` counted, as CSV or HXL, with no count of 1-4."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from bot.evidence import events, hxl_check, report, store
from bot.infodb.session import engine_for
from bot.settings import PROJECT_ROOT
from tests.evidence.factories import realistic_week
from tests.infodb_fixtures import migrated


def test_the_export_command_writes_protected_csv_and_hxl(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'info.db'}"
    migrated(url, seed=False)
    published = realistic_week(datetime(2026, 11, 23).timestamp(), conversations=200, seed=9)
    store.record(engine_for(url), [o for o in (events.observe(e) for e in published) if o is not None])
    env = {**os.environ, "DATABASE_URL": url}
    for fmt in ("csv", "hxl"):
        out = tmp_path / f"evidence.{fmt}.csv"
        done = subprocess.run([sys.executable, "-m", "bot.evidence", "export", "--format", fmt, "--since", "2026-11-25",
                               "--until", "2026-11-30", "--out", str(out)], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
        assert lines[0][:2] == ["Week", "Country"]
        body = lines[2:] if fmt == "hxl" else lines[1:]
        if fmt == "hxl":
            assert lines[1][0] == "#date+week" and "#indicator+num+regional_fallback" in lines[1]
        assert {line[0] for line in body[:-1]} == {"2026-W48"}
        counts = [v for line in body for v in line[6:]]
        assert "<5" in counts and not {"1", "2", "3", "4"} & set(counts)
        assert body[-1][0] == "Total" and body[-1][-1].isdigit() and int(body[-1][-1]) > 200


def test_libhxl_reads_the_hxl_export_and_its_schema_holds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'info.db'}"
    migrated(url, seed=False)
    published = realistic_week(datetime(2026, 11, 23).timestamp(), conversations=200, seed=4)
    engine = engine_for(url)
    store.record(engine, [o for o in (events.observe(e) for e in published) if o is not None])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        report.export(engine, filters=report.period(date(2026, 11, 23), date(2026, 11, 29)), hxl=True))
    text = buffer.getvalue()
    assert hxl_check.problems(text) == []

    import hxl
    import hxl.input

    rows = list(hxl.data(io.BytesIO(text.encode()), hxl.input.InputOptions(encoding="utf-8")))
    values = {v for row in rows for v in row.values}
    assert "<5" in values and not {"1", "2", "3", "4"} & values
    # A small count leaked into the export is caught by the schema.
    leaked = text.replace("<5", "3", 1)
    assert any("regular expression" in p for p in hxl_check.problems(leaked))
