#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 and Redis 7 on 127.0.0.1, then stops both by PID.
#
#   scripts/with-test-services.sh <command> [args...]
#
# Exports to the command:
#   SIGNX_TEST_POSTGRES_URL  postgres://signx@127.0.0.1:<port>/signx_test
#   SIGNX_TEST_REDIS_URL     redis://127.0.0.1:<port>/0
# PostgreSQL runs as an unprivileged user (initdb refuses root): the current user when not root,
# else the `postgres` system user. Data lives in a temp dir removed at exit.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
work=$(mktemp -d /tmp/signx-test-services.XXXXXX)
chmod 755 "$work"
pg_pid=""
redis_pid=""

# A port nobody listens on (bash's /dev/tcp connect fails for a free port).
free_port() {
  local p
  while true; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

as_pg_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  local rc=$?
  if [ -n "$pg_pid" ] && kill -0 "$pg_pid" 2>/dev/null; then
    kill -INT "$pg_pid" 2>/dev/null || true   # fast shutdown
    for _ in $(seq 50); do kill -0 "$pg_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pg_pid" 2>/dev/null || true
  fi
  if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
    kill -TERM "$redis_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$redis_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT INT TERM

# PostgreSQL
pg_port=$(free_port)
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg_user "$PG_BIN/initdb" -D "$work/pg/data" -U signx --auth=trust -E UTF8 --no-locale >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log"; exit 1; }
# Tests trade durability for speed; benchmarks set SIGNX_TEST_PG_DURABLE=1 for the real settings.
pg_speed=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
[ "${SIGNX_TEST_PG_DURABLE:-0}" = 1 ] && pg_speed=()
as_pg_user "$PG_BIN/postgres" -D "$work/pg/data" -h 127.0.0.1 -p "$pg_port" -k "$work/pg" \
  "${pg_speed[@]}" -c max_connections=200 >"$work/postgres.log" 2>&1 &
launcher_pid=$!
for _ in $(seq 100); do
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break
  kill -0 "$launcher_pid" 2>/dev/null || { cat "$work/postgres.log"; exit 1; }
  sleep 0.1
done
# The postmaster's own PID (the launcher may be runuser).
pg_pid=$(head -1 "$work/pg/data/postmaster.pid")
"$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U signx signx_test

# Redis
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
  --dir "$work" --logfile "$work/redis.log" --daemonize no &
redis_pid=$!
for _ in $(seq 100); do
  redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
  kill -0 "$redis_pid" 2>/dev/null || { cat "$work/redis.log"; exit 1; }
  sleep 0.1
done

export SIGNX_TEST_POSTGRES_URL="postgres://signx@127.0.0.1:${pg_port}/signx_test"
export SIGNX_TEST_REDIS_URL="redis://127.0.0.1:${redis_port}/0"
echo "test services: postgres pid $pg_pid port $pg_port, redis pid $redis_pid port $redis_port" >&2
"$@"
