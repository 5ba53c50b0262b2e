#!/usr/bin/env bash
# Run past one process: N Rasa servers and N action servers behind nginx, on the production settings
# (PostgreSQL tracker store and information database, Redis lock store, RabbitMQ event broker), with
# the desk console (which runs the daily jobs) and the evidence consumer, all under supervisord.
#
#   scripts/cluster.sh up [N]     start (N = 2 by default); webhooks and REST at 127.0.0.1:5005, console at :5006
#   scripts/cluster.sh status     what supervisord runs, with pids
#   scripts/cluster.sh stop|start NAME...   take programs out and back (rasa-2 actions-2: one instance)
#   scripts/cluster.sh down       stop all of it
#
# supervisord (requirements-cluster.txt) restarts a process that dies; each process's pid is in
# var/cluster/<name>.pid (rasa-1, rasa-2, ..., actions-1, ..., console, evidence, nginx), kept current
# by an event listener on supervisord's process state events (bot/tools/cluster_pids.py). nginx is
# Debian's package, installed when missing. Settings: the same environment as `make run` (TWILIO_*,
# TELEGRAM_*; Telegram needs TELEGRAM_WEBHOOK_URL here: long polling from several servers is refused by
# Telegram) plus DATABASE_URL and TRACKER_DATABASE_URL (default: the local
# PostgreSQL database `test`), REDIS_HOST/PORT/DB, RABBITMQ_HOST/PORT/USERNAME/PASSWORD. Ports:
# CLUSTER_HTTP_PORT (5005), CLUSTER_CONSOLE_PORT (5006), CLUSTER_ACTION_PORT (5055, the action servers'
# balancer), CLUSTER_BASE_PORT (5100: Rasa servers at +1.., action servers at +51.., console at +99).
# CLUSTER_MODEL: a trained model to serve (default: scripts/train.sh full); CLUSTER_DIR: where its files
# go (default var/cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
command=${1:-}
dir=${CLUSTER_DIR:-$PWD/var/cluster}  # another directory runs a second cluster beside it (the tests)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
conf=$dir/supervisord.conf

ctl() { supervisorctl -c "$conf" "$@"; }

write_pids() {
  # supervisord knows each program's pid; var/cluster/<name>.pid mirrors it (0 while restarting). One
  # `supervisorctl status` per call: its lines read "<name> RUNNING pid <n>, uptime ..." .
  ctl status 2>/dev/null | awk '{ pid = ($2 == "RUNNING") ? $4 : "0"; sub(",", "", pid); print $1, pid }' |
    while read -r name pid; do
      echo "$pid" >"$dir/$name.pid.tmp" && mv "$dir/$name.pid.tmp" "$dir/$name.pid"
    done
}

case "$command" in
up)
  n=${2:-2}
  [[ "$n" =~ ^[1-9][0-9]?$ ]] || { echo "usage: scripts/cluster.sh up [N] (1-99 servers)" >&2; exit 2; }
  if [ -S "$dir/supervisor.sock" ] && ctl status >/dev/null 2>&1; then
    echo "the cluster is already up (scripts/cluster.sh down first)" >&2; exit 1
  fi
  if [ -n "${TELEGRAM_BOT_TOKEN:-}" ] && [ -z "${TELEGRAM_WEBHOOK_URL:-}" ]; then
    echo "in the cluster Telegram needs TELEGRAM_WEBHOOK_URL (several servers cannot long-poll one bot)" >&2; exit 2
  fi
  command -v supervisord >/dev/null 2>&1 || pip install -q -r requirements-cluster.txt
  if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "installing nginx (Debian's package)"
    { apt-get install -y -qq nginx || { apt-get update -qq && apt-get install -y -qq nginx; }; } >var/nginx-install.log 2>&1 \
      || { tail -20 var/nginx-install.log >&2; exit 1; }
  fi
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  scripts/services.sh
  http_port=${CLUSTER_HTTP_PORT:-5005}
  console_port=${CLUSTER_CONSOLE_PORT:-5006}
  action_port=${CLUSTER_ACTION_PORT:-5055}
  base=${CLUSTER_BASE_PORT:-5100}
  # nginx's workers run as an unprivileged user: they must reach the directory and write to nginx-tmp.
  mkdir -p "$dir/nginx-tmp" && chmod 755 "$dir" && chmod 1777 "$dir/nginx-tmp"
  rm -f "$dir"/*.pid

  export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
  export TRACKER_DATABASE_URL=${TRACKER_DATABASE_URL:-$DATABASE_URL}
  export REDIS_HOST=${REDIS_HOST:-127.0.0.1} REDIS_PORT=${REDIS_PORT:-6379} REDIS_DB=${REDIS_DB:-0}
  export RABBITMQ_HOST=${RABBITMQ_HOST:-127.0.0.1} RABBITMQ_PORT=${RABBITMQ_PORT:-5672}
  export RABBITMQ_USERNAME=${RABBITMQ_USERNAME:-guest} RABBITMQ_PASSWORD=${RABBITMQ_PASSWORD:-guest}
  export ACTION_ENDPOINT_URL=http://127.0.0.1:$action_port/webhook
  export RASA_URL=http://127.0.0.1:$http_port/webhooks/rest/webhook
  export EVIDENCE_BROKER=pika
  # Telegram's and Twilio's send rates, shared by every Rasa server (bot/channels/shared_pacing.py).
  export RATE_LIMIT_REDIS_URL=${RATE_LIMIT_REDIS_URL:-redis://$REDIS_HOST:$REDIS_PORT/$REDIS_DB}
  if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
    [ -f var/auth-token ] || python -c 'import secrets; print(secrets.token_urlsafe(24))' >var/auth-token
    RASA_AUTH_TOKEN=$(cat var/auth-token)
  fi
  export RASA_AUTH_TOKEN
  python -m bot.infodb migrate && python -m bot.infodb import --if-empty
  model=${CLUSTER_MODEL:-$(scripts/train.sh full)}
  python -m bot.channels credentials credentials.yml >"$dir/credentials.yml"

  # supervisord: one program per process, restarted when it dies (autorestart), its output in var/cluster/.
  {
    cat <<CONF
[unix_http_server]
file=$dir/supervisor.sock

[supervisord]
logfile=$dir/supervisord.log
pidfile=$dir/supervisord.pid
childlogdir=$dir
directory=$PWD
nodaemon=false

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$dir/supervisor.sock

[program:nginx]
command=$nginx_bin -p $dir -c $dir/nginx.conf -g "daemon off;"
autorestart=true
startsecs=1
stdout_logfile=$dir/nginx.log
redirect_stderr=true

[program:console]
command=python -m bot.console serve
environment=CONSOLE_PORT="$((base + 99))"
autorestart=true
startsecs=3
stdout_logfile=$dir/console.log
redirect_stderr=true

[program:evidence]
command=python -m bot.evidence consume
autorestart=true
startsecs=3
stdout_logfile=$dir/evidence.log
redirect_stderr=true

[eventlistener:pids]
command=python -m bot.tools.cluster_pids $dir
events=PROCESS_STATE
autorestart=true
stderr_logfile=$dir/pids.log
CONF
    for i in $(seq 1 "$n"); do
      cat <<CONF

[program:actions-$i]
command=rasa run actions --port $((base + 50 + i)) --actions actions
environment=SANIC_HOST="127.0.0.1"
autorestart=true
startsecs=5
stdout_logfile=$dir/actions-$i.log
redirect_stderr=true

[program:rasa-$i]
command=rasa run --model $model --endpoints endpoints.production.yml --credentials $dir/credentials.yml --interface 127.0.0.1 --port $((base + i)) --enable-api --auth-token %(ENV_RASA_AUTH_TOKEN)s
autorestart=true
startsecs=10
stopwaitsecs=20
stdout_logfile=$dir/rasa-$i.log
redirect_stderr=true
CONF
    done
  } >"$conf"

  # nginx: the public ports; a server that refuses connections or times out is skipped (the channel
  # webhooks are idempotent by message id, so a retried POST is safe).
  {
    echo "worker_processes 1;"
    echo "pid $dir/nginx.pid.internal;"
    echo "error_log $dir/nginx-error.log warn;"
    echo "events { worker_connections 1024; }"
    echo "http {"
    echo "  access_log off;"
    echo "  client_body_temp_path $dir/nginx-tmp/body; proxy_temp_path $dir/nginx-tmp/proxy;"
    echo "  fastcgi_temp_path $dir/nginx-tmp/fastcgi; uwsgi_temp_path $dir/nginx-tmp/uwsgi; scgi_temp_path $dir/nginx-tmp/scgi;"
    # Bodies stay in memory: webhooks are small; Rasa sends the action server the whole tracker.
    echo "  client_max_body_size 1m; client_body_buffer_size 1m; proxy_max_temp_file_size 0;"
    echo "  proxy_http_version 1.1; proxy_set_header Connection \"\";"
    echo "  proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
    echo "  proxy_set_header X-Forwarded-Proto \$scheme;"
    echo "  proxy_next_upstream error timeout http_502 http_503 non_idempotent; proxy_next_upstream_tries 3;"
    echo "  proxy_connect_timeout 2s; proxy_read_timeout 60s;"
    printf "  upstream rasa {"; for i in $(seq 1 "$n"); do printf " server 127.0.0.1:%s max_fails=1 fail_timeout=3s;" $((base + i)); done; echo " keepalive 16; }"
    printf "  upstream actions {"; for i in $(seq 1 "$n"); do printf " server 127.0.0.1:%s max_fails=1 fail_timeout=3s;" $((base + 50 + i)); done; echo " keepalive 16; }"
    echo "  upstream console { server 127.0.0.1:$((base + 99)); }"
    echo "  server { listen 127.0.0.1:$http_port; location / { proxy_pass http://rasa; } }"
    echo "  server { listen 127.0.0.1:$action_port; client_max_body_size 32m; client_body_buffer_size 32m;"
    echo "    location / { proxy_pass http://actions; } }"
    echo "  server { listen 127.0.0.1:$console_port; location / { proxy_pass http://console; } }"
    echo "}"
  } >"$dir/nginx.conf"
  "$nginx_bin" -t -p "$dir" -c "$dir/nginx.conf" >"$dir/nginx-check.log" 2>&1 || { cat "$dir/nginx-check.log" >&2; exit 1; }

  supervisord -c "$conf"
  echo "waiting for $n Rasa servers (the model loads in each)..."
  for _ in $(seq 1 600); do
    ready=0
    for i in $(seq 1 "$n"); do
      curl -fs "http://127.0.0.1:$((base + i))/status?token=$RASA_AUTH_TOKEN" >/dev/null 2>&1 && ready=$((ready + 1))
    done
    [ "$ready" -eq "$n" ] && curl -fs "http://127.0.0.1:$console_port/signin" >/dev/null 2>&1 && break
    sleep 0.5
  done
  write_pids
  if [ "$ready" -ne "$n" ]; then
    echo "not every Rasa server started; see var/cluster/rasa-*.log" >&2; ctl status >&2 || true; exit 1
  fi
  cat <<MSG
The cluster is up: $n Rasa servers, $n action servers, the console, the evidence consumer, nginx.
  Webhooks and REST: http://127.0.0.1:$http_port/webhooks/<channel>/webhook
  Desk console:      http://127.0.0.1:$console_port/
  Processes:         scripts/cluster.sh status (pids in var/cluster/<name>.pid)
  Stop:              scripts/cluster.sh down
MSG
  ;;
pids)
  write_pids
  ;;
status)
  ctl status
  ;;
stop | start)
  # Take programs out of the cluster and back (e.g. `stop rasa-2 actions-2`): nginx skips a stopped server.
  [ "$#" -ge 2 ] || { echo "usage: scripts/cluster.sh $command NAME..." >&2; exit 2; }
  ctl "$command" "${@:2}"
  ;;
down)
  if [ -f "$dir/supervisord.pid" ] && kill -0 "$(cat "$dir/supervisord.pid")" 2>/dev/null; then
    pid=$(cat "$dir/supervisord.pid")
    ctl shutdown >/dev/null 2>&1 || kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -f "$dir"/*.pid
  echo "the cluster is down"
  ;;
*)
  echo "usage: scripts/cluster.sh up [N] | status | stop NAME... | start NAME... | down" >&2
  exit 2
  ;;
esac
