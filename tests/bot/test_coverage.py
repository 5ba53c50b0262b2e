"""Facts reach people: every OK fact is cited by shipped content or excluded with a reviewed reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.infodb.__main__ import main
from bot.infodb.content import ContentError, load_bundle
from bot.infodb.coverage import EXCLUSIONS_FILE, coverage, load_exclusions
from bot.infodb.schema import CONTENT_DIR
from tests.infodb_fixtures import SEED_DATE

BUNDLE = load_bundle(CONTENT_DIR, SEED_DATE)
EXCLUSIONS = load_exclusions(CONTENT_DIR / EXCLUSIONS_FILE)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the shipped content to mutate."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    return copy


def test_every_ok_fact_is_cited_or_excluded_with_a_reason() -> None:
    report = coverage(BUNDLE, EXCLUSIONS)
    assert report.uncited_ok == (), f"OK facts that reach nobody: {report.uncited_ok}"
    assert report.bad_exclusions == {}
    assert all(reason.strip() for reason in EXCLUSIONS.values())


def test_the_destination_programmes_reach_people() -> None:
    report = coverage(BUNDLE, EXCLUSIONS)
    assert {"D01", "D02", "F04", "C09"} <= set(report.cited_by_key[("ask_work_permit", "US")])
    assert {"D06", "D07", "F11", "C15"} <= set(report.cited_by_key[("ask_work_permit", "CA")])
    assert "E04" in report.cited_by_key[("ask_asylum", "MX")]


def test_the_command_prints_facts_per_topic_and_country(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if row.split()[:2] == ["ask_work_permit", "US"])
    assert "D01" in line.split() and "C09" in line.split()
    assert any(row.split()[:2] == ["hotlines", "US"] for row in out.splitlines())
    assert "coverage: OK" in out


def test_a_new_ok_fact_cited_by_nothing_fails(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = content / "facts.yml"
    facts.write_text(
        facts.read_text(encoding="utf-8")
        + "Z01:\n  section: Test\n  country: Mexico\n  fact: A researched fact nobody tells.\n"
        "  source: example.org\n  date: n.d.\n  flag: OK\n",
        encoding="utf-8",
    )
    assert main(["coverage", str(content)]) == 1
    out = capsys.readouterr().out
    assert "Z01" in out and "coverage: FAILED" in out


def test_a_fact_whose_only_answer_stops_citing_it_fails(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # E04 (COMAR's 45 business days) is cited only by ask_asylum/MX.
    target = content / "answers" / "ask_asylum.yml"
    target.write_text(target.read_text(encoding="utf-8").replace("E03, E04, E05", "E03, E05", 1), encoding="utf-8")
    assert main(["coverage", str(content)]) == 1
    assert "E04" in capsys.readouterr().out


def test_dropping_an_exclusion_fails(content: Path) -> None:
    exclusions = content / EXCLUSIONS_FILE
    kept = exclusions.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(kept) if line.startswith("G05:"))
    exclusions.write_text("".join(kept[:start]), encoding="utf-8")
    report = coverage(load_bundle(content, SEED_DATE), load_exclusions(exclusions))
    assert report.uncited_ok == ("G05",)
    assert not report.passed


@pytest.mark.parametrize(
    ("entry", "problem"),
    [("ZZ9: a fact that does not exist\n", "not a fact"), ("A01: the 911 in Mexico\n", "is cited"),
     ("A13: a weak source\n", "not OK")],
)
def test_an_exclusion_of_an_unknown_cited_or_unflagged_fact_fails(
    content: Path, capsys: pytest.CaptureFixture[str], entry: str, problem: str
) -> None:
    exclusions = content / EXCLUSIONS_FILE
    exclusions.write_text(exclusions.read_text(encoding="utf-8") + entry, encoding="utf-8")
    assert main(["coverage", str(content)]) == 1
    out = capsys.readouterr().out
    fact_id = entry.split(":")[0]
    assert any(line.split()[:1] == [fact_id] and problem in line for line in out.splitlines())


def test_an_exclusion_without_a_reason_is_rejected(content: Path) -> None:
    exclusions = content / EXCLUSIONS_FILE
    exclusions.write_text(exclusions.read_text(encoding="utf-8") + "G04b:\n", encoding="utf-8")
    with pytest.raises(ContentError, match="G04b gives no reason"):
        load_exclusions(exclusions)
