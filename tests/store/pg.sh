#!/bin/sh
# pg.sh - the store tests against the PostgreSQL backend, on the throwaway
# cluster of scripts/services.d/postgres.sh ($BN_SERVICES_DIR/pg.env).
# Usage: pg.sh TEST BOUNCE_BINARY SOURCE_DIR [CORPUS_DIR]
#   suite-NAME   tests/store/run.sh's test NAME, unchanged, through the shims
#                of tests/store/pg/ (every --db FILE becomes a schema)
#   the others   PostgreSQL's own (see each t_ function)
# Exit 0 pass, 1 fail, 77 skip: skipped only when BN_SERVICES_DIR is unset
# (ctest run by hand, no services); when the service was expected but is not
# there, the test fails.
set -u
test_name=$1
BOUNCE=$2
SRC=$3
CORPUS=${4:-}
EML=$SRC/tests/store/eml
if [ -z "${BN_SERVICES_DIR:-}" ]; then
  echo "SKIP: no services (run through 'make test', which starts PostgreSQL)"
  exit 77
fi
[ -f "$BN_SERVICES_DIR/pg.env" ] || {
  echo "FAIL: PostgreSQL was expected ($BN_SERVICES_DIR/pg.env) but is not running"
  exit 1
}
. "$BN_SERVICES_DIR/pg.env"
export PATH="$BN_PG_BIN:$PATH"
export PGHOST="$BN_PG_HOST" PGPORT="$BN_PG_PORT" PGUSER="$BN_PG_USER"
pg_isready -q || { echo "FAIL: the PostgreSQL server does not answer"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bounce-pg-test.XXXXXX")
PREFIX="t$(echo "$test_name" | tr -c 'a-z0-9' '_' | cut -c1-16)_$$"
cleanup() {
  for d in $(psql -X -d postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}%'" 2>/dev/null); do
    dropdb --if-exists --force "$d" >/dev/null 2>&1
  done
  for n in $(psql -X -d bounce -tAc "SELECT nspname FROM pg_namespace WHERE nspname LIKE '${PREFIX}%'" 2>/dev/null); do
    psql -X -q -d bounce -c "DROP SCHEMA $n CASCADE" >/dev/null 2>&1
  done
  chmod -R u+w "$WORK" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK" || exit 1
unset BOUNCE_DB ORIGINAL_RECIPIENT RECIPIENT BOUNCE_DB_MAX_PAGES
POLICY="--soft-expiry 36500d --suspend-expiry 36500d"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# newdb NAME - a fresh database; its URI
newdb() {
  createdb "${PREFIX}_$1" || { echo "FAIL: createdb ${PREFIX}_$1"; exit 1; }
  echo "postgresql:///${PREFIX}_$1?host=$BN_PG_HOST&port=$BN_PG_PORT&user=$BN_PG_USER"
}

# q NAME SQL - one query's rows (sqlite3-like list output)
q() { psql -X -q -A -t -F'|' -d "${PREFIX}_$1" -c "$2"; }

# fingerprint NAME - the stable content (as run.sh's, for PostgreSQL)
fingerprint() {
  q "$1" "SELECT upper(encode(dedup, 'hex')), address, class, reason, status FROM event ORDER BY 1" | md5sum
  q "$1" "SELECT address, kind, reason FROM suppression ORDER BY address COLLATE \"C\"" | md5sum
}

# sq_fingerprint FILE - the same of a SQLite list
sq_fingerprint() {
  sqlite3 "$1" "SELECT hex(dedup), address, class, reason, status FROM event ORDER BY 1" | md5sum
  sqlite3 "$1" "SELECT address, kind, reason FROM suppression ORDER BY 1" | md5sum
}

# expect_status WANT DESCRIPTION CMD...
expect_status() {
  want=$1; what=$2; shift 2
  "$@" >out.txt 2>err.txt
  got=$?
  if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"; else
    fail "$what: exit $got, want $want"; sed 's/^/  stdout: /' out.txt; sed 's/^/  stderr: /' err.txt
  fi
}
expect_err() {
  if grep -qi -- "$1" err.txt; then ok "message says '$1'"; else
    fail "stderr lacks '$1'"; sed 's/^/  stderr: /' err.txt; fi
}

# inputs - the corpus when present, else our messages
inputs() {
  if [ -n "$CORPUS" ] && [ -d "$CORPUS" ]; then echo "$CORPUS"; else echo "$EML $SRC/samples"; fi
}

# big_mbox N - an mbox of N hard bounces to distinct recipients
big_mbox() {
  awk -v n="$1" -v f="$EML/hard-userunknown.eml" 'BEGIN {
    while ((getline l < f) > 0) tpl[++k] = l
    for (i = 1; i <= n; i++) {
      print "From MAILER-DAEMON Mon Nov 23 10:15:02 2026"
      for (j = 1; j <= k; j++) { l = tpl[j]; gsub(/Gone\.User/, "user" i, l); print l }
      print ""
    } }'
}

# suite NAME - run.sh's test through the shims
suite() {
  chmod 755 "$WORK"
  export BN_PG_REAL_BOUNCE="$BOUNCE" BN_PG_PREFIX="$PREFIX" BN_PG_LOCK="$WORK/createdb.lock"
  PATH="$SRC/tests/store/pg:$PATH" sh "$SRC/tests/store/run.sh" "$1" \
    "$SRC/tests/store/pg/bounce" "$SRC" "$CORPUS"
}

. "$SRC/tests/store/pg_tests.sh"

case "$test_name" in
  suite-*) suite "${test_name#suite-}"; exit $? ;;
  *) run_pg_test "$test_name" ;;
esac
[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
