#!/usr/bin/env bash
# Back up WaveCardio: the database and the stored recordings, into one new folder.
#   deploy/backup.sh [DEST_DIR]        (make backup BACKUP_DIR=...)
# Reads DATABASE_URL (postgres://... or sqlite:////path; default var/db.sqlite3) and
# MEDIA_ROOT (default var/media). Writes DEST_DIR/wavecardio-<UTC time>/ with
#   db.dump        pg_dump custom format (PostgreSQL), or db.sqlite3 (an online SQLite copy)
#   media.tar.gz   MEDIA_ROOT (recordings/ ...)
#   SHA256SUMS     checksums of both, checked by restore.sh
# Object storage (STORAGE_BACKEND=s3): back the bucket up with the provider's tools instead of
# media.tar.gz (versioning + replication, or `aws s3 sync s3://BUCKET DEST`); see
# docs/operations.md. Prints the folder written on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/var/db.sqlite3}
MEDIA_ROOT=${MEDIA_ROOT:-$PWD/var/media}
DEST=${1:-${BACKUP_DIR:-var/backups}}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$DEST/wavecardio-$STAMP"
mkdir -p "$OUT"

case "$DATABASE_URL" in
  postgres://*|postgresql://*|pgsql://*|psql://*)
    uri="postgresql://${DATABASE_URL#*://}"
    pg_dump --format=custom --no-owner --no-privileges --file "$OUT/db.dump" "$uri"
    ;;
  sqlite://*)
    db_path=${DATABASE_URL#sqlite://}
    "$PY" - "$db_path" "$OUT/db.sqlite3" <<'PYEOF'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)  # consistent even while the app writes
source.close(); target.close()
PYEOF
    ;;
  *) echo "backup: unsupported DATABASE_URL scheme: ${DATABASE_URL%%://*}" >&2; exit 2 ;;
esac

if [ -d "$MEDIA_ROOT" ]; then
  tar -C "$MEDIA_ROOT" -czf "$OUT/media.tar.gz" .
else
  tar -czf "$OUT/media.tar.gz" -T /dev/null  # nothing stored yet (or S3): an empty archive
fi
(cd "$OUT" && sha256sum db.* media.tar.gz > SHA256SUMS)
echo "$OUT"
