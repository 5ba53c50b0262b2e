#!/usr/bin/env bash
# The whole suite: pytest, `rasa data validate` with no warnings, Rasa test conversations.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/services.sh
# Under make test a missing service, model or browser fails its test instead of skipping it (tests/services.py).
export VENTANILLA_REQUIRE_SERVICES=1
mkdir -p var results
# The console's end-to-end test drives Debian's Chromium (Playwright never downloads a browser).
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium for the browser tests"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >var/chromium-install.log 2>&1 \
    || { tail -20 var/chromium-install.log >&2; exit 1; }
fi

# The cluster's tests run supervisord and its event listener (requirements-cluster.txt, as cluster.sh installs it).
command -v supervisord >/dev/null 2>&1 || pip install -q --disable-pip-version-check -r requirements-cluster.txt

echo "== rasa data validate (warnings are failures)"
rasa data validate --fail-on-warnings --domain domain.yml --data nlu stories --config config.yml \
  >var/validate.log 2>&1 || { grep -E "UserWarning|ERROR|Error" var/validate.log | sed 's/\x1b\[[0-9;]*m//g' >&2; exit 1; }
echo "ok"

echo "== training the test model (cached by a hash of its inputs)"
model=$(scripts/train.sh test)
export VENTANILLA_TEST_MODEL="$PWD/$model"

echo "== pytest"
# -rs (pytest.ini) lists every skip by name at the end; on these machines the target is none.
python -m pytest -q -p no:cacheprovider tests 2>&1 | tee var/pytest.log
summary=$(tail -1 var/pytest.log)
if grep -q "skipped" <<<"$summary"; then
  echo "pytest skipped tests (listed above as SKIPPED): make test runs every test" >&2
  exit 1
fi

echo "== Rasa test conversations"
rm -rf results/conversations
rasa test core --model "$model" --stories tests/conversations --fail-on-prediction-errors \
  --out results/conversations >var/test-conversations.log 2>&1 || {
  tail -30 var/test-conversations.log >&2
  cat results/conversations/failed_test_stories.yml >&2 2>/dev/null || true
  exit 1
}
grep -E "Correct:|Accuracy" var/test-conversations.log | head -5 || true
echo "conversations: all passed"
