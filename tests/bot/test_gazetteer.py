"""Countries are found in chat text in five languages and normalised to ISO 3166 codes."""

from __future__ import annotations

import unicodedata

import pytest
import yaml

from bot.nlu import gazetteer


def values(text: str, label: str = gazetteer.COUNTRY) -> list[str]:
    return [m.value for m in gazetteer.find(gazetteer.default_pipeline(), text) if m.label == label]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("soy hondureño", ["HN"]),
        ("soy hondureno y estoy en Tapachula", ["HN", "MX"]),
        ("mwen se ayisyen", ["HT"]),
        ("je suis à Port-au-Prince", ["HT"]),
        ("quiero ir a estados unidos", ["US"]),
        ("i'm in the dominican republic", ["DO"]),
        ("estoy en República Dominicana", ["DO"]),
        ("sou venezuelano", ["VE"]),
        ("vengo de guatemala", ["GT"]),
        ("I live in Costa Rica", ["CR"]),
        ("mexico", ["MX"]),
        ("MÉXICO", ["MX"]),
        ("can you help us", []),
        ("necesito un doctor", []),
    ],
)
def test_countries_are_normalised(text: str, expected: list[str]) -> None:
    assert values(text) == expected


def test_spans_point_into_the_original_text() -> None:
    text = "Vivo en Panamá ahora"
    (match,) = gazetteer.find(gazetteer.default_pipeline(), text)
    assert text[match.start : match.end] == "Panamá"


@pytest.mark.parametrize(
    ("text", "language"),
    [("speak english please", "en"), ("en español por favor", "es"), ("pale kreyòl", "ht"), ("em português", "pt")],
)
def test_language_names(text: str, language: str) -> None:
    assert values(text, gazetteer.TARGET_LANGUAGE) == [language]


def _strip(form: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", form.lower()) if not unicodedata.combining(c))


@pytest.mark.parametrize("filename", ["countries.yml", "languages.yml"])
def test_no_form_belongs_to_two_codes(filename: str) -> None:
    data = yaml.safe_load((gazetteer.GAZETTEER_DIR / filename).read_text(encoding="utf-8"))
    owner: dict[str, str] = {}
    for code, entry in data.items():
        forms = [f for v in entry.values() for f in v] if isinstance(entry, dict) else entry
        for form in forms:
            key = _strip(form)
            assert owner.setdefault(key, code) == code, f"{form!r} is under {owner[key]} and {code}"


def test_every_region_country_is_covered() -> None:
    data = yaml.safe_load((gazetteer.GAZETTEER_DIR / "countries.yml").read_text(encoding="utf-8"))
    region = {"MX", "GT", "BZ", "SV", "HN", "NI", "CR", "PA", "CU", "HT", "DO", "JM"}
    region |= {"US", "CA", "CO", "VE", "EC", "BR", "CL", "ES"}
    assert region <= set(data)


def test_no_form_is_both_a_country_and_a_language() -> None:
    patterns = gazetteer.load_patterns()
    countries = {p["pattern"] for p in patterns if p["label"] == gazetteer.COUNTRY}
    languages = {p["pattern"] for p in patterns if p["label"] == gazetteer.TARGET_LANGUAGE}
    assert countries & languages == set()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("estoy en guatemala y necesito llamar a la policia", [("GT", "location")]),
        ("soy hondureño y quiero trabajar en Canadá", [("HN", "origin"), ("CA", "destination")]),
        ("je suis au Mexique et je veux aller aux États-Unis", [("MX", "location"), ("US", "destination")]),
        ("mwen nan dominikani m vle ale Ozetazini", [("DO", "location"), ("US", "destination")]),
        ("estou no méxico, quero trabalhar no canadá", [("MX", "location"), ("CA", "destination")]),
        ("I'm from El Salvador", [("SV", "origin")]),
        ("como pido asilo en costa rica", [("CR", None)]),
        ("Guatemala", [("GT", None)]),
    ],
)
def test_a_country_gets_the_role_its_cue_gives(text: str, expected: list[tuple[str, str | None]]) -> None:
    found = [(m.value, m.role) for m in gazetteer.find(gazetteer.default_pipeline(), text)
             if m.label == gazetteer.COUNTRY]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "programme", "country", "topic"),
    [
        ("I paid a recruiter 1500 dollars for an H-2A job", "US_H2A", "US", "ask_work_permit"),
        ("visa h2b para guatemaltecos", "US_H2B", "US", "ask_work_permit"),
        ("cuanto tarda la comar", "MX_COMAR", "MX", "ask_asylum"),
        ("how long with the seasonal agricultural worker program", "CA_SAWP", "CA", "ask_work_permit"),
        ("donde tramito la tarjeta de visitante regional", "MX_TVR", "MX", "ask_visa"),
        ("me inscribi en el MINTRAB", "GT_MINTRAB", "GT", "ask_work_permit"),
        ("kijan pou m ale nan ONPAR", "PA_ONPAR", "PA", "ask_asylum"),
    ],
)
def test_programmes_and_institutions_name_their_country(text: str, programme: str, country: str, topic: str) -> None:
    found = values(text, gazetteer.PROGRAMME)
    assert found == [programme]
    known = gazetteer.programmes()[programme]
    assert (known.country, known.topic) == (country, topic)


def test_every_programme_names_a_known_country_and_topic() -> None:
    from bot.infodb.content import TOPICS

    countries = yaml.safe_load((gazetteer.GAZETTEER_DIR / "countries.yml").read_text(encoding="utf-8"))
    for programme in gazetteer.programmes().values():
        assert programme.country in countries and set(programme.also) <= set(countries), programme.key
        assert programme.topic is None or programme.topic in TOPICS, programme.key


def test_no_programme_form_is_also_a_country_form() -> None:
    patterns = gazetteer.load_patterns()
    countries = {p["pattern"] for p in patterns if p["label"] == gazetteer.COUNTRY}
    programmes = {p["pattern"] for p in patterns if p["label"] == gazetteer.PROGRAMME}
    assert countries & programmes == set()
