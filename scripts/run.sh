#!/bin/sh
# run.sh - the main job on the bundled samples: read every bounce in
# samples/, record it in a fresh suppression list (bounce.db in build/) and
# print what was decided and the per-domain report.
set -eu
cd "$(dirname "$0")/.."
BIN=build/bounce
DB=build/samples.db
rm -f "$DB" "$DB-wal" "$DB-shm"
echo "== bounce parse samples/ (one line per failed recipient)"
"$BIN" parse samples/*.eml
