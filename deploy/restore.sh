#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into DATABASE_URL and MEDIA_ROOT.
#   deploy/restore.sh BACKUP_FOLDER     (make restore BACKUP=...)
# PostgreSQL: restores into the (empty, or to be overwritten) database DATABASE_URL names;
# create it first (createdb). SQLite: copies the file to the DATABASE_URL path (refuses to
# overwrite an existing one unless FORCE=1). MEDIA_ROOT receives the stored recordings.
# Afterwards run `manage.py verify_audit` and `manage.py verify_recordings`.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKUP=${1:?usage: deploy/restore.sh BACKUP_FOLDER}
DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/var/db.sqlite3}
MEDIA_ROOT=${MEDIA_ROOT:-$PWD/var/media}

(cd "$BACKUP" && sha256sum --check --quiet SHA256SUMS) || {
  echo "restore: $BACKUP does not match its SHA256SUMS: refusing" >&2; exit 3; }

case "$DATABASE_URL" in
  postgres://*|postgresql://*|pgsql://*|psql://*)
    uri="postgresql://${DATABASE_URL#*://}"
    pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error \
      --dbname "$uri" "$BACKUP/db.dump"
    ;;
  sqlite://*)
    db_path=${DATABASE_URL#sqlite://}
    if [ -e "$db_path" ] && [ "${FORCE:-0}" != 1 ]; then
      echo "restore: $db_path exists (FORCE=1 to overwrite)" >&2; exit 2
    fi
    mkdir -p "$(dirname "$db_path")"
    cp "$BACKUP/db.sqlite3" "$db_path"
    ;;
  *) echo "restore: unsupported DATABASE_URL scheme: ${DATABASE_URL%%://*}" >&2; exit 2 ;;
esac

mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$BACKUP/media.tar.gz"
echo "restored $BACKUP into the database and $MEDIA_ROOT"
