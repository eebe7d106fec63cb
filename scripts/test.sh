#!/usr/bin/env bash
# The whole test suite, as `make test` runs it: once on SQLite, once on a throwaway PostgreSQL.
# In CI (CI=true) a PostgreSQL run that cannot start is a failure, never a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python

# System packages the tests drive: Debian's chromium (browser tests). Installed when root.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium with apt" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 || true
  fi
fi

# systemd-analyze (the unit file test).
if ! command -v systemd-analyze >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd) >&2 || true
fi

pgdir=$(mktemp -d /tmp/yuqing-pg.XXXXXX)
chmod 755 "$pgdir"
cleanup() { scripts/pg-throwaway.sh stop "$pgdir"; }
trap cleanup EXIT

echo "== test suite on SQLite"
$py -m pytest "$@"
sqlite_rc=$?

echo "== test suite on PostgreSQL"
if url=$(scripts/pg-throwaway.sh start "$pgdir"); then
  DATABASE_URL="$url" $py -m pytest "$@"
  pg_rc=$?
else
  echo "PostgreSQL could not be started" >&2
  if [ "${CI:-}" = true ]; then pg_rc=1; else echo "(not in CI: PostgreSQL run left out)" >&2; pg_rc=0; fi
fi
[ $sqlite_rc = 0 ] && [ $pg_rc = 0 ]
