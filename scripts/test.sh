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

# The two runs go side by side (each is mostly one process waiting on daemons, browsers and
# servers, so on two cores together they take little more than the longer one alone);
# TEST_SERIAL=1 runs them one after the other. The SQLite run prints as it goes; the PostgreSQL
# run's output is printed whole after it.
logs=$(mktemp -d /tmp/yuqing-test-logs.XXXXXX)
run_sqlite() { echo "== test suite on SQLite"; $py -m pytest "$@"; echo $? >"$logs/sqlite.rc"; }
run_pg() {
  if url=$(scripts/pg-throwaway.sh start "$pgdir"); then
    DATABASE_URL="$url" $py -m pytest "$@" >"$logs/pg.log" 2>&1; echo $? >"$logs/pg.rc"
  else
    echo "PostgreSQL could not be started" >"$logs/pg.log"
    if [ "${CI:-}" = true ]; then echo 1 >"$logs/pg.rc"; else echo "(not in CI: PostgreSQL run left out)" >>"$logs/pg.log"; echo 0 >"$logs/pg.rc"; fi
  fi
}
if [ "${TEST_SERIAL:-}" = 1 ]; then
  run_sqlite "$@"; run_pg "$@"
else
  run_sqlite "$@" & sqlite_pid=$!
  run_pg "$@" & pg_pid=$!
  wait $sqlite_pid $pg_pid
fi
echo "== test suite on PostgreSQL"; cat "$logs/pg.log"
sqlite_rc=$(cat "$logs/sqlite.rc"); pg_rc=$(cat "$logs/pg.rc")
rm -rf "$logs"
echo "== SQLite run exit $sqlite_rc, PostgreSQL run exit $pg_rc"
[ "$sqlite_rc" = 0 ] && [ "$pg_rc" = 0 ]
