"""Every composed text exists in the five languages with the same placeholders."""

from __future__ import annotations

import re

import pytest

from bot import i18n


@pytest.mark.parametrize("key", sorted(i18n.catalogue()))
def test_every_key_has_five_languages_with_the_same_placeholders(key: str) -> None:
    entry = i18n.catalogue()[key]
    assert set(entry) == set(i18n.LANGUAGES)
    if all(isinstance(v, str) for v in entry.values()):
        shapes = {lang: sorted(re.findall(r"\{(\w+)\}", v)) for lang, v in entry.items()}
        assert len({tuple(s) for s in shapes.values()}) == 1, shapes
    else:
        assert len({tuple(sorted(v)) for v in entry.values()}) == 1, "tables must have the same keys"


def test_every_country_name_has_five_languages() -> None:
    assert all(set(names) == set(i18n.LANGUAGES) for names in i18n.country_names().values())


def test_unknown_language_falls_back_to_spanish() -> None:
    assert i18n.text("offer_person", "de") == i18n.text("offer_person", "es")
