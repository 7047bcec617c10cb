#!/bin/sh
# postfix.sh - Postfix's sqlite: lookup table (docs/postfix/suppressed.cf)
# answers from a list that bounce built: postmap -q gives "550 5.1.1 ..."
# for suppressed addresses and nothing for the others. Installs Postfix's
# tools (postfix, postfix-sqlite) when missing and allowed (root, apt),
# preseeded "No configuration": no main.cf, no mail service started.
# Usage: postfix.sh BOUNCE_BINARY SOURCE_DIR
set -u
BOUNCE=$1
SRC=$2
EML=$SRC/tests/store/eml
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bounce-postfix-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# our own config directory: postmap needs a main.cf, the system may have none
echo "compatibility_level = 3.6" >"$WORK/main.cf"
has_sqlite_map() { postconf -c "$WORK" -m 2>/dev/null | grep -qx sqlite; }

install_postfix() {
  [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  echo "installing postfix and postfix-sqlite (no configuration, no service)"
  debconf-set-selections "$SRC/scripts/deps-test.d/store.debconf" || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postfix postfix-sqlite >/dev/null 2>&1
}

running_before=$(pgrep -x master >/dev/null 2>&1 && echo yes || echo no)
if ! command -v postmap >/dev/null 2>&1 || ! has_sqlite_map; then
  install_postfix || { echo "SKIP: postmap with sqlite: not available and cannot install"; exit 77; }
fi
command -v postmap >/dev/null 2>&1 && has_sqlite_map || { echo "SKIP: no sqlite map type"; exit 77; }

cd "$WORK" || exit 1
sed "s|^dbpath = .*|dbpath = $WORK/list.db|" "$SRC/docs/postfix/suppressed.cf" >suppressed.cf

"$BOUNCE" ingest --db list.db --soft-expiry 36500d "$EML" >/dev/null 2>&1 || fail "ingest"
"$BOUNCE" suppress --db list.db manual@example.com --reason "asked to stop" >/dev/null || fail "suppress"
"$BOUNCE" suppress --db list.db brief@example.com --reason "short" --until 2s >/dev/null || fail "suppress --until"
"$BOUNCE" suppress --db list.db back@example.com --reason "x" >/dev/null &&
  "$BOUNCE" unsuppress --db list.db back@example.com --note "fixed" >/dev/null || fail "unsuppress"
sleep 3

# q KEY - postmap's answer for KEY ("" when none)
q() { postmap -c "$WORK" -q "$1" "sqlite:$WORK/suppressed.cf" 2>err.txt; }

expect() {
  got=$(q "$1"); st=$?
  if [ "$got" = "$2" ]; then ok "$1 -> ${2:-(no answer)}"; else
    fail "$1: got '$got' (exit $st), want '$2'"; cat err.txt; fi
}
expect "Gone.User@Example.COM" "550 5.1.1 <gone.user@example.com>: recipient address is on the suppression list (hard: userunknown)"
expect "full@example.net" "550 5.1.1 <full@example.net>: recipient address is on the suppression list (soft: mailboxfull)"
expect "manual@example.com" "550 5.1.1 <manual@example.com>: recipient address is on the suppression list (manual)"
expect "fine@example.org" ""
expect "back@example.com" ""
expect "brief@example.com" ""
expect "example.com" ""
expect "nobody@example.com" ""
expect "x'; DROP TABLE suppression; --@example.com" ""
[ "$(sqlite3 list.db 'SELECT count(*) FROM suppression' 2>/dev/null)" -ge 3 ] && ok "table intact" || fail "table damaged"

if [ "$running_before" = no ] && pgrep -x master >/dev/null 2>&1; then
  fail "a postfix master is running now"; postfix stop >/dev/null 2>&1
fi
[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
