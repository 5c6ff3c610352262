#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the monitoring store's tests (the same tests run on SQLite).
#   .ci/postgres.sh start DIR PORT   -> initdb + pg_ctl in DIR as a non-root user; prints the URL
#   .ci/postgres.sh stop DIR
# Installs the Debian server package when missing (needs root, as in CI). The server listens on
# 127.0.0.1:PORT and on a unix socket in DIR only, trusts local connections and keeps everything in DIR.
set -euo pipefail
cmd="$1"; dir="$2"; port="${3:-55432}"

bindir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
    if [ -z "$d" ] && command -v initdb >/dev/null; then d="$(dirname "$(readlink -f "$(command -v initdb)")")"; fi
    echo "$d"
}

as_owner() {  # run a command as the cluster's owner: postgres refuses to run as root
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
    if [ -z "$(bindir)" ]; then
        if [ "$(id -u)" != 0 ]; then echo "postgres.sh: PostgreSQL is not installed and we are not root" >&2; exit 1; fi
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; then
            apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
        fi
    fi
    bin="$(bindir)"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U orinoco --auth=trust -E UTF8 --no-locale >"$dir/initdb.log"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    as_owner "$bin/createdb" -h "$dir" -p "$port" -U orinoco orinoco_test
    echo "postgresql+psycopg://orinoco@127.0.0.1:$port/orinoco_test"
    ;;
stop)
    bin="$(bindir)"
    if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2 ;;
esac
