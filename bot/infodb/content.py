"""Load, validate, import and export the seed content (YAML under content/, CSV for answers).

Validation names the file and line at fault; an import is all or nothing (one transaction) and
can be re-run: every row is upserted by its stable key (facts by ID, answers by topic/country,
help points and hotlines by key).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from bot.i18n import languages
from bot.infodb.models import REGIONAL, Answer, AnswerSource, AnswerText, Fact, HelpPoint, Hotline, Topic

LANGUAGES = languages.codes()
TOPICS = (
    "ask_visa", "ask_work_permit", "ask_asylum", "ask_regularization", "ask_family_reunification",
    "ask_documents", "ask_voluntary_return", "ask_labor_rights", "ask_job_offer_check", "report_labor_abuse",
    "ask_smuggling_risks", "ask_trafficking", "report_emergency", "find_help_point", "ask_shelter",
    "ask_health", "ask_education", "ask_missing_person", "ask_emergency_numbers",
)
FLAG_ORDER = ("OK", "CHECK", "CONFLICT", "GAP")


class ContentError(ValueError):
    """Content that cannot be imported, with the file and line at fault."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        super().__init__(f"{path}:{line or '?'}: {message}")


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping (as the key ``__line__``)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {str(k): v for k, v in yaml.SafeLoader.construct_mapping(loader, node, deep=True).items()}
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Load YAML with line numbers, turning syntax errors into ContentError."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ContentError(path, mark.line + 1 if mark else None, f"not valid YAML: {err}") from err


@dataclass
class SourceData:
    """A source of an answer."""

    name: str
    url: str | None
    source_date: str


@dataclass
class ReviewData:
    """One review of an answer's meaning in one language, by role (never by name)."""

    language: str
    role: str
    on: date


@dataclass
class AnswerData:
    """An answer as read from content files."""

    topic: str
    country: str
    facts: list[str]
    sources: list[SourceData]
    texts: dict[str, tuple[str, str]]
    verified_at: date | None  # the day a person last checked it against its sources; None: never
    origin: str = ""
    reviews: list[ReviewData] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The stable key."""
        return f"{self.topic}/{self.country}"


@dataclass
class ContentBundle:
    """Everything to import, validated."""

    facts: dict[str, dict[str, str]] = field(default_factory=dict)
    answers: list[AnswerData] = field(default_factory=list)
    help_points: list[dict[str, Any]] = field(default_factory=list)
    hotlines: list[dict[str, Any]] = field(default_factory=list)


def _require(mapping: dict[str, Any], key: str, path: Path, kind: type = str) -> Any:
    value = mapping.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ContentError(path, mapping.get("__line__"), f"missing '{key}'")
    if not isinstance(value, kind):
        raise ContentError(path, mapping.get("__line__"), f"'{key}' must be {kind.__name__}")
    return value


def _date(value: Any, path: Path, line: int | None) -> date | None:
    """A verification date; none (never checked by a person) when the file gives none."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as err:
        raise ContentError(path, line, f"'{value}' is not a date (YYYY-MM-DD)") from err


def _check_facts(ids: list[Any], facts: dict[str, dict[str, str]], path: Path, line: int | None) -> list[str]:
    if not ids:
        raise ContentError(path, line, "cites no fact: content without a source is not shipped")
    unknown = [i for i in ids if str(i) not in facts]
    if unknown:
        raise ContentError(path, line, f"cites unknown fact(s) {unknown}")
    return [str(i) for i in ids]


def load_facts(path: Path) -> dict[str, dict[str, str]]:
    """Read content/facts.yml."""
    data = load_yaml(path) or {}
    facts = {}
    for fact_id, row in data.items():
        if fact_id == "__line__":
            continue
        for key in ("country", "fact", "source", "date", "flag"):
            _require(row, key, path)
        facts[str(fact_id)] = {k: str(row[k]) for k in ("country", "fact", "source", "date", "flag")}
    return facts


def _reviews(raw: dict[str, Any], path: Path) -> list[ReviewData]:
    """The optional `reviews:` list of an answer: language, role and date of each review."""
    reviews = []
    for entry in raw.get("reviews") or []:
        line = entry.get("__line__") if isinstance(entry, dict) else raw.get("__line__")
        if not isinstance(entry, dict):
            raise ContentError(path, line, "a review must be a mapping of language, role and date")
        language, role = str(_require(entry, "language", path)), str(_require(entry, "role", path))
        if language not in LANGUAGES:
            raise ContentError(path, line, f"review in unknown language '{language}'")
        reviewed = _date(_require(entry, "date", path, object), path, line)
        if reviewed is None:
            raise ContentError(path, line, "a review needs a date")
        reviews.append(ReviewData(language, role, reviewed))
    return reviews


def parse_answer(
    raw: dict[str, Any], topic: str, facts: dict[str, dict[str, str]], path: Path, default_verified: date | None = None
) -> AnswerData:
    """Validate one answer mapping."""
    line = raw.get("__line__")
    country = str(_require(raw, "country", path))
    if country != REGIONAL and (len(country) != 2 or not country.isupper()):
        raise ContentError(path, line, f"country '{country}' is neither an ISO 3166 code nor {REGIONAL}")
    fact_ids = _check_facts(list(raw.get("facts") or []), facts, path, line)
    sources = []
    for source in raw.get("sources") or []:
        sources.append(
            SourceData(
                str(_require(source, "name", path)), source.get("url"), str(_require(source, "date", path)),
            )
        )
    if not sources:
        raise ContentError(path, line, "has no source")
    texts_raw = _require(raw, "texts", path, dict)
    texts = {}
    for language in LANGUAGES:
        entry = texts_raw.get(language)
        if not isinstance(entry, dict):
            raise ContentError(path, texts_raw.get("__line__", line), f"no text in '{language}'")
        texts[language] = (str(_require(entry, "title", path)), str(_require(entry, "body", path)))
    verified = _date(raw.get("verified_at", default_verified), path, line)
    return AnswerData(topic, country, fact_ids, sources, texts, verified, origin=f"{path}:{line}",
                      reviews=_reviews(raw, path))


def load_answers(directory: Path, facts: dict[str, dict[str, str]], default_verified: date | None = None) -> list[AnswerData]:
    """Read content/answers/*.yml."""
    answers: list[AnswerData] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        data = load_yaml(path) or {}
        topic = str(_require(data, "topic", path))
        if topic not in TOPICS:
            raise ContentError(path, data.get("__line__"), f"unknown topic '{topic}'")
        for raw in data.get("answers") or []:
            answer = parse_answer(raw, topic, facts, path, default_verified)
            if answer.key in seen:
                raise ContentError(path, raw.get("__line__"), f"{answer.key} is already defined at {seen[answer.key]}")
            seen[answer.key] = answer.origin
            answers.append(answer)
    return answers


def _worst_flag(fact_ids: list[str], facts: dict[str, dict[str, str]]) -> str:
    flags = [facts[i]["flag"].split()[0].strip("()") for i in fact_ids]
    known = [f for f in flags if f in FLAG_ORDER]
    return max(known, key=FLAG_ORDER.index) if known else "CHECK"


def load_hotlines(path: Path, facts: dict[str, dict[str, str]], default_verified: date | None = None) -> list[dict[str, Any]]:
    """Read content/hotlines.yml."""
    rows = []
    for raw in (load_yaml(path) or {}).get("hotlines") or []:
        line = raw.get("__line__")
        country, kind, number = (str(_require(raw, k, path)) for k in ("country", "kind", "number"))
        fact_ids = _check_facts(list(raw.get("facts") or []), facts, path, line)
        source = _require(raw, "source", path, dict)
        labels = _require(raw, "label", path, dict)
        missing = [lang for lang in LANGUAGES if not labels.get(lang)]
        if missing:
            raise ContentError(path, line, f"label missing in {missing}")
        rows.append({
            "key": f"{country}/{kind}/{number}", "country": country, "kind": kind, "number": number,
            "hours": raw.get("hours"), "labels": {lang: str(labels[lang]) for lang in LANGUAGES},
            "flag": _worst_flag(fact_ids, facts), "fact_ids": fact_ids,
            "source_name": str(_require(source, "name", path)), "source_url": source.get("url"),
            "source_date": str(_require(source, "date", path)),
            "verified_at": _date(raw.get("verified_at", default_verified), path, line),
        })
    return rows


def load_help_points(path: Path, facts: dict[str, dict[str, str]], default_verified: date | None = None) -> list[dict[str, Any]]:
    """Read content/help_points.yml."""
    rows = []
    for raw in (load_yaml(path) or {}).get("help_points") or []:
        line = raw.get("__line__")
        fact_ids = _check_facts(list(raw.get("facts") or []), facts, path, line)
        latitude, longitude = raw.get("latitude"), raw.get("longitude")
        if not isinstance(latitude, (int, float)) or not -90 <= latitude <= 90:
            raise ContentError(path, line, "latitude must be a number between -90 and 90")
        if not isinstance(longitude, (int, float)) or not -180 <= longitude <= 180:
            raise ContentError(path, line, "longitude must be a number between -180 and 180")
        services = {k: str(v) for k, v in (raw.get("services") or {}).items() if k != "__line__"}
        rows.append({
            "key": str(_require(raw, "key", path)), "kind": str(_require(raw, "kind", path)),
            "name": str(_require(raw, "name", path)), "country": str(_require(raw, "country", path)),
            "city": raw.get("city"), "address": raw.get("address"), "latitude": float(latitude),
            "longitude": float(longitude), "location_precision": str(raw.get("location_precision", "exact")),
            "phone": raw.get("phone"), "opening_hours": _strip_lines(raw.get("opening_hours")),
            "languages": list(raw.get("languages") or []), "services": services, "fact_ids": fact_ids,
            "verified_at": _date(raw.get("verified_at", default_verified), path, line),
        })
    return rows


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def load_bundle(directory: Path, default_verified: date | None = None) -> ContentBundle:
    """Read and validate a whole content directory."""
    facts = load_facts(directory / "facts.yml")
    bundle = ContentBundle(facts=facts)
    bundle.answers = load_answers(directory / "answers", facts, default_verified)
    if (directory / "hotlines.yml").exists():
        bundle.hotlines = load_hotlines(directory / "hotlines.yml", facts, default_verified)
    if (directory / "help_points.yml").exists():
        bundle.help_points = load_help_points(directory / "help_points.yml", facts, default_verified)
    return bundle


def import_bundle(session: Session, bundle: ContentBundle) -> dict[str, int]:
    """Upsert everything in the caller's transaction; return counts per kind."""
    for fact_id, row in bundle.facts.items():
        session.merge(Fact(id=fact_id, country=row["country"], text=row["fact"], source=row["source"],
                           source_date=row["date"], flag=row["flag"]))
    for topic in TOPICS:
        session.merge(Topic(id=topic))
    session.flush()
    for data in bundle.answers:
        upsert_answer(session, data)
    _upsert_by_key(session, Hotline, bundle.hotlines)
    _upsert_by_key(session, HelpPoint, bundle.help_points)
    return {"facts": len(bundle.facts), "answers": len(bundle.answers),
            "hotlines": len(bundle.hotlines), "help_points": len(bundle.help_points)}


def upsert_answer(session: Session, data: AnswerData) -> Answer:
    """Create or replace one answer by its topic and country."""
    answer = session.scalar(sa.select(Answer).where(Answer.topic_id == data.topic, Answer.country == data.country))
    if answer is None:
        answer = Answer(topic_id=data.topic, country=data.country)
        session.add(answer)
    existing = {t.language: t for t in answer.texts}
    unchanged = {lang: (t.title, t.body) for lang, t in existing.items()} == data.texts
    # A check a person made in the console still holds when a re-import brings the same texts.
    if data.verified_at is not None or not unchanged:
        answer.verified_at = data.verified_at
    answer.updated_at = sa.func.now()
    answer.facts = [session.get(Fact, fact_id) for fact_id in data.facts]
    for language, (title, body) in data.texts.items():
        text = existing.get(language) or AnswerText(language=language)
        text.title, text.body = title, body
        if language not in existing:
            answer.texts.append(text)
    answer.sources = [
        AnswerSource(position=i, name=s.name, url=s.url, source_date=s.source_date) for i, s in enumerate(data.sources)
    ]
    session.flush()
    return answer


def _upsert_by_key(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        current = session.scalar(sa.select(model).where(model.key == row["key"]))  # type: ignore[attr-defined]
        if current is None:
            session.add(model(**row))
        else:
            for name, value in row.items():
                setattr(current, name, value)
    session.flush()


CSV_FIELDS = ("topic", "country", "language", "title", "body", "facts", "sources", "verified_at")


def export_answers_csv(session: Session, path: Path) -> int:
    """Write every answer text as one CSV row; return the number of rows."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for answer in session.scalars(sa.select(Answer).order_by(Answer.topic_id, Answer.country)).all():
            sources = json.dumps([{"name": s.name, "url": s.url, "date": s.source_date} for s in answer.sources],
                                 ensure_ascii=False)
            for text in sorted(answer.texts, key=lambda t: LANGUAGES.index(t.language)):
                writer.writerow({
                    "topic": answer.topic_id, "country": answer.country, "language": text.language,
                    "title": text.title, "body": text.body, "facts": " ".join(f.id for f in answer.facts),
                    "sources": sources, "verified_at": answer.verified_at.isoformat() if answer.verified_at else "",
                })
                rows += 1
    return rows


def load_answers_csv(path: Path, facts: dict[str, dict[str, str]]) -> list[AnswerData]:
    """Read answers from CSV (one row per answer and language), validating every row."""
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    with path.open(newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        missing = [f for f in CSV_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise ContentError(path, 1, f"missing column(s) {missing}")
        for row in reader:
            line = reader.line_num
            if row["topic"] not in TOPICS:
                raise ContentError(path, line, f"unknown topic '{row['topic']}'")
            if row["language"] not in LANGUAGES:
                raise ContentError(path, line, f"unknown language '{row['language']}'")
            if not row["title"].strip() or not row["body"].strip():
                raise ContentError(path, line, "empty title or body")
            try:
                sources = [SourceData(s["name"], s.get("url"), s["date"]) for s in json.loads(row["sources"])]
            except (ValueError, KeyError, TypeError) as err:
                raise ContentError(path, line, f"sources must be a JSON list of {{name, url, date}}: {err}") from err
            entry = grouped.setdefault((row["topic"], row["country"]), {
                "line": line, "facts": _check_facts(row["facts"].split(), facts, path, line),
                "sources": sources, "texts": {}, "verified_at": _date(row.get("verified_at"), path, line),
            })
            entry["texts"][row["language"]] = (row["title"], row["body"])
    answers = []
    for (topic, country), entry in grouped.items():
        absent = [lang for lang in LANGUAGES if lang not in entry["texts"]]
        if absent:
            raise ContentError(path, entry["line"], f"{topic}/{country} has no text in {absent}")
        answers.append(AnswerData(topic, country, entry["facts"], entry["sources"], entry["texts"],
                                  entry["verified_at"], origin=f"{path}:{entry['line']}"))
    return answers
