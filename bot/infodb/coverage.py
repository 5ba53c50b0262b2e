"""Which researched facts reach people.

Shipped content (answers, hotlines, help points) cites facts by ID. This module lists, per topic and
country, the facts that shipped content cites, and checks that every fact flagged OK is either cited
or named in a reviewed exclusion list (content/coverage_exclusions.yml) with the reason it is not
told to people. Pure functions over a loaded ContentBundle: nothing here reads the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.infodb.content import ContentBundle, ContentError, load_yaml

EXCLUSIONS_FILE = "coverage_exclusions.yml"
HOTLINES = "hotlines"
HELP_POINTS = "help_points"


@dataclass(frozen=True)
class CoverageReport:
    """The facts shipped content cites, and the OK facts that reach nobody."""

    cited_by_key: dict[tuple[str, str], tuple[str, ...]]
    ok_facts: tuple[str, ...]
    cited: frozenset[str]
    excluded: dict[str, str]
    uncited_ok: tuple[str, ...]
    bad_exclusions: dict[str, str]

    @property
    def passed(self) -> bool:
        """True when every OK fact is cited or excluded and every exclusion is valid."""
        return not self.uncited_ok and not self.bad_exclusions


def is_ok(flag: str) -> bool:
    """Return True for a fact flagged OK (a flag text starting with "OK")."""
    return flag.strip().upper().startswith("OK")


def cited_by_key(bundle: ContentBundle) -> dict[tuple[str, str], tuple[str, ...]]:
    """Map (topic, country) to the facts cited there; hotlines and help points use their own topic names."""
    keyed: dict[tuple[str, str], set[str]] = defaultdict(set)
    for answer in bundle.answers:
        keyed[(answer.topic, answer.country)].update(answer.facts)
    for line in bundle.hotlines:
        keyed[(HOTLINES, str(line["country"]))].update(line["fact_ids"])
    for point in bundle.help_points:
        keyed[(HELP_POINTS, str(point["country"]))].update(point["fact_ids"])
    return {key: tuple(sorted(ids, key=fact_sort_key)) for key, ids in sorted(keyed.items())}


def fact_sort_key(fact_id: str) -> tuple[str, int]:
    """Sort A2 before A10."""
    digits = "".join(c for c in fact_id if c.isdigit())
    return fact_id.rstrip("0123456789"), int(digits) if digits else 0


def load_exclusions(path: Path) -> dict[str, str]:
    """Read the reviewed exclusion list (fact ID -> reason); a missing file means no exclusions."""
    if not path.exists():
        return {}
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise ContentError(path, 1, "must map fact IDs to reasons")
    exclusions: dict[str, str] = {}
    for fact_id, reason in data.items():
        if fact_id == "__line__":
            continue
        if not isinstance(reason, str) or not reason.strip():
            raise ContentError(path, None, f"exclusion of {fact_id} gives no reason")
        exclusions[str(fact_id)] = " ".join(reason.split())
    return exclusions


def coverage(bundle: ContentBundle, exclusions: dict[str, str]) -> CoverageReport:
    """Check which OK facts shipped content cites, against the exclusion list."""
    keyed = cited_by_key(bundle)
    cited = frozenset(fact for ids in keyed.values() for fact in ids)
    ok_facts = tuple(sorted((i for i, row in bundle.facts.items() if is_ok(row["flag"])), key=fact_sort_key))
    uncited_ok = tuple(i for i in ok_facts if i not in cited and i not in exclusions)
    bad: dict[str, str] = {}
    for fact_id in exclusions:
        if fact_id not in bundle.facts:
            bad[fact_id] = "is not a fact in facts.yml"
        elif fact_id in cited:
            bad[fact_id] = "is cited by shipped content: remove it from the exclusion list"
        elif not is_ok(bundle.facts[fact_id]["flag"]):
            bad[fact_id] = f"is flagged {bundle.facts[fact_id]['flag']!r}, not OK: it needs no exclusion"
    return CoverageReport(keyed, ok_facts, cited, dict(exclusions), uncited_ok, bad)


def format_report(report: CoverageReport, facts: dict[str, dict[str, str]]) -> list[str]:
    """Render the report as lines for the terminal."""
    lines = ["Facts cited by shipped content (topic, country: facts)"]
    width = max((len(topic) for topic, _ in report.cited_by_key), default=10)
    for (topic, country), ids in report.cited_by_key.items():
        lines.append(f"  {topic:<{width}}  {country:<8}  {' '.join(ids)}")
    ok_cited = sum(1 for i in report.ok_facts if i in report.cited)
    lines.append("")
    lines.append(
        f"{len(facts)} facts, {len(report.cited)} cited. OK facts: {len(report.ok_facts)}, "
        f"{ok_cited} cited, {len(report.excluded)} excluded with a reason, {len(report.uncited_ok)} neither."
    )
    if report.excluded:
        lines.append("Excluded (content/coverage_exclusions.yml):")
        lines += [f"  {i}  {reason}" for i, reason in sorted(report.excluded.items(), key=lambda kv: fact_sort_key(kv[0]))]
    if report.uncited_ok:
        lines.append("OK facts cited by no shipped content and not excluded:")
        lines += [f"  {i}  [{facts[i]['country']}] {facts[i]['fact'][:100]}" for i in report.uncited_ok]
    if report.bad_exclusions:
        lines.append("Exclusion list problems:")
        lines += [f"  {i}  {problem}" for i, problem in report.bad_exclusions.items()]
    lines.append("coverage: OK" if report.passed else "coverage: FAILED")
    return lines
