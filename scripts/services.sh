#!/usr/bin/env bash
# Start the services the suite talks to (PostgreSQL, Redis, RabbitMQ) when they are installed here but down,
# with the machines' own start commands, then wait for them. Fails, naming each service that is
# still missing, so `make test` never runs without them (tests would fail one by one instead).
# RabbitMQ is Rasa's event broker in production (the evidence consumer, the cluster); Mosquitto and
# NATS are not needed.
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! up 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "Starting PostgreSQL..."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! up 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "Starting Redis..."
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
if ! up 5672 && command -v rabbitmq-server >/dev/null 2>&1; then
  echo "Starting RabbitMQ..."
  rabbitmq-server -detached >/dev/null 2>&1 || true
fi
for _ in $(seq 1 60); do up 5432 && up 6379 && up 5672 && break; sleep 1; done
missing=()
up 5432 || missing+=("PostgreSQL (127.0.0.1:5432; install postgresql, or start it with pg_ctlcluster)")
up 6379 || missing+=("Redis (127.0.0.1:6379; install redis-server)")
up 5672 || missing+=("RabbitMQ (127.0.0.1:5672; install rabbitmq-server, or start it with rabbitmq-server -detached)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "make test needs these services, and they are not running:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
