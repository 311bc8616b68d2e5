#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the test suite and prints its URL (the only thing on stdout):
#   export CCAUDIT_TEST_PG_URL=$(scripts/start-postgres.sh)
# Installs Debian's postgresql package if no server binaries are found. The server listens on 127.0.0.1
# only, trusts local connections and keeps its data in $CCAUDIT_PG_DIR (default /tmp/ccaudit-pg-<uid>).
# Running it again reuses a running server. `scripts/start-postgres.sh stop` stops it.
set -euo pipefail
DIR=${CCAUDIT_PG_DIR:-/tmp/ccaudit-pg-$(id -u)}
DB=${CCAUDIT_PG_DB:-ccaudit_test}
log() { echo "start-postgres: $*" >&2; }

find_bin() {
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$candidate/pg_ctl" ] && { echo "$candidate"; return 0; }
  done
  command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

BIN=$(find_bin || true)
if [ -z "$BIN" ]; then
  log "installing Debian's postgresql package"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
  BIN=$(find_bin)
fi

# initdb and postgres refuse to run as root: run them as the postgres user then.
if [ "$(id -u)" -eq 0 ]; then
  as_pg() { su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; }
  OWNER=postgres
else
  as_pg() { "$@"; }
  OWNER=$(id -un)
fi

if [ "${1:-}" = "stop" ]; then
  [ -f "$DIR/data/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >&2 || true
  exit 0
fi

mkdir -p "$DIR"
[ "$(id -u)" -eq 0 ] && chown "$OWNER" "$DIR"
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  log "initialising a cluster in $DIR/data"
  as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1
fi

if as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  PORT=$(cat "$DIR/port")
  log "reusing the server on 127.0.0.1:$PORT"
else
  PORT=${CCAUDIT_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  echo "$PORT" >"$DIR/port"
  log "starting a server on 127.0.0.1:$PORT (log: $DIR/server.log)"
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PORT -k $DIR -c max_connections=200 -c fsync=on" start >&2
fi

if ! as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"
