#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests that run on the PostgreSQL engine (a ctest
# fixture: "start" before them, "stop" after). It listens only on a unix socket in DIR, keeps
# nothing on disk that matters (fsync off) and is removed by "stop".
#
#   postgres_cluster.sh start DIR | stop DIR
set -euo pipefail
action=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres_cluster: PostgreSQL is not installed (scripts/deps.sh)" >&2; exit 1; }
# initdb refuses to run as root: the server then runs as the postgres user.
as_owner=()
[ "$(id -u)" -eq 0 ] && as_owner=(runuser -u postgres --)

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case $action in
  start)
    stop
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" \
      -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  stop) stop ;;
  *) echo "usage: postgres_cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
