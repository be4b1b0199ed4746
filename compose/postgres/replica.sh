#!/bin/bash
# Entry point of the streaming replica, for the official image and gameday's stand-in alike: on first
# start, copy the primary with pg_basebackup (which writes standby.signal and primary_conninfo), then
# run as a hot standby. Promoting it (`SELECT pg_promote()`) makes it a primary.
set -euo pipefail
if [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  exec gosu postgres "$BASH_SOURCE" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  export PGPASSWORD="$REPLICATION_PASSWORD"
  until pg_basebackup --host="$PRIMARY_HOST" --username=replicator --pgdata="$PGDATA" \
    --write-recovery-conf --wal-method=stream --checkpoint=fast; do
    echo 'replica: primary not ready for a base backup; retrying in 1 s' >&2
    rm -rf "${PGDATA:?}"/*
    sleep 1
  done
  unset PGPASSWORD
fi
exec postgres -c listen_addresses='*' -c hot_standby=on "$@"
