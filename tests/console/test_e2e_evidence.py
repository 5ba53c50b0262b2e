"""The evidence dashboard in a real headless Chromium, in Spanish, for an analyst on a desktop and on a
390×844 phone: the tables are there, no count of 1-4 is visible anywhere on the page, nothing is wider
than the screen (wide tables scroll inside themselves), and a screenshot is saved to results/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.console.conftest import PASSWORD, Served
from tests.console.test_e2e_browser import _chromium
from tests.console.test_evidence import _count_week

RESULTS = Path(__file__).resolve().parents[2] / "results"
SIZES = {"phone390": (390, 844), "desktop": (1280, 800)}


@pytest.mark.parametrize("size", list(SIZES))
async def test_an_analyst_reads_the_dashboard_in_spanish_with_no_small_count(console: Served, size: str) -> None:
    from playwright.async_api import async_playwright, expect

    _count_week(console)
    console.add_staff("ines", role="analyst")
    width, height = SIZES[size]
    RESULTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=_chromium(), headless=True, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": width, "height": height}, locale="es-MX",
                                            extra_http_headers={"Accept-Language": "es-MX,es;q=0.9"})
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
        await page.goto(f"{console.url}/signin")
        await page.fill("input[name=username]", "ines")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("form.signin button[type=submit]")
        await expect(page).to_have_url(re.compile(r"/evidence"))
        await expect(page.locator("body")).to_contain_text("Preguntas por tema y semana")
        await expect(page.locator("table.evidence th").first).to_be_visible()
        rows = await page.locator("table.evidence th[scope=row]").all_inner_texts()
        assert "asilo y condición de refugiado" in rows and "ask_asylum" not in rows  # words, not codes
        cells = await page.locator("table.evidence td").all_inner_texts()
        assert cells and "<5" in {c.strip() for c in cells}
        assert not {"1", "2", "3", "4"} & {c.strip() for c in cells}
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        # The charts are drawn by the vendored library (no CSP error), and their data hides what the tables hide.
        for chart in ("chart-weeks", "chart-rates", "chart-waits"):
            assert await page.evaluate(f"!!document.getElementById('{chart}').chart"), chart
        painted = await page.evaluate(
            "(() => { const c = document.getElementById('chart-weeks');"
            " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; })()")
        assert painted > 500
        data = await page.evaluate("JSON.parse(document.getElementById('evidence-charts').textContent)")
        counts = [v for key in ("weeks", "waits") for s in data[key]["datasets"] for v in s["data"]]
        assert counts and None in counts and not {1, 2, 3, 4} & set(counts)
        assert not errors and not missing, (errors, missing)
        await page.screenshot(path=str(RESULTS / f"console-evidence-es-{size}.png"), full_page=True)
        await browser.close()
