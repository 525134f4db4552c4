#!/usr/bin/env bash
# A streaming replica of a running PostgreSQL on 127.0.0.1, for the router tests and for trying
# a replica by hand (production replicas are set up as docs/deployment.md says).
#
#   scripts/pg_replica.sh start PRIMARY_PORT REPLICA_PORT DIR   # pg_basebackup -R, then start
#   scripts/pg_replica.sh stop DIR
#
# The primary must accept replication connections from 127.0.0.1 (pg_hba.conf:
# "host replication all 127.0.0.1/32 trust"). Run as root (the server runs as postgres) or as
# the postgres user.
set -euo pipefail

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    primary_port="$2"; replica_port="$3"; dir="$4"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
      -D "$dir/data" -R -X stream -c fast --no-sync
    # Debian keeps postgresql.conf and pg_hba.conf in /etc, outside the data directory that
    # pg_basebackup copies: give the replica its own (trust on loopback, as the test primary).
    if [ ! -f "$dir/data/postgresql.conf" ]; then
      as_postgres sh -c "printf '%s\n' \"# replica for the tests; settings in postgresql.auto.conf\" >'$dir/data/postgresql.conf'"
    fi
    if [ ! -f "$dir/data/pg_hba.conf" ]; then
      as_postgres sh -c "printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' >'$dir/data/pg_hba.conf'"
    fi
    [ -f "$dir/data/pg_ident.conf" ] || as_postgres touch "$dir/data/pg_ident.conf"
    cat >>"$dir/data/postgresql.auto.conf" <<CONF
port = $replica_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
hot_standby_feedback = on
fsync = off
CONF
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/replica.log" -w -t 60 start >/dev/null
    echo "replica of 127.0.0.1:$primary_port running on 127.0.0.1:$replica_port (data in $dir/data)"
    ;;
  stop)
    dir="$2"
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start PRIMARY_PORT REPLICA_PORT DIR | stop DIR" >&2
    exit 2
    ;;
esac
