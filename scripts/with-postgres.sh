#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: initdb into a temporary folder, start it on
# a free loopback port with trust authentication, create a database, export DATABASE_URL, run the
# command, then stop the server and remove the folder, whatever the command did.
#   scripts/with-postgres.sh npm test
set -euo pipefail

pg_bin="${PG_BIN:-}"
if [ -z "$pg_bin" ]; then
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [ -z "$pg_bin" ] && command -v pg_ctl >/dev/null 2>&1; then
  pg_bin="$(dirname "$(command -v pg_ctl)")"
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "with-postgres: PostgreSQL server binaries not found (install Debian's postgresql package, or set PG_BIN)" >&2
  exit 1
fi

work="$(mktemp -d /tmp/voucherd-pg.XXXXXX)"
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"

# initdb refuses to run as root; as root, the cluster belongs to the postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi

stop() {
  as_owner "$pg_bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT

as_owner "$pg_bin/initdb" -D "$work/data" -A trust -U postgres --no-sync >/dev/null
as_owner "$pg_bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
"$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres voucherd

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/voucherd"
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
status=0
"$@" || status=$?
exit "$status"
