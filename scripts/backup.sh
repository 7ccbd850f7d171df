#!/usr/bin/env bash
# Back up VTelehealth's PostgreSQL database: one pg_dump archive (custom format, compressed,
# restorable table by table) and its SHA-256 checksum beside it. See docs/operations.md.
#
#   scripts/backup.sh [OUTPUT_DIR]        (default: the current directory)
#
# The database: TELEHEALTH_BACKUP_DSN (a libpq URL, postgresql://user@host:port/db), else
# TELEHEALTH_DATABASE_URL with its +asyncpg driver removed. Keep the password out of the URL
# (a ~/.pgpass file or PGPASSWORD): a URL is visible in the process list.
# Prints the archive's path on success; exits non-zero and leaves no archive on failure.
set -euo pipefail

dsn="${TELEHEALTH_BACKUP_DSN:-${TELEHEALTH_DATABASE_URL:-}}"
dsn="${dsn/+asyncpg/}"
if [ -z "$dsn" ]; then
  echo "backup: set TELEHEALTH_BACKUP_DSN (or TELEHEALTH_DATABASE_URL)" >&2
  exit 2
fi
out_dir="${1:-.}"
mkdir -p "$out_dir"
name="telehealth-$(date -u +%Y%m%dT%H%M%SZ)-$$.dump"
partial="$out_dir/.$name.partial"
trap 'rm -f "$partial"' EXIT

# One consistent snapshot (pg_dump runs in a single repeatable-read transaction); no owners
# or grants, so the archive restores into a database owned by another role.
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$partial" "$dsn"
# Readable as an archive before it is called a backup.
pg_restore --list "$partial" >/dev/null
mv "$partial" "$out_dir/$name"
(cd "$out_dir" && sha256sum "$name" >"$name.sha256")
echo "$out_dir/$name"
