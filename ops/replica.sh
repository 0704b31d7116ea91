#!/usr/bin/env bash
# A streaming read replica of the local PostgreSQL, for DATABASE_REPLICA_URL and the router's
# live test (tests/config/test_replica_live.py):
#
#   ops/replica.sh allow     let 127.0.0.1 open replication connections (edits the primary's
#                            pg_hba.conf and reloads it; once per machine, needs write access)
#   ops/replica.sh start     base backup of the primary (pg_basebackup -R: it follows the primary
#                            from then on) into var/replica/data, started on port 5433
#   ops/replica.sh status    is it up, in recovery, and how far behind
#   ops/replica.sh stop      stop it (the data directory is kept: start again resumes streaming)
#   ops/replica.sh destroy   stop it and delete the data directory
#
# Then: DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<the same database name>.
#
# What it needs: the PostgreSQL server binaries (pg_basebackup, pg_ctl: PG_BIN, else found with
# pg_config or under /usr/lib/postgresql), the primary on PRIMARY_HOST:PRIMARY_PORT with
# wal_level replica or logical (the default) and max_wal_senders > 0 (default 10), and a
# pg_hba.conf line accepting replication from 127.0.0.1 for PRIMARY_USER (`allow` adds
# `host replication all 127.0.0.1/32 trust`). The copy is of the whole cluster: its time and disk
# grow with everything the primary holds. Run as root, the data directory is given to the
# postgres user and the server started as that user (PostgreSQL refuses to run as root).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PRIMARY_USER=${PRIMARY_USER:-postgres}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-$ROOT/var/replica}
DATA="$REPLICA_DIR/data"
LOG="$REPLICA_DIR/replica.log"

pg_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
    if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/pg_ctl" ]]; then pg_config --bindir; return; fi
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -n "$found" ]] || { echo "replica: no PostgreSQL server binaries (set PG_BIN)" >&2; exit 1; }
    echo "$found"
}
BIN=$(pg_bin)

# As the data directory's owner: the postgres user when we are root.
as_owner() {
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

primary_sql() {
    "$BIN/psql" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" -d postgres -Atqc "$1"
}

replica_sql() {
    "$BIN/psql" -h 127.0.0.1 -p "$REPLICA_PORT" -U "$PRIMARY_USER" -d postgres -Atqc "$1"
}

can_replicate() {
    "$BIN/psql" "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$PRIMARY_USER replication=true" \
        -Atqc "IDENTIFY_SYSTEM" >/dev/null 2>&1
}

running() {
    [[ -f "$DATA/postmaster.pid" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

allow() {
    if can_replicate; then echo "replica: the primary already accepts replication from $PRIMARY_HOST"; return; fi
    local hba
    hba=$(primary_sql "SHOW hba_file")
    # Replication lines must come before any line that would reject; first match wins, and
    # "all" in the database column never matches replication, so prepending is safe.
    printf '%s\n%s\n' "host replication all 127.0.0.1/32 trust  # ops/replica.sh allow" "$(cat "$hba")" >"$hba"
    primary_sql "SELECT pg_reload_conf()" >/dev/null
    sleep 1
    can_replicate || { echo "replica: still refused after editing $hba" >&2; exit 1; }
    echo "replica: added a replication line to $hba and reloaded"
}

start() {
    if running; then echo "replica: already running on port $REPLICA_PORT"; return; fi
    local wal
    wal=$(primary_sql "SHOW wal_level")
    [[ "$wal" == replica || "$wal" == logical ]] || { echo "replica: the primary's wal_level is $wal, not replica" >&2; exit 1; }
    if ! can_replicate; then
        echo "replica: the primary refuses replication connections from $PRIMARY_HOST as $PRIMARY_USER." >&2
        echo "  Add to $(primary_sql 'SHOW hba_file'): host replication all 127.0.0.1/32 trust" >&2
        echo "  then reload (SELECT pg_reload_conf()), or run: ops/replica.sh allow" >&2
        exit 1
    fi
    mkdir -p "$REPLICA_DIR"
    [[ $(id -u) == 0 ]] && chown postgres: "$REPLICA_DIR"
    local started=$SECONDS
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        rm -rf "$DATA"
        echo "replica: base backup of $PRIMARY_HOST:$PRIMARY_PORT ($(primary_sql "SELECT pg_size_pretty(sum(pg_database_size(datname))::bigint) FROM pg_database")) into $DATA"
        as_owner "$BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" \
            -D "$DATA" -R -X stream -c fast
        # A standby needs at least the primary's limits to replay its WAL.
        local limits=""
        for setting in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
            limits+="$setting = $(primary_sql "SHOW $setting")"$'\n'
        done
        # Packagers (Debian) keep the configuration outside the data directory: the copy has none.
        as_owner tee "$DATA/postgresql.conf" >/dev/null <<EOF
# ops/replica.sh: a hot standby of $PRIMARY_HOST:$PRIMARY_PORT (primary_conninfo in postgresql.auto.conf)
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
hot_standby = on
shared_buffers = 64MB
$limits
EOF
        as_owner tee "$DATA/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
        rm -f "$DATA/postmaster.pid" "$DATA/postmaster.opts"
    fi
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 120 start >/dev/null
    [[ $(replica_sql "SELECT pg_is_in_recovery()") == t ]] || { echo "replica: started but not a standby" >&2; exit 1; }
    echo "replica: streaming from $PRIMARY_HOST:$PRIMARY_PORT on 127.0.0.1:$REPLICA_PORT (ready in $((SECONDS - started)) s)"
}

status() {
    if ! running; then echo "replica: not running"; return 1; fi
    echo "replica: on 127.0.0.1:$REPLICA_PORT, in recovery $(replica_sql 'SELECT pg_is_in_recovery()'),"\
        "replayed up to $(replica_sql 'SELECT pg_last_wal_replay_lsn()'), primary at $(primary_sql 'SELECT pg_current_wal_lsn()')"
}

stop() {
    if running; then as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; echo "replica: stopped"; else echo "replica: not running"; fi
}

case "${1:-}" in
allow) allow ;;
start) start ;;
status) status ;;
stop) stop ;;
destroy) stop; rm -rf "$REPLICA_DIR"; echo "replica: $REPLICA_DIR deleted" ;;
*) echo "usage: $0 allow|start|status|stop|destroy" >&2; exit 2 ;;
esac
