"""Write a copy of config.yml with few epochs, for the test suite's model."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

TEST_EPOCHS = {"DIETClassifier": 30, "TEDPolicy": 5}


def main(source: str, target: str) -> None:
    """Copy ``source`` to ``target`` with the epochs of TEST_EPOCHS."""
    config = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    for component in config.get("pipeline", []) + config.get("policies", []):
        if component.get("name") in TEST_EPOCHS:
            component["epochs"] = TEST_EPOCHS[component["name"]]
    Path(target).write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
