#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter (Rasa 3.6 does not run on 3.11+).
set -euo pipefail
for candidate in "${PYTHON310:-}" python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv root 2>/dev/null)/versions/3.10"*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  [ -n "$candidate" ] || continue
  if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
echo "error: Python 3.10 is required (Rasa 3.6 does not run on 3.11 or newer)." >&2
echo "Install it (e.g. 'pyenv install 3.10' or your system's python3.10 package) or set PYTHON310=/path/to/python3.10." >&2
exit 1
