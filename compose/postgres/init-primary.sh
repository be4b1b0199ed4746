#!/bin/bash
# Runs once, on the primary's first start (docker-entrypoint-initdb.d): the application role that owns
# the chat database (as the runbooks' `psql -U chatuser -d chatdb` expects) and the streaming-replication
# role the replica copies the primary with.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -q <<SQL
CREATE ROLE chatuser LOGIN PASSWORD '${CHAT_DB_PASSWORD}';
ALTER DATABASE "${POSTGRES_DB}" OWNER TO chatuser;
ALTER SCHEMA public OWNER TO chatuser;
CREATE ROLE replicator REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
SQL
printf 'host replication replicator all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
