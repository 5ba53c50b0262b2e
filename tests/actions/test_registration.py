"""The action server loads the actions package as production does and registers every custom action of the domain."""

from __future__ import annotations

import yaml
from rasa_sdk.executor import ActionExecutor

from bot.settings import PROJECT_ROOT


def test_every_custom_action_of_the_domain_is_registered() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")  # raises when a class cannot be registered (an action without a name)
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    custom = {name for name in domain["actions"] if name.startswith("action_")}
    assert custom <= set(executor.actions), sorted(custom - set(executor.actions))
