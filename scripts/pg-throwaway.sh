#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster for the test suite, from the machine's own binaries.
#   scripts/pg-throwaway.sh start DIR   -> prints the DATABASE_URL on stdout
#   scripts/pg-throwaway.sh stop DIR
# Installs Debian's postgresql package when run as root and it is missing. PostgreSQL refuses to
# run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail
action=${1:?start|stop}
dir=${2:?directory}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$d" ] && command -v pg_ctl >/dev/null; then d=$(dirname "$(command -v pg_ctl)"); fi
  echo "$d"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$*"
  else
    sh -c "$*"
  fi
}

if [ "$action" = stop ]; then
  bin=$(pg_bin)
  [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl -D '$dir/data' -m fast -w stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

bin=$(pg_bin)
if [ -z "$bin" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing postgresql with apt" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
    bin=$(pg_bin)
  fi
  [ -n "$bin" ] || { echo "no PostgreSQL server binaries (install the postgresql package)" >&2; exit 1; }
fi

mkdir -p "$dir"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  chown postgres "$dir"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_owner "$bin/initdb -D '$dir/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync" >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_owner "$bin/pg_ctl -D '$dir/data' -l '$dir/server.log' -w -t 60 -o \"-p $port -k '$dir' -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start" >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
