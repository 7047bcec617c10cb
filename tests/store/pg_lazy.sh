#!/bin/sh
# pg_lazy.sh BOUNCE_BINARY SOURCE_DIR [LIBBOUNCE_SO] - libpq is loaded only
# when a PostgreSQL store is opened (src/store/store_pg_lib.c), and its
# absence is a clear, temporary failure (exit 75) of that command only.
#   1. neither the bounce binary nor libbounce.so lists libpq as NEEDED;
#   2. `bounce parse` and a SQLite `bounce check` do not load libpq
#      (ld.so's LD_DEBUG=files names every object it loads);
#   3. a PostgreSQL store with libpq missing (BN_LIBPQ pointing nowhere):
#      exit 75 (EX_TEMPFAIL) and the fix in the message, password masked,
#      for list, check and ingest --pipe (the MTA keeps the bounce);
#   4. a library that is not libpq (BN_LIBPQ=libsqlite3.so.0): exit 75 and
#      "needs libpq 14 or newer", naming the missing function;
#   5. with the test cluster (BN_SERVICES_DIR), BN_LIBPQ naming the real
#      libpq reaches the server, and LD_DEBUG shows libpq loaded by dlopen.
# No server is needed for 1-4.
set -u
BOUNCE=$1
SRC=$2
LIBSO=${3:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bounce-pg-lazy.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
unset BOUNCE_DB BN_LIBPQ
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# needed - the NEEDED entries of an ELF file
needed() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# 1. not linked
if command -v readelf >/dev/null 2>&1; then
  for f in "$BOUNCE" $LIBSO; do
    [ -n "$(needed "$f")" ] || { fail "readelf -d $f gave no NEEDED entries"; continue; }
    if needed "$f" | grep -q '^libpq'; then
      fail "$(basename "$f") is linked against libpq: $(needed "$f" | tr '\n' ' ')"
    else
      ok "$(basename "$f") does not need libpq ($(needed "$f" | tr '\n' ' '))"
    fi
  done
else
  echo "note: no readelf, NEEDED not checked"
fi

# loads_libpq - LOG (LD_DEBUG=files output) shows libpq being loaded
loads_libpq() { grep -q 'file=libpq\.so' "$1"; }

# 2. parse and a SQLite store never load it
LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/parse" \
  "$BOUNCE" parse --json "$SRC/samples/exim-mailboxfull.eml" >"$WORK/parse.out"
rc=$?
cat "$WORK"/parse.* >"$WORK/parse.log" 2>/dev/null
if [ $rc -gt 1 ] || ! grep -q '"reason"' "$WORK/parse.out"; then
  fail "bounce parse failed (exit $rc)"
elif [ ! -s "$WORK/parse.log" ]; then
  echo "note: LD_DEBUG gave no output here; load checks skipped"
elif loads_libpq "$WORK/parse.log"; then
  fail "bounce parse loaded libpq: $(grep 'file=libpq' "$WORK/parse.log" | head -n1)"
else
  ok "bounce parse does not load libpq"
fi
LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/check" \
  "$BOUNCE" check --db "$WORK/list.db" nobody@example.org >/dev/null 2>&1
cat "$WORK"/check.* >"$WORK/check.log" 2>/dev/null
if [ -s "$WORK/check.log" ] && loads_libpq "$WORK/check.log"; then
  fail "bounce check on a SQLite list loaded libpq"
else
  ok "bounce check on a SQLite list does not load libpq"
fi

# expect_75 WHAT PATTERN CMD... - the command exits 75 and says PATTERN
expect_75() {
  what=$1 pattern=$2
  shift 2
  "$@" <"$SRC/samples/exim-mailboxfull.eml" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  if [ $rc -ne 75 ]; then
    fail "$what: exit $rc, expected 75: $(cat "$WORK/err")"
  elif ! grep -q "$pattern" "$WORK/err"; then
    fail "$what: message lacks '$pattern': $(cat "$WORK/err")"
  elif grep -q 'secret' "$WORK/err"; then
    fail "$what: the password shows: $(cat "$WORK/err")"
  else
    ok "$what: exit 75, $(cat "$WORK/err")"
  fi
}

# 3. libpq missing
uri='postgresql://bounce:secret@db.invalid/bounce'
need='PostgreSQL support needs libpq5: apt-get install libpq5'
for cmd in "list" "check" "ingest --pipe"; do
  arg=""
  [ "$cmd" = check ] && arg=nobody@example.org
  # shellcheck disable=SC2086
  expect_75 "no libpq: $cmd" "$need" \
    env BN_LIBPQ="$WORK/nonexistent/libpq.so.5" "$BOUNCE" $cmd --db "$uri" $arg
done
expect_75 "no libpq: pg: keyword form" "$need" \
  env BN_LIBPQ="$WORK/nonexistent/libpq.so.5" "$BOUNCE" list \
  --db "pg:host=db.invalid password=secret"

# 4. not libpq
expect_75 "not libpq" 'needs libpq 14 or newer.*has no PQ' \
  env BN_LIBPQ=libsqlite3.so.0 "$BOUNCE" list --db "$uri"

# 5. the real one, on the test cluster
if [ -n "${BN_SERVICES_DIR:-}" ] && [ -f "$BN_SERVICES_DIR/pg.env" ]; then
  . "$BN_SERVICES_DIR/pg.env"
  real=$(ldconfig -p 2>/dev/null | sed -n 's/.*libpq\.so\.5 .*=> //p' | head -n1)
  [ -n "$real" ] || real=libpq.so.5
  LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/pg" BN_LIBPQ="$real" \
    "$BOUNCE" list --db "$BN_PG_URI" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  cat "$WORK"/pg.* >"$WORK/pg.log" 2>/dev/null
  # the test database may hold no list yet: the server saying so is an
  # answer too (a read-only command never creates tables)
  if [ $rc -ne 0 ] && ! grep -q 'no suppression list there' "$WORK/err"; then
    fail "BN_LIBPQ=$real: list exited $rc: $(cat "$WORK/err")"
  elif [ -s "$WORK/pg.log" ] && ! grep -q 'file=.*libpq\.so.*dynamically loaded' "$WORK/pg.log"; then
    fail "BN_LIBPQ=$real: libpq not seen loaded by dlopen"
  else
    ok "BN_LIBPQ=$real reaches the test cluster, libpq loaded on demand"
  fi
else
  echo "note: no test cluster (BN_SERVICES_DIR): the real libpq is not tried here"
fi

[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "pg_lazy: all passed"
