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
# Some machines list local package folders that do not exist; pip warns once per package.
quiet() { grep -v "is ignored: it is neither a file nor a directory" || true; }
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip==24.0 wheel 2>&1 | quiet
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 | quiet
echo "$want" > "$stamp"
