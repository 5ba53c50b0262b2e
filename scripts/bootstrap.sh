#!/usr/bin/env bash
# Create .venv with Python 3.10 and install the pinned requirements (only when they changed).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
py=$(scripts/find_python.sh)
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $py"
  "$py" -m venv .venv
fi
echo "Installing pinned requirements (a few minutes the first time)..."
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip==24.0 wheel
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
echo "$want" > "$stamp"
