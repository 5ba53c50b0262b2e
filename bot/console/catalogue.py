"""The console's message catalogues: extract every message id (Python ``_()``/``N_()``, the
handoff's ``HandoffError`` texts, the templates' ``_()``/``{% trans %}``) with Babel and keep the
``.po`` files of each language in step (``python -m bot.console messages``).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from bot.console.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE

HERE = Path(__file__).resolve().parent
SOURCES = [*sorted(HERE.glob("*.py")), HERE.parent / "desk" / "staff.py"]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "HandoffError": None}


def extract() -> Catalog:
    """Every message id the console shows, with where it is used."""
    catalog = Catalog(domain=DOMAIN, project="Ventanilla desk console")
    for path in SOURCES:
        for lineno, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
            catalog.add(message, locations=[(path.name, lineno)])
    for path in sorted((HERE / "templates").glob("*.html")):
        for lineno, message, _comments, _context in extract_from_file(
            "jinja2.ext:babel_extract", str(path), options={"extensions": "jinja2.ext.i18n"}
        ):
            catalog.add(message, locations=[(f"templates/{path.name}", lineno)])
    return catalog


def po_path(language: str) -> Path:
    """The catalogue file of a language."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    """A language's catalogue (empty when it has none yet)."""
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def update() -> dict[str, int]:
    """Add new message ids to every translated language's .po (kept translations stay); untranslated counts."""
    template = extract()
    missing = {}
    for language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        catalog = read(language)
        catalog.update(template, no_fuzzy_matching=True)
        po_path(language).parent.mkdir(parents=True, exist_ok=True)
        with po_path(language).open("wb") as po:
            write_po(po, catalog, width=100, omit_header=False, sort_output=False)
        missing[language] = sum(1 for message in catalog if message.id and not message.string)
    return missing
