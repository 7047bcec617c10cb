#!/bin/sh
# run.sh - the main job on the bundled samples (make run): record every
# bounce in samples/ in a fresh suppression list, build/bounce.db, then show
# what was decided: the records, the suppression list and the per-domain
# report. samples/README.md says what each sample is.
set -eu
cd "$(dirname "$0")/.."
BIN=build/bounce
DB=build/bounce.db
rm -f "$DB" "$DB-wal" "$DB-shm"

echo "== bounce parse samples/*.eml: one record per failed recipient"
"$BIN" parse --format table samples/*.eml
echo
echo "== bounce ingest --db $DB samples/"
"$BIN" ingest --db "$DB" samples/*.eml
echo
echo "== bounce list --db $DB: the suppression list"
"$BIN" list --db "$DB"
echo
echo "== bounce report --db $DB --since all"
"$BIN" report --db "$DB" --since all
