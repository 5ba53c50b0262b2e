#!/usr/bin/env bash
# Train a model only when its inputs changed; print the model path on the last line.
# Usage: scripts/train.sh [full|test]   ("test" trains with few epochs, for the test suite)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
kind=${1:-full}
mkdir -p models var
config=config.yml
if [ "$kind" = test ]; then
  config=var/config.test.yml
  python -m bot.tools.test_config config.yml "$config"
fi
hash=$( { cat "$config" domain.yml requirements.txt scripts/train.sh; find nlu stories bot/nlu -type f \( -name '*.yml' -o -name '*.py' \) | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16)
model="models/$kind-$hash.tar.gz"
if [ -f "$model" ]; then
  echo "Model up to date: $model" >&2
else
  echo "Training $kind model ($model)..." >&2
  start=$(date +%s)
  rasa train --quiet --augmentation 0 --config "$config" --domain domain.yml --data nlu stories \
    --out models --fixed-model-name "$kind-$hash" >var/train-$kind.log 2>&1 || { tail -40 var/train-$kind.log >&2; exit 1; }
  echo "Trained in $(( $(date +%s) - start )) s" >&2
fi
echo "$model"
