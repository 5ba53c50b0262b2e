"""One language registry: Python code names no language code; the registry's words drive the channels."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.channels.text import is_opt_out
from bot.i18n import languages
from bot.settings import PROJECT_ROOT

CODES = set(languages.codes())


def _files_naming_language_codes() -> list[str]:
    found = []
    for path in sorted([*PROJECT_ROOT.glob("bot/**/*.py"), *PROJECT_ROOT.glob("actions/**/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in CODES for n in ast.walk(tree)):
            found.append(str(path.relative_to(PROJECT_ROOT)))
    return found


def test_only_the_registry_names_language_codes() -> None:
    assert CODES == {"es", "en", "fr", "ht", "pt"}
    assert _files_naming_language_codes() == []


def test_the_scan_would_catch_a_hard_coded_language_list(tmp_path: Path) -> None:
    tree = ast.parse('SUPPORTED = ("es", "en")')
    assert {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in CODES} == {"es", "en"}


@pytest.mark.parametrize("message", ["STOP", "Baja.", "arrêter", "sispann", "descadastrar", " Cancelar! "])
def test_an_opt_out_word_in_any_language_is_an_opt_out(message: str) -> None:
    assert is_opt_out(message)


@pytest.mark.parametrize("message", ["no quiero parar de recibir", "stop it please they hit me", "hola", ""])
def test_a_sentence_is_never_an_opt_out(message: str) -> None:
    assert not is_opt_out(message)


def test_every_language_can_cancel_a_request_and_every_word_is_folded() -> None:
    for language in languages.registry().languages:
        assert language.cancel, f"{language.code} has no cancel word"
        assert all(word == languages.fold(word) for word in language.cancel | language.opt_out)
    assert "cancelar" in languages.cancel_words() and "annuler" in languages.cancel_words()


def test_defaults_are_registered_languages() -> None:
    registry = languages.registry()
    assert registry.default in CODES and registry.console_source in languages.console_codes()
    assert set(registry.content_fallback) <= CODES
