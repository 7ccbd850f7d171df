#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database, then bring its schema
# to this release with `telehealth migrate`. See docs/operations.md.
#
#   scripts/restore.sh ARCHIVE.dump
#
# The target: TELEHEALTH_RESTORE_DSN (libpq URL of an existing, empty database). The
# checksum file ARCHIVE.dump.sha256 must be beside the archive and must match. The restore
# runs in one transaction: it either completes or leaves the database empty.
set -euo pipefail

archive="${1:?usage: scripts/restore.sh ARCHIVE.dump}"
dsn="${TELEHEALTH_RESTORE_DSN:?set TELEHEALTH_RESTORE_DSN to the empty target database}"
dsn="${dsn/+asyncpg/}"
telehealth_cli="${TELEHEALTH_CLI:-telehealth}"

if [ ! -f "$archive.sha256" ]; then
  echo "restore: no checksum file $archive.sha256" >&2
  exit 1
fi
if ! (cd "$(dirname "$archive")" && sha256sum --check --status "$(basename "$archive").sha256"); then
  echo "restore: checksum mismatch for $archive: refusing to restore" >&2
  exit 1
fi

tables=$(psql "$dsn" --no-psqlrc -At -c \
  "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "restore: the target database is not empty ($tables tables): refusing to restore" >&2
  exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$dsn" "$archive"

# A backup of an older release gets this release's migrations; the same release: no-op.
TELEHEALTH_DATABASE_URL="${dsn/postgresql:\/\//postgresql+asyncpg://}" $telehealth_cli migrate
echo "restored $archive"
