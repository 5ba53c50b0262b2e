#!/usr/bin/env bash
# Start the action server, the Rasa server (REST channel + HTTP API behind a token) and the desk console.
# Usage: scripts/run.sh [shell]. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mode=${1:-server}
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
CONSOLE_PORT=${CONSOLE_PORT:-5006}
export CONSOLE_PORT
export RASA_URL=${RASA_URL:-http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook}
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTION_PORT/webhook}
mkdir -p var
if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  [ -f var/auth-token ] || python -c 'import secrets; print(secrets.token_urlsafe(24))' > var/auth-token
  RASA_AUTH_TOKEN=$(cat var/auth-token)
fi
export RASA_AUTH_TOKEN

model=$(scripts/train.sh full)

# Messaging channels, each enabled by its variable in bot/channels/registry.py (WhatsApp:
# TWILIO_WHATSAPP_FROM, SMS: TWILIO_SMS_FROM, Telegram: TELEGRAM_BOT_TOKEN); their settings come
# from the environment (bot/channels/config.py and the channel's module).
credentials=var/credentials.yml
python -m bot.channels credentials credentials.yml > "$credentials"

pids=()
cleanup() {
  trap - INT TERM HUP EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM HUP EXIT

SANIC_HOST=${ACTION_HOST:-127.0.0.1} rasa run actions --port "$ACTION_PORT" --actions actions >var/actions.log 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$ACTION_PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done

if [ "$mode" = shell ]; then
  rasa shell --model "$model" --endpoints "${ENDPOINTS:-endpoints.yml}" --port "$RASA_PORT"
  exit 0
fi

rasa run --model "$model" --endpoints "${ENDPOINTS:-endpoints.yml}" --credentials "$credentials" \
  --interface "${RASA_INTERFACE:-127.0.0.1}" --port "$RASA_PORT" --enable-api --auth-token "$RASA_AUTH_TOKEN" --cors "http://localhost:$RASA_PORT" \
  >var/rasa.log 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do
  curl -fs "http://127.0.0.1:$RASA_PORT/status?token=$RASA_AUTH_TOKEN" >/dev/null 2>&1 && break
  kill -0 "${pids[1]}" 2>/dev/null || { echo "The Rasa server stopped; see var/rasa.log" >&2; tail -20 var/rasa.log >&2; exit 1; }
  sleep 0.5
done

python -m bot.console serve >var/console.log 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$CONSOLE_PORT/signin" >/dev/null 2>&1 && break
  kill -0 "${pids[2]}" 2>/dev/null || { echo "The desk console stopped; see var/console.log" >&2; tail -20 var/console.log >&2; exit 1; }
  sleep 0.5
done

# Evidence counts from Rasa's event broker (the SQL table of endpoints.yml; RabbitMQ in production).
if [ "${ENDPOINTS:-endpoints.yml}" = endpoints.production.yml ]; then export EVIDENCE_BROKER=${EVIDENCE_BROKER:-pika}; fi
python -m bot.evidence consume >var/evidence.log 2>&1 &
pids+=($!)

cat <<MSG

Ventanilla is running.
  Talk to it:   curl -s -X POST http://localhost:$RASA_PORT/webhooks/rest/webhook \\
                  -H 'Content-Type: application/json' -d '{"sender": "me", "message": "hola"}'
  HTTP API:     http://localhost:$RASA_PORT/status?token=\$(cat var/auth-token)
  Action server: http://localhost:$ACTION_PORT/health
  Desk console: http://localhost:$CONSOLE_PORT/  (first admin: python -m bot.console create-admin --username NAME)
  Logs:         var/rasa.log, var/actions.log, var/console.log
  Chat in a terminal instead: make shell.   Stop: Ctrl-C.
MSG
wait -n "${pids[@]}"
