"""``python -m bot.channels credentials BASE``: BASE's credentials.yml with the enabled messaging channels added.

``make run`` (scripts/run.sh) writes the result to var/credentials.yml; each channel is enabled by
its variable in ``bot.channels.registry`` and reads its settings from the environment.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.channels import registry


def main(argv: list[str] | None = None) -> int:
    """Print the credentials file; the names of the enabled channels go to stderr."""
    parser = argparse.ArgumentParser(prog="python -m bot.channels")
    commands = parser.add_subparsers(dest="command", required=True)
    credentials = commands.add_parser("credentials", help="credentials.yml with the channels the environment enables")
    credentials.add_argument("base", type=Path, help="the credentials file to start from (REST channel)")
    args = parser.parse_args(argv)
    lines = [args.base.read_text(encoding="utf-8").rstrip("\n"), *registry.credentials_lines(os.environ)]
    sys.stdout.write("\n".join(lines) + "\n")
    names = [spec.name for spec in registry.enabled(os.environ)]
    print(f"messaging channels: {', '.join(names) or 'none (REST only)'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
