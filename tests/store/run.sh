#!/bin/sh
# run.sh - end-to-end and reliability tests of the suppression list, through
# the bounce binary. Usage: run.sh TEST BOUNCE_BINARY SOURCE_DIR [CORPUS_DIR]
# Each TEST prints what it checks and exits 0 (pass), 1 (fail) or 77 (skip).
# Inputs are our own messages in tests/store/eml/ (and the corpus for the
# concurrency and SIGKILL tests when it is present). Needs sqlite3(1) to
# read the database from outside.
set -u
test_name=$1
BOUNCE=$2
SRC=$3
CORPUS=${4:-}
EML=$SRC/tests/store/eml
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3(1) missing"; exit 77; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bounce-store-test.XXXXXX")
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
unset BOUNCE_DB ORIGINAL_RECIPIENT RECIPIENT BOUNCE_DB_MAX_PAGES
# durable defaults that do not age: soft suppressions of the test messages
# (November 2026) must still be in force when the tests run years later
POLICY="--soft-expiry 36500d --suspend-expiry 36500d"
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# expect_status WANT DESCRIPTION CMD... - run CMD, compare its exit status
expect_status() {
  want=$1; what=$2; shift 2
  "$@" >out.txt 2>err.txt
  got=$?
  if [ "$got" -eq "$want" ]; then ok "$what (exit $got)"; else
    fail "$what: exit $got, want $want"; sed 's/^/  stdout: /' out.txt; sed 's/^/  stderr: /' err.txt
  fi
}

# expect_err TEXT - the last command's stderr mentions TEXT
expect_err() {
  if grep -qi -- "$1" err.txt; then ok "message says '$1'"; else
    fail "stderr lacks '$1'"; sed 's/^/  stderr: /' err.txt; fi
}

# fingerprint DB - the stable content: events, list, manual actions (no
# times that depend on when a run happened)
fingerprint() {
  sqlite3 "$1" "SELECT hex(dedup), address, class, reason, status FROM event ORDER BY 1;
    SELECT address, kind, reason FROM suppression ORDER BY 1;
    SELECT address, action, note FROM manual ORDER BY address, action, note;" | md5sum
}

# counts DB - events / suppressions / manual, for messages
counts() {
  sqlite3 "$1" "SELECT (SELECT count(*) FROM event) || ' events, ' ||
    (SELECT count(*) FROM suppression) || ' suppressed, ' ||
    (SELECT count(*) FROM manual) || ' manual'"
}

t_e2e() {
  expect_status 0 "ingest our messages" "$BOUNCE" ingest --db t.db $POLICY "$EML"
  grep -q "6 messages (1 not a bounce), 5 records: 5 new events" out.txt ||
    fail "summary: $(cat out.txt)"
  expect_status 0 "ingest again" "$BOUNCE" ingest --db t.db "$EML"
  grep -q "0 new events, 5 already stored" out.txt || fail "second summary: $(cat out.txt)"
  expect_status 1 "hard bounce suppressed (any case)" "$BOUNCE" check --db t.db GONE.USER@example.com
  grep -q "suppressed (hard: userunknown)" out.txt || fail "check text: $(cat out.txt)"
  grep -q "hard-userunknown.eml" out.txt || fail "check names the bounce: $(cat out.txt)"
  expect_status 1 "three soft bounces in 3 days suppress" "$BOUNCE" check --db t.db full@example.net
  grep -q "suppressed (soft: mailboxfull)" out.txt || fail "soft: $(cat out.txt)"
  expect_status 0 "sender-side rejection does not suppress" "$BOUNCE" check --db t.db fine@example.org
  expect_status 1 "one of several suppressed" "$BOUNCE" check --db t.db fine@example.org full@example.net
  expect_status 0 "JSON check" "$BOUNCE" check --db t.db --json fine@example.org
  grep -q '"suppressed":false' out.txt || fail "json: $(cat out.txt)"
  expect_status 0 "list" "$BOUNCE" list --db t.db
  [ "$(wc -l <out.txt)" -eq 2 ] || fail "list has $(wc -l <out.txt) lines, want 2"
  expect_status 0 "list --reason soft" "$BOUNCE" list --db t.db --reason soft --csv
  grep -q "^full@example.net,soft,mailboxfull" out.txt || fail "csv: $(cat out.txt)"
  printf 'a@example.com\nGone.User@EXAMPLE.com\nfine@example.org\nnot-an-address\n' >in.txt
  expect_status 0 "filter" "$BOUNCE" filter --db t.db --rejected rej.csv in.txt
  [ "$(cat out.txt)" = "$(printf 'a@example.com\nfine@example.org')" ] || fail "filter kept: $(cat out.txt)"
  grep -q "^Gone.User@EXAMPLE.com,userunknown$" rej.csv || fail "rejected: $(cat rej.csv)"
  grep -q "^not-an-address,not an address$" rej.csv || fail "rejected: $(cat rej.csv)"
  printf 'id,email,name\n1,full@example.net,"Full, F."\n2,new@example.com,N\n' >in.csv
  expect_status 0 "filter CSV by column name" "$BOUNCE" filter --db t.db --column email in.csv
  [ "$(cat out.txt)" = "$(printf 'id,email,name\n2,new@example.com,N')" ] || fail "csv filter: $(cat out.txt)"
  expect_status 0 "report" "$BOUNCE" report --db t.db --since all --min 1
  grep -q "WARNING example.org: 1 of 1 rejections in all stored events are about the sender: blocklist" out.txt ||
    fail "report warning: $(cat out.txt)"
  grep -q "bounce doctor --ip 192.0.2.10" out.txt || fail "report doctor hint: $(cat out.txt)"
  expect_status 0 "report --json" "$BOUNCE" report --db t.db --since all --json
  python3 -c "import json,sys; d=json.load(open('out.txt')); assert len(d['domains'])==3" 2>/dev/null ||
    fail "report json: $(cat out.txt)"
  expect_status 0 "unsuppress" "$BOUNCE" unsuppress --db t.db gone.user@example.com --note "re-created" --who tester
  expect_status 0 "deliverable after unsuppress" "$BOUNCE" check --db t.db gone.user@example.com
  expect_status 0 "suppress by hand" "$BOUNCE" suppress --db t.db x@example.com --reason "asked to stop" --who tester
  expect_status 0 "history" "$BOUNCE" history --db t.db gone.user@example.com
  grep -q "unsuppress by tester: re-created" out.txt || fail "history: $(cat out.txt)"
  grep -q "userunknown .*\[fault recipient; " out.txt || fail "history names the fault: $(cat out.txt)"
  # whose problem each stored event is: the blocklist refusal is the sender's
  expect_status 0 "history --json" "$BOUNCE" history --db t.db --json fine@example.org
  grep -q '"reason":"blocked","fault":"sender"' out.txt || fail "history json fault: $(cat out.txt)"
  expect_status 0 "rebuild with blocked as hard" "$BOUNCE" rebuild --db t.db --set reason.blocked=hard
  expect_status 1 "blocked now suppresses" "$BOUNCE" check --db t.db fine@example.org
  expect_status 0 "manual unsuppression survived rebuild" "$BOUNCE" check --db t.db gone.user@example.com
  expect_status 1 "manual suppression survived rebuild" "$BOUNCE" check --db t.db x@example.com
  expect_status 2 "ingest with another policy is refused" "$BOUNCE" ingest --db t.db --soft-threshold 9 "$EML"
  expect_err "another policy"
  expect_status 0 "export" "$BOUNCE" export --db t.db exp.csv
  expect_status 0 "import into a new list" "$BOUNCE" import --db u.db exp.csv
  [ "$("$BOUNCE" list --db u.db --csv | cut -d, -f1 | sort | tr '\n' ' ')" = \
    "address fine@example.org full@example.net x@example.com " ] || fail "imported: $("$BOUNCE" list --db u.db --csv)"
}

# t_policy_classes - a 4xx user-unknown is no proof yet; a class the policy
# sets for a reason is kept as set (neither the transient rule nor the
# hardbounce flag overrides it)
t_policy_classes() {
  sed -e 's/550 5\.1\.1/450 4.1.1/g' -e 's/^Status: 5\.1\.1/Status: 4.1.1/' \
    "$EML/hard-userunknown.eml" >temp-userunknown.eml
  expect_status 0 "ingest a 4xx user-unknown (Action: failed)" "$BOUNCE" ingest --db p4.db temp-userunknown.eml
  expect_status 0 "a 4xx user-unknown does not suppress at once" "$BOUNCE" check --db p4.db gone.user@example.com
  expect_status 0 "ingest" "$BOUNCE" ingest --db p.db "$EML"
  expect_status 0 "rebuild: mailboxfull is hard" "$BOUNCE" rebuild --db p.db --set reason.mailboxfull=hard
  expect_status 1 "mailbox full now suppressed for good" "$BOUNCE" check --db p.db full@example.net
  grep -q "suppressed (hard: mailboxfull)" out.txt || fail "mailboxfull=hard: $(cat out.txt)"
  expect_status 0 "rebuild: userunknown is soft" "$BOUNCE" rebuild --db p.db --set reason.userunknown=soft
  expect_status 0 "one soft user-unknown does not suppress" "$BOUNCE" check --db p.db gone.user@example.com
}

t_pipe() {
  expect_status 0 "pipe: a bounce" sh -c "'$BOUNCE' ingest --pipe --db p.db $POLICY < '$EML/hard-userunknown.eml'"
  expect_status 1 "pipe: committed before exit 0" "$BOUNCE" check --db p.db gone.user@example.com
  expect_status 0 "pipe: a non-bounce is accepted" sh -c "'$BOUNCE' ingest --pipe --db p.db < '$EML/not-a-bounce.eml'"
  expect_err "not a bounce"
  expect_status 0 "pipe: VERP from ORIGINAL_RECIPIENT" sh -c \
    "ORIGINAL_RECIPIENT=bounces+lost.reader=example.info@lists.sender.example '$BOUNCE' ingest --pipe --db p.db < '$SRC/tests/store/verp/verp-no-recipient.eml'"
  expect_status 1 "pipe: VERP recipient suppressed" "$BOUNCE" check --db p.db lost.reader@example.info
  expect_status 0 "pipe: VERP with a pattern" sh -c \
    "'$BOUNCE' ingest --pipe --db p2.db --envelope-to rt-x.y#example.info@mx.example --verp-pattern 'rt-{local}#{domain}@*' < '$SRC/tests/store/verp/verp-no-recipient.eml'"
  expect_status 1 "pipe: custom VERP recipient suppressed" "$BOUNCE" check --db p2.db x.y@example.info
  expect_status 75 "pipe: paths are refused, the MTA keeps the message" "$BOUNCE" ingest --pipe --db p.db "$EML"
  expect_status 75 "pipe: a bad option too" sh -c "'$BOUNCE' ingest --pipe --db p.db --soft-window 15x < '$EML/hard-userunknown.eml'"
  # Postfix local(8) pipes a message with a From_ line first and quotes no
  # body line: a later "From " line after an empty one (here a forwarded
  # bounce pasted at the end) is text of the one message, not a second one
  { echo "From MAILER-DAEMON  Mon Nov 30 10:00:00 2026"; cat "$EML/hard-userunknown.eml"
    printf '\nFrom MAILER-DAEMON Thu Nov 12 10:00:00 2026\nFrom: MAILER-DAEMON@mx.example.org\n'
    printf 'Subject: Undelivered Mail Returned to Sender\n\n'
    printf '<pasted.person@example.com>: host mx.example.com said: 550 5.1.1 User unknown\n'
    printf '\n>From the desk of the postmaster\n'; } > local8.eml
  expect_status 0 "pipe: a message as local(8) delivers it" sh -c "'$BOUNCE' ingest --pipe --json --db p3.db $POLICY < local8.eml"
  grep -q '"messages":1,' out.txt || fail "pipe: local(8) copy read as more than one message: $(cat out.txt)"
  expect_status 1 "pipe: its recipient is suppressed" "$BOUNCE" check --db p3.db gone.user@example.com
  expect_status 0 "pipe: an address in its body is not" "$BOUNCE" check --db p3.db pasted.person@example.com
  # --keep-other: what gives no record is delivered into a Maildir, or the
  # MTA keeps it (75); a bounce is stored, not kept
  expect_status 0 "pipe: a non-bounce kept" sh -c "'$BOUNCE' ingest --pipe --db p5.db --keep-other kept < '$EML/not-a-bounce.eml'"
  expect_err "kept as kept/new/"
  set -- kept/new/*
  { [ $# = 1 ] && cmp -s "$1" "$EML/not-a-bounce.eml"; } && ok "kept: the message as it came" || fail "kept/new: $*"
  [ -d kept/cur ] && [ -d kept/tmp ] && [ -z "$(ls kept/tmp)" ] && ok "kept: a Maildir, tmp/ empty" || fail "kept: not a Maildir"
  expect_status 0 "pipe: a bounce with --keep-other" sh -c "'$BOUNCE' ingest --pipe --db p5.db --keep-other kept < '$EML/hard-userunknown.eml'"
  [ "$(ls kept/new | wc -l)" = 1 ] && ok "a bounce is not kept" || fail "a bounce was kept: $(ls kept/new)"
  : > plainfile
  expect_status 75 "pipe: cannot keep, the MTA keeps it" sh -c "'$BOUNCE' ingest --pipe --db p5.db --keep-other plainfile/x < '$EML/not-a-bounce.eml'"
  expect_err "cannot keep it in plainfile/x"
  expect_status 1 "batch: cannot keep is an error" "$BOUNCE" ingest --db p6.db --keep-other plainfile/x "$EML/not-a-bounce.eml"
  # past a file-size limit the write fails (EFBIG): EX_TEMPFAIL, not death by
  # SIGXFSZ (a SQLite file only: through tests/store/pg/ the list is a schema)
  if [ -z "${BN_PG_REAL_BOUNCE:-}" ]; then
    expect_status 75 "pipe: file-size limit" sh -c "ulimit -f 1; '$BOUNCE' ingest --pipe --db p4.db $POLICY < '$EML/hard-userunknown.eml'"
  fi
}

t_bad_input() {
  "$BOUNCE" ingest --db b.db "$EML" >/dev/null 2>&1
  before=$(sqlite3 b.db .dump | md5sum)
  expect_status 2 "check: not an address" "$BOUNCE" check --db b.db "nobody"; expect_err "'nobody' is not an address"
  expect_status 2 "suppress: not an address" "$BOUNCE" suppress --db b.db "a@@b" --reason x; expect_err "'a@@b'"
  expect_status 2 "suppress: one bad of two changes nothing" "$BOUNCE" suppress --db b.db ok@example.com "bad addr" --reason x
  expect_status 2 "suppress: no reason" "$BOUNCE" suppress --db b.db ok@example.com; expect_err "--reason"
  expect_status 2 "suppress: bad --until" "$BOUNCE" suppress --db b.db ok@example.com --reason x --until soon; expect_err "'soon'"
  expect_status 2 "unsuppress: not an address" "$BOUNCE" unsuppress --db b.db "x y@z" --note x
  expect_status 2 "list: unknown reason" "$BOUNCE" list --db b.db --reason nosuch; expect_err "'nosuch'"
  expect_status 2 "list: bad date" "$BOUNCE" list --db b.db --since 2026-13-45; expect_err "'2026-13-45'"
  expect_status 2 "report: bad date" "$BOUNCE" report --db b.db --since yesterday; expect_err "'yesterday'"
  expect_status 2 "history: not an address" "$BOUNCE" history --db b.db nobody
  expect_status 2 "filter: unknown column" "$BOUNCE" filter --db b.db --column mail "$EML/../eml/not-a-bounce.eml"
  printf 'email,reason\nok@example.com,x\nbroken,y\n' >bad.csv
  expect_status 2 "import: bad address names its line" "$BOUNCE" import --db b.db bad.csv; expect_err "bad.csv:3"
  printf 'email,since\nok@example.com,2026-02-30\n' >bad2.csv
  expect_status 2 "import: bad date" "$BOUNCE" import --db b.db bad2.csv; expect_err "2026-02-30"
  expect_status 2 "rebuild: unknown reason" "$BOUNCE" rebuild --db b.db --set reason.nosuch=hard; expect_err "nosuch"
  expect_status 2 "rebuild: bad class" "$BOUNCE" rebuild --db b.db --set reason.blocked=maybe; expect_err "maybe"
  expect_status 2 "ingest: bad duration" "$BOUNCE" ingest --db b.db --soft-window 15x "$EML"; expect_err "15x"
  expect_status 2 "unknown option" "$BOUNCE" list --db b.db --colour
  after=$(sqlite3 b.db .dump | md5sum)
  [ "$before" = "$after" ] && ok "nothing changed" || fail "the database changed"
}

# t_report_empty - a window without events: the empty report, exit 0 (the
# sort of no domains was a qsort of NULL, fatal under UBSan)
t_report_empty() {
  "$BOUNCE" ingest --db r.db $POLICY "$EML" >/dev/null 2>&1
  expect_status 0 "report on a window without events" "$BOUNCE" report --db r.db --since 2030-01-01
  [ "$(cat out.txt)" = "bounce report: 0 events since 2030-01-01T00:00:00Z, 0 domains" ] ||
    fail "report text: $(cat out.txt)"
  expect_status 0 "report --json on a window without events" "$BOUNCE" report --db r.db --since 2030-01-01 --json
  python3 -c "import json; d=json.load(open('out.txt')); assert d['domains']==[] and d['events']==0" 2>/dev/null ||
    fail "report json: $(cat out.txt)"
}

# filter_case NAME INPUT WANT ARGS... - filter INPUT (printf format) with
# ARGS against the list s.db; stdout must be WANT (printf format)
filter_case() {
  name=$1; input=$2; want=$3; shift 3
  printf "$input" >case.in
  "$BOUNCE" filter --db s.db "$@" case.in >out.txt 2>err.txt || { fail "$name: exit $?"; return; }
  if [ "$(cat out.txt)" = "$(printf "$want")" ]; then ok "$name"; else
    fail "$name: got"; sed 's/^/  stdout: /' out.txt; fi
}

# t_csv_records - a CSV record is the lines joined while a quoted field is
# open (RFC 4180), in filter and import; export | import keeps a note with a
# line break; a BOM before the header is not part of its first name
t_csv_records() {
  "$BOUNCE" suppress --db s.db alice@example.org --reason x >/dev/null
  filter_case "filter: a quoted line break stays in its record" \
    'email,note\nok@example.org,"line1\nline2"\nalice@example.org,x\n' \
    'email,note\nok@example.org,"line1\nline2"' --header --column email
  filter_case "filter: CRLF records, a quoted CRLF" \
    'email,note\r\nok@example.org,"a\r\nb"\r\nalice@example.org,"c\r\nd"\r\n' \
    'email,note\nok@example.org,"a\r\nb"' --column email
  filter_case "filter: quotes doubled, a quote inside an unquoted field" \
    'email,note\nok@example.org,"say ""hi""\nthen"\nb@x.org,O"Brien\nalice@example.org,1\n' \
    'email,note\nok@example.org,"say ""hi""\nthen"\nb@x.org,O"Brien' --column email
  filter_case "filter: the address in a field after a multi-line one" \
    'note,email\n"x\ny",alice@example.org\n"x\ny",ok@example.org\n' \
    'note,email\n"x\ny",ok@example.org' --column 2 --header
  filter_case "filter: a quote never closed hides no address" \
    'email,note\nok@example.org,"open\nalice@example.org,x\n' \
    'email,note' --column email
  filter_case "filter: lines mode does not join" \
    'ok@example.org\n"note\nalice@example.org\nnew@example.org\n' 'ok@example.org\nnew@example.org'
  filter_case "filter: a BOM before the header" \
    '\357\273\277email,n\nalice@example.org,1\nok@example.org,2\n' \
    'email,n\nok@example.org,2' --column email
  filter_case "filter: a BOM before the first address" \
    '\357\273\277alice@example.org\nok@example.org\n' 'ok@example.org'
  "$BOUNCE" suppress --db j.db a@b.com --reason "$(printf 'first\nsecond')" >/dev/null
  "$BOUNCE" export --db j.db exp.csv
  expect_status 0 "export | import with a note holding a line break" "$BOUNCE" import --db j2.db exp.csv
  [ "$(sqlite3 j2.db 'SELECT address FROM suppression')" = "a@b.com" ] ||
    fail "imported: $("$BOUNCE" list --db j2.db --csv)"
  sqlite3 j2.db "SELECT note FROM manual" | grep -q "second" || fail "note: $(sqlite3 j2.db 'SELECT note FROM manual')"
  printf '\357\273\277email,reason\ntom@example.com,x\n' >bom.csv
  expect_status 0 "import: a BOM before the header" "$BOUNCE" import --db j3.db bom.csv
  [ "$(sqlite3 j3.db 'SELECT hex(address) FROM suppression')" = "$(printf 'tom@example.com' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ] ||
    fail "stored key: $(sqlite3 j3.db 'SELECT hex(address) FROM suppression')"
  printf 'email,reason\nx@example.com,"open\ny@example.com,z\n' >open.csv
  expect_status 2 "import: a quoted field not closed" "$BOUNCE" import --db j3.db open.csv
  expect_err "open.csv:2: a quoted field is not closed"
}

# t_address_keys - an address is found behind invisible characters, quotes
# that change nothing and non-ASCII capitals; a list whose keys an older
# bounce made says so until 'bounce rebuild' re-keys it
t_address_keys() {
  "$BOUNCE" suppress --db k.db tom@example.com "$(printf 'j\303\266rg@example.com')" \
    "$(printf 'ana@\322\221\320\276\321\200\320\260.example')" --reason x >/dev/null
  printf '\357\273\277tom@example.com\ntom@example.com\302\240\n\302\240tom@example.com\ntom@example.com\342\200\213\n"tom"@example.com\n<"Tom"@Example.COM>\nJ\303\226RG@example.com\nana@\322\220\320\236\320\240\320\220.example\n' >in.txt
  expect_status 0 "filter: the same address in other forms" "$BOUNCE" filter --db k.db --stats in.txt
  [ -s out.txt ] && fail "kept: $(cat out.txt)"
  expect_err "8 addresses: 0 kept, 8 suppressed, 0 not addresses"
  printf 'to\302\240m@example.com\n' >in2.txt
  expect_status 0 "filter: an invisible character inside is not an address" "$BOUNCE" filter --db k.db --stats in2.txt
  expect_err "1 not an address"
  expect_status 2 "suppress: an invisible character inside" "$BOUNCE" suppress --db k.db "$(printf 'to\342\200\213m@example.com')" --reason x
  expect_status 1 "check: quoted form" "$BOUNCE" check --db k.db '"tom"@example.com'
  # an older bounce's keys: quotes kept, non-ASCII capitals kept
  "$BOUNCE" ingest --db old.db $POLICY "$EML" >/dev/null 2>&1
  "$BOUNCE" suppress --db old.db '"kim"@example.com' --reason x >/dev/null
  sqlite3 old.db "UPDATE manual SET address='\"kim\"@example.com' WHERE address='kim@example.com';
    UPDATE suppression SET address='\"kim\"@example.com' WHERE address='kim@example.com';
    DELETE FROM meta WHERE key='address_keys'"
  expect_status 0 "an old list: the address is missed" "$BOUNCE" check --db old.db kim@example.com
  expect_err "run 'bounce rebuild'"
  expect_status 0 "rebuild re-keys the old list" "$BOUNCE" rebuild --db old.db
  expect_status 1 "found after the rebuild" "$BOUNCE" check --db old.db kim@example.com
  grep -q "rebuild" err.txt && fail "still asks for a rebuild: $(cat err.txt)"
  expect_status 1 "events keep their keys" "$BOUNCE" check --db old.db GONE.USER@example.com
  [ "$(sqlite3 old.db "SELECT value FROM meta WHERE key='address_keys'")" = 2 ] || fail "key version not stored"
  expect_status 0 "a new list has current keys" "$BOUNCE" check --db k.db nobody@example.com
  [ -s err.txt ] && fail "warning on a new list: $(cat err.txt)"
}

# t_end_of_options - '--' ends the options of every command that takes
# addresses, so an address may start with '-' (as check always allowed)
t_end_of_options() {
  while IFS='|' read -r want what args; do
    # shellcheck disable=SC2086 # args are split on purpose
    expect_status "$want" "$what" "$BOUNCE" $args
  done <<'CASES'
0|suppress -- -tom|suppress --db o.db --reason x -- -tom@example.com
1|check -- -tom|check --db o.db -- -tom@example.com
0|history -- -tom|history --db o.db -- -tom@example.com
0|suppress: options before --, two addresses after|suppress --db o.db --reason x -- -a@example.com --b@example.com
1|check the second|check --db o.db -- --b@example.com
0|unsuppress -- -tom|unsuppress --db o.db --note y -- -tom@example.com
0|check after unsuppress|check --db o.db -- -tom@example.com
2|an option after -- is an address|suppress --db o.db -- --reason x
2|history: one address after --|history --db o.db -- -a@example.com -b@example.com
CASES
  "$BOUNCE" history --db o.db -- -tom@example.com >out.txt 2>&1
  grep -q "unsuppress by .*: y" out.txt || fail "history: $(cat out.txt)"
}

# t_check_options - check takes its options anywhere before '--', as
# suppress does: '--db' or '-q' after an address is an option, not an
# address; --help lists -q
t_check_options() {
  "$BOUNCE" suppress --db c.db tom@example.com --reason x >/dev/null
  expect_status 1 "check: --db after the address" "$BOUNCE" check tom@example.com --db c.db
  grep -q "^tom@example.com: suppressed" out.txt || fail "check text: $(cat out.txt)"
  expect_status 1 "check: -q after the address" "$BOUNCE" check tom@example.com -q --db c.db
  [ -s out.txt ] && fail "-q printed: $(cat out.txt)"
  expect_status 0 "check: --json between two addresses" "$BOUNCE" check a@example.com --json --db=c.db b@example.com
  [ "$(grep -c '"suppressed":false' out.txt)" = 2 ] || fail "check --json: $(cat out.txt)"
  expect_status 2 "check: -q after -- is an address" "$BOUNCE" check --db c.db -- -q
  expect_err "'-q' is not an address"
  expect_status 2 "check: an unknown option after the address" "$BOUNCE" check tom@example.com --colour --db c.db
  expect_err "unknown option '--colour'"
  expect_status 0 "check --help" "$BOUNCE" check --help
  grep -q -- "-q, --quiet" out.txt || fail "check --help lacks -q: $(cat out.txt)"
}

# t_filter_column - a --column the first line does not have exits 2 (a typo
# gave an empty send list, exit 0); later records without it are counted
# on stderr and listed in the rejected file
t_filter_column() {
  "$BOUNCE" suppress --db f.db alice@example.org --reason x >/dev/null
  printf 'email,name,city\nok@example.org,O,X\nalice@example.org,A,Y\n' >subs.csv
  expect_status 2 "filter: a column the header lacks" "$BOUNCE" filter --db f.db --column 9 subs.csv
  expect_err "no column 9 in the first line of subs.csv: it has 3"
  [ -s out.txt ] && fail "printed: $(cat out.txt)"
  expect_status 2 "filter: with --header too" "$BOUNCE" filter --db f.db --header --column 4 subs.csv
  expect_err "no column 4"
  printf 'x,y,ok@example.org\nshort@example.org\n1,2,alice@example.org\n3,4,new@example.org\nalso,short\n' >mixed.csv
  expect_status 0 "filter: some records lack the column" "$BOUNCE" filter --db f.db --column 3 \
    --rejected rej.csv mixed.csv
  expect_err "2 records of mixed.csv have no column 3: not kept"
  [ "$(cat out.txt)" = "$(printf 'x,y,ok@example.org\n3,4,new@example.org')" ] || fail "kept: $(cat out.txt)"
  grep -q '^short@example.org,no column 3$' rej.csv || fail "rejected: $(cat rej.csv)"
  printf 'id,email\n1,ok@example.org\n2\n' >named.csv
  expect_status 0 "filter: --column NAME, a record without it" "$BOUNCE" filter --db f.db --column email --stats named.csv
  expect_err "1 record of named.csv has no column email"
  expect_err "2 addresses: 1 kept, 0 suppressed, 0 not addresses, 1 without the column (list of 1 entry)"
  expect_status 0 "filter: every line has the column" "$BOUNCE" filter --db f.db --column 2 subs.csv
  [ -s err.txt ] && fail "stderr: $(cat err.txt)"
}

# csv_check WHAT FILE ASSERTION - FILE read by Python's csv module into
# rows (lists of fields); the Python ASSERTION on rows must hold
csv_check() {
  python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert eval("(" + sys.argv[2] + ")"), rows' "$2" "$3" && ok "$1" || { fail "$1"; sed 's/^/  /' "$2"; }
}

# t_rejected_csv - the rejected file of a plain list is RFC 4180 CSV: an
# address with a comma or quotes is one quoted field; list --csv and export
# quote the same way
t_rejected_csv() {
  command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
  "$BOUNCE" suppress --db q.db '"tom, jr"@example.com' '"say \"hi\""@example.com' \
    --reason "$(printf 'a "note", two\nlines')" >/dev/null
  printf '"tom, jr"@example.com\n"say \\"hi\\""@example.com\nok@example.com\nnot "an", address\n' >plain.txt
  expect_status 0 "filter a plain list" "$BOUNCE" filter --db q.db --rejected rej.csv plain.txt
  [ "$(cat out.txt)" = "ok@example.com" ] || fail "kept: $(cat out.txt)"
  csv_check "rejected file: the line one field, then the reason" rej.csv \
    'rows == [["\"tom, jr\"@example.com", "a \"note\", two\nlines"],
              ["\"say \\\"hi\\\"\"@example.com", "a \"note\", two\nlines"],
              ["not \"an\", address", "not an address"]]'
  printf 'addr\n"tom, jr"@example.com\n' >plainh.txt
  "$BOUNCE" filter --db q.db --header --rejected rejh.csv plainh.txt >/dev/null
  csv_check "rejected file of a plain list with a header" rejh.csv \
    '[r[0] for r in rows] == ["addr", "\"tom, jr\"@example.com"] and len(rows[1]) == 2'
  "$BOUNCE" list --db q.db --csv >list.csv
  "$BOUNCE" export --db q.db >export.csv
  for f in list.csv export.csv; do
    csv_check "$f: the address and the note are one field each" "$f" \
      '[r[0] for r in rows] == ["address", "\"say \\\"hi\\\"\"@example.com", "\"tom, jr\"@example.com"]
       and all(len(r) == 8 and r[2] == "a \"note\", two\nlines" for r in rows[1:])'
  done
}

# t_text_output - list, check and history print one line per entry (a
# note's line break written \n), columns padded by code points, counts in
# the singular for one; export | import does not prefix 'import: ' again
t_text_output() {
  command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
  "$BOUNCE" suppress --db x.db tom@example.com --reason "$(printf 'two\nlines')" >/dev/null
  "$BOUNCE" suppress --db x.db "$(printf 'j\303\266rg@b\303\274cher.de')" amy@example.com \
    --reason "$(printf '\303\274ber \303\244\303\266\303\274 and a reason longer than its column')" >/dev/null
  expect_status 0 "list" "$BOUNCE" list --db x.db
  [ "$(wc -l <out.txt)" -eq 3 ] && ok "list: one line per entry" || fail "list lines: $(cat out.txt)"
  grep -q '^tom@example.com  *manual  *two\\nlines ' out.txt || fail "list: note: $(cat out.txt)"
  python3 - <<'PY' && ok "list: the columns line up after a non-ASCII address" || fail "list columns: $(cat out.txt)"
lines = open("out.txt", encoding="utf-8").read().splitlines()
assert len({l.index(" manual ") for l in lines}) == 1, lines
assert len({l.index(" 20") for l in lines}) == 1, lines
PY
  expect_status 1 "check" "$BOUNCE" check --db x.db tom@example.com
  grep -qx 'tom@example.com: suppressed (manual: two\\nlines) since .*, for good' out.txt &&
    [ "$(wc -l <out.txt)" -eq 1 ] && ok "check: one line, the line break escaped" || fail "check: $(cat out.txt)"
  expect_status 0 "history" "$BOUNCE" history --db x.db tom@example.com
  [ "$(wc -l <out.txt)" -eq 2 ] && grep -q 'suppress  by .*: two\\nlines$' out.txt &&
    ok "history: one line per action" || fail "history: $(cat out.txt)"
  expect_status 0 "list --json keeps the line break" "$BOUNCE" list --db x.db --json --reason manual
  grep -q '"reason":"two\\nlines"' out.txt || fail "json: $(cat out.txt)"
  # singular and plural
  "$BOUNCE" export --db x.db >e1.csv
  printf 'email\nann@example.com\n' >one.csv
  expect_status 0 "import one address" "$BOUNCE" import --db y.db one.csv
  grep -q '^imported 1 address (0 already suppressed' out.txt || fail "import text: $(cat out.txt)"
  "$BOUNCE" ingest --db r.db $POLICY "$EML/hard-userunknown.eml" >/dev/null 2>&1
  expect_status 0 "report on one event" "$BOUNCE" report --db r.db --since all
  grep -q '^bounce report: 1 event since the beginning, 1 domain$' out.txt || fail "report: $(cat out.txt)"
  grep -q ': 1 event, 1 rejection: 1 hard, .* 0 complaints, 0 delivered$' out.txt || fail "report domain: $(cat out.txt)"
  expect_status 0 "rebuild a list of one event" "$BOUNCE" rebuild --db r.db
  grep -q '^rebuilt from 1 event: 0 reclassified, 1 address with history' out.txt || fail "rebuild: $(cat out.txt)"
  # export | import | export | import: one prefix
  expect_status 0 "import an export" "$BOUNCE" import --db y.db e1.csv
  "$BOUNCE" export --db y.db >e2.csv
  expect_status 0 "import it again elsewhere" "$BOUNCE" import --db z.db e2.csv
  notes=$(sqlite3 z.db "SELECT DISTINCT note FROM manual ORDER BY 1" | tr '\n' '|')
  case "$notes" in
    *"import: import:"*) fail "import prefixed twice: $notes" ;;
    "import: imported|import: two|lines|import: "*) ok "one 'import: ' prefix after two cycles" ;;
    *) fail "notes: $notes" ;;
  esac
}

# inputs - the corpus when present (every .eml), else our messages
inputs() {
  if [ -n "$CORPUS" ] && [ -d "$CORPUS" ]; then echo "$CORPUS"; else echo "$EML $SRC/samples"; fi
}

t_concurrency() {
  in=$(inputs)
  "$BOUNCE" ingest --db single.db $in >/dev/null 2>&1
  echo "single ingest: $(counts single.db)"
  i=0; pids=""
  while [ $i -lt 16 ]; do
    "$BOUNCE" ingest --db many.db --wait 300 --batch 50 $in >"o$i.txt" 2>"e$i.txt" &
    pids="$pids $!"; i=$((i + 1))
  done
  st=0
  for p in $pids; do wait "$p" || st=1; done
  [ $st -eq 0 ] && ok "16 concurrent ingests all exited 0" || { fail "a concurrent ingest failed"; cat e*.txt | sort | uniq -c | head; }
  echo "16 concurrent: $(counts many.db)"
  [ "$(fingerprint single.db)" = "$(fingerprint many.db)" ] && ok "same events and list as one ingest" ||
    fail "concurrent result differs from a single ingest"
  new=$(cat o*.txt | sed -n 's/.*records*: \([0-9]*\) new events*[ ,].*/\1/p' | awk '{s+=$1} END {print s}')
  ev=$(sqlite3 many.db "SELECT count(*) FROM event")
  [ "$new" = "$ev" ] && ok "new events reported across processes ($new) = stored ($ev): none twice" ||
    fail "processes reported $new new events, $ev stored"
  first_open_race
}

# first_open_race - 16 processes at once on a file that does not exist yet,
# 20 times: switching a new file to WAL made SQLite answer "locked" at once,
# without waiting, to all but one (about 1 round in 15 failed before the
# retry in store_sqlite.c exec_busy_retry)
first_open_race() {
  one=$EML/hard-userunknown.eml
  r=0 bad=0
  while [ $r -lt 20 ]; do
    i=0 pids=""
    while [ $i -lt 16 ]; do
      "$BOUNCE" ingest --db "race$r.db" --wait 300 "$one" >/dev/null 2>"race$r.$i.err" &
      pids="$pids $!"; i=$((i + 1))
    done
    for p in $pids; do wait "$p" || bad=$((bad + 1)); done
    r=$((r + 1))
  done
  [ $bad -eq 0 ] && ok "20 rounds of 16 first opens of a new file: all exited 0" ||
    { fail "$bad of 320 first opens failed"; cat race*.err | sort | uniq -c | head -n 3; }
}

# big_mbox N - an mbox of N bounces to distinct recipients
big_mbox() {
  awk -v n="$1" -v f="$EML/hard-userunknown.eml" 'BEGIN {
    while ((getline l < f) > 0) tpl[++k] = l
    for (i = 1; i <= n; i++) {
      print "From MAILER-DAEMON Mon Nov 23 10:15:02 2026"
      for (j = 1; j <= k; j++) { l = tpl[j]; gsub(/Gone\.User/, "user" i, l); print l }
      print ""
    } }'
}

# big_dsn N - one mbox message: a DSN with N failed recipients
big_dsn() {
  awk -v n="$1" 'BEGIN {
    b = "big.dsn/boundary"
    print "From MAILER-DAEMON Mon Nov 23 10:15:02 2026"
    print "Return-Path: <>"
    print "Date: Mon, 23 Nov 2026 10:15:02 +0000"
    print "From: MAILER-DAEMON@mx.sender.example"
    print "Subject: Undelivered Mail Returned to Sender"
    print "MIME-Version: 1.0"
    print "Content-Type: multipart/report; report-type=delivery-status; boundary=\"" b "\""
    print "\n--" b "\nContent-Type: message/delivery-status\n"
    print "Reporting-MTA: dns; mx.sender.example"
    for (i = 1; i <= n; i++) {
      print "\nFinal-Recipient: rfc822; user" i "@example.com\nAction: failed\nStatus: 5.1.1"
      print "Diagnostic-Code: smtp; 550 5.1.1 <user" i "@example.com>: User unknown"
    }
    print "\n--" b "--" }'
}

t_sigkill() {
  big_mbox 4000 >big.mbox
  t0=$(date +%s.%N)
  "$BOUNCE" ingest --db ref.db --batch 50 big.mbox >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "reference: $(counts ref.db)"
  # kill at a fifth, half and four fifths of an uninterrupted run's time
  delays=$(awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; printf "%.2f %.2f %.2f", d * 0.2, d * 0.5, d * 0.8 }')
  killed=0
  for delay in $delays; do
    rm -f k.db k.db-wal k.db-shm
    "$BOUNCE" ingest --db k.db --batch 50 big.mbox >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null && killed=$((killed + 1))
    wait $pid 2>/dev/null
    echo "killed after ${delay}s: $(counts k.db 2>/dev/null)"
    [ "$(sqlite3 k.db 'PRAGMA integrity_check' 2>&1)" = ok ] && ok "integrity_check after SIGKILL" ||
      fail "database damaged after SIGKILL"
    part=$(sqlite3 k.db "SELECT count(*) FROM event e LEFT JOIN suppression s ON s.address = e.address
      WHERE e.class = 'hard' AND s.address IS NULL" 2>/dev/null)
    [ "$part" = 0 ] && ok "no event without its suppression (nothing half-written)" || fail "$part hard events lack their entry"
    expect_status 0 "re-run after SIGKILL" "$BOUNCE" ingest --db k.db --batch 50 big.mbox
    [ "$(fingerprint ref.db)" = "$(fingerprint k.db)" ] && ok "same final state as an uninterrupted run" ||
      fail "state after kill + re-run differs"
  done
  [ $killed -gt 0 ] || { echo "SKIP: ingest finished before any kill"; exit 77; }
}

t_readonly() {
  mkdir ro && "$BOUNCE" ingest --db ro/l.db "$EML/hard-userunknown.eml" >/dev/null 2>&1
  chmod a-w ro ro/l.db*
  AS=""
  if [ "$(id -u)" -eq 0 ]; then
    # root ignores permissions: run the commands as nobody
    command -v setpriv >/dev/null 2>&1 || { echo "SKIP: root without setpriv"; exit 77; }
    chmod 755 "$WORK"; chmod -R a+r "$WORK"
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
    $AS test -r "$BOUNCE" || { echo "SKIP: nobody cannot run $BOUNCE"; exit 77; }
  fi
  expect_status 75 "ingest into a read-only list: EX_TEMPFAIL" $AS "$BOUNCE" ingest --db ro/l.db "$EML"
  expect_err "ro/l.db"
  expect_status 75 "pipe into a read-only list" $AS sh -c "'$BOUNCE' ingest --pipe --db ro/l.db < '$EML/sender-blocked.eml'"
  expect_status 75 "new list in a missing directory" $AS "$BOUNCE" ingest --db missing/dir/l.db "$EML"
  expect_err "missing/dir/l.db"
  expect_status 75 "new list in a read-only directory" $AS "$BOUNCE" ingest --db ro/new.db "$EML"
  expect_status 75 "check a list that does not exist" $AS "$BOUNCE" check --db nowhere.db a@example.com
  expect_err "no suppression list"
  [ ! -e missing ] && [ ! -e ro/new.db ] && ok "nothing created" || fail "a file or directory was created"
  [ "$(sqlite3 ro/l.db 'SELECT count(*) FROM event')" = 1 ] && ok "the list is unchanged" || fail "list changed"
}

t_locked() {
  "$BOUNCE" ingest --db l.db "$EML/hard-userunknown.eml" >/dev/null 2>&1
  before=$(fingerprint l.db)
  # hold the write lock from another process for 5 s
  (printf 'BEGIN IMMEDIATE;\nSELECT 1;\n'; sleep 5; printf 'ROLLBACK;\n') | sqlite3 l.db >/dev/null 2>&1 &
  holder=$!
  sleep 1
  start=$(date +%s)
  expect_status 75 "pipe while locked: EX_TEMPFAIL after --wait 1" sh -c "'$BOUNCE' ingest --pipe --wait 1 --db l.db < '$EML/sender-blocked.eml'"
  expect_err "locked"
  expect_status 75 "suppress while locked" "$BOUNCE" suppress --wait 1 --db l.db a@example.com --reason x
  took=$(( $(date +%s) - start ))
  [ $took -le 4 ] && ok "bounded wait (${took}s)" || fail "waited ${took}s"
  expect_status 1 "reading works while a writer holds the lock" "$BOUNCE" check --db l.db gone.user@example.com
  wait $holder
  [ "$(fingerprint l.db)" = "$before" ] && ok "nothing written while locked" || fail "state changed"
  expect_status 0 "pipe after the lock is released" sh -c "'$BOUNCE' ingest --pipe --db l.db < '$EML/sender-blocked.eml'"
}

t_full() {
  "$BOUNCE" ingest --db f.db "$EML/hard-userunknown.eml" >/dev/null 2>&1
  pages=$(sqlite3 f.db "PRAGMA page_count")
  before=$(fingerprint f.db)
  # the first message alone overflows the limit, so the failing batch is the
  # first one whatever the clock does (a batch also ends after one second)
  big_dsn 300 >big.mbox
  [ "$("$BOUNCE" parse --json big.mbox | grep -c '"recipient"')" = 300 ] && ok "300 recipients in one DSN" || fail "big DSN not read whole"
  expect_status 75 "ingest into a full database: EX_TEMPFAIL" env BOUNCE_DB_MAX_PAGES=$((pages + 2)) \
    "$BOUNCE" ingest --db f.db --batch 1000 big.mbox
  expect_err "full"
  [ "$(fingerprint f.db)" = "$before" ] && ok "the failed batch left nothing" || fail "half-written"
  expect_status 75 "pipe into a full database" sh -c "BOUNCE_DB_MAX_PAGES=$pages '$BOUNCE' ingest --pipe --db f.db < big.mbox"
  [ "$(sqlite3 f.db 'PRAGMA integrity_check')" = ok ] && ok "integrity_check" || fail "damaged"
}

# big_unread - a 69 MB DSN whose recipient lies past the 64 MiB the parser reads
big_unread() {
  printf 'From: MAILER-DAEMON@mx.sender.example\nTo: news@sender.example\n'
  printf 'Subject: Undelivered Mail Returned to Sender\nDate: Mon, 23 Nov 2026 10:15:02 +0000\n'
  printf 'Message-ID:\n <big-1@mx.sender.example>\r\nMIME-Version: 1.0\n' # folded, CRLF
  printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="b/1"\n\n'
  printf -- '--b/1\nContent-Type: text/plain\n\nThe mail system.\n'
  yes 'filler filler filler filler filler filler filler filler filler filler' | head -c 69000000
  printf -- '\n--b/1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.sender.example\n\n'
  printf 'Final-Recipient: rfc822; far.away@example.com\nAction: failed\nStatus: 5.1.1\n\n--b/1--\n'
}

# t_unread - what the list cannot use is named on stderr, one line each, and
# with --keep-other delivered for a person: a bounce naming no usable
# recipient (its event is still stored, counted as "(no recipient)"), one cut
# at the size limit (kept whole), an input that is not mail; a copy that
# cannot be kept makes the pipe exit 75 with nothing stored
t_unread() {
  U=$SRC/tests/store/unread
  head -c 3000 /dev/urandom | tr -d '\n:' >garbage.bin
  mkdir readme && printf '# notes\n\nNot mail.\n' >readme/README.md
  big_unread >big.eml
  : >plainfile
  # exit|what|stdin (- none)|args|stderr lines|stderr (grep -E)
  while IFS='|' read -r want what in args lines msg; do
    [ "$in" = - ] && in=/dev/null
    expect_status "$want" "$what" sh -c "'$BOUNCE' $args < '$in'"
    grep -Eq -- "$msg" err.txt && ok "  says: $msg" || { fail "stderr lacks /$msg/"; sed 's/^/  stderr: /' err.txt; }
    [ "$(wc -l <err.txt)" = "$lines" ] || fail "$what: $(wc -l <err.txt) stderr lines, want $lines"
  done <<CASES
0|pipe: no recipient, kept|$U/no-recipient.eml|ingest --pipe --db u1.db --keep-other kept|1|^bounce ingest: - \(Message-ID <unread-1@mx\.example\.org>\): no usable recipient found; kept as kept/new/
0|pipe: no recipient, no --keep-other|$U/no-recipient.eml|ingest --pipe --db u2.db|1|\(Message-ID <unread-1@mx\.example\.org>\): no usable recipient found$
75|pipe: no recipient, cannot keep it|$U/no-recipient.eml|ingest --pipe --db u3.db --keep-other plainfile/x|1|no usable recipient found; cannot keep it in plainfile/x: Not a directory
0|batch: no recipient, named|-|ingest --db u4.db $U/no-recipient.eml|1|no-recipient\.eml \(Message-ID <unread-1@mx\.example\.org>\): no usable recipient found$
0|batch: not mail, named|-|ingest --db u5.db garbage.bin readme|2|^bounce ingest: garbage\.bin: not a mail message$
0|batch: a README is not mail|-|ingest --db u5.db readme|1|^bounce ingest: readme/README\.md: not a mail message$
0|pipe: cut at the size limit|big.eml|ingest --pipe --db u6.db|1|^bounce ingest: - \(Message-ID <big-1@mx\.sender\.example>\): message larger than 67108864 bytes, only its start was read; no usable recipient found$
0|pipe: cut, kept|big.eml|ingest --pipe --db u7.db --keep-other kept2|1|: message larger than 67108864 bytes, only its start was read; no usable recipient found; kept as kept2/new/
CASES
  set -- kept/new/*
  { [ $# = 1 ] && cmp -s "$1" "$U/no-recipient.eml"; } && ok "kept: the bounce as it came" || fail "kept/new: $*"
  set -- kept2/new/*
  { [ $# = 1 ] && cmp -s "$1" big.eml; } && ok "kept: the cut bounce whole" || fail "kept2/new: $*"
  for db in u1 u2 u4 u6 u7; do
    [ "$(sqlite3 $db.db "SELECT count(*) FROM event WHERE address = ''")" = 1 ] ||
      fail "$db: no event without an address: $(sqlite3 $db.db 'SELECT address, reason FROM event')"
  done
  [ "$(sqlite3 u3.db 'SELECT count(*) FROM event')" = 0 ] && ok "not kept: nothing stored" || fail "stored although not kept"
  # the summary counts them at every run; the line on stderr is said once
  expect_status 0 "ingest again" "$BOUNCE" ingest --json --db u4.db "$U/no-recipient.eml"
  grep -q '"duplicates":1,.*"no_recipient":1}' out.txt || fail "second summary: $(cat out.txt)"
  [ -s err.txt ] && fail "said again: $(cat err.txt)"
  expect_status 0 "ingest again, text summary" "$BOUNCE" ingest --db u4.db "$U/no-recipient.eml"
  grep -q "1 already stored" out.txt && grep -q "1 record without a usable recipient" out.txt ||
    fail "second summary: $(cat out.txt)"
  expect_status 0 "pipe again: already stored, not kept again" sh -c "'$BOUNCE' ingest --pipe --db u1.db --keep-other kept < '$U/no-recipient.eml'"
  [ "$(ls kept/new | wc -l)" = 1 ] || fail "kept twice: $(ls kept/new)"
}

# t_shared_wal - a reader of another user left the -wal and -shm files,
# which the writer cannot write: the message names that file, its owner and
# mode, not the list (which SQLite calls "readonly"); a reader that cannot
# make a missing -shm, or read the list, is told which
t_shared_wal() {
  mkdir sh && "$BOUNCE" ingest --db sh/l.db "$EML/hard-userunknown.eml" >/dev/null 2>&1
  "$BOUNCE" check --db sh/l.db a@example.com >/dev/null # a reader leaves them
  [ -e sh/l.db-wal ] && [ -e sh/l.db-shm ] || { echo "SKIP: no -wal/-shm left by a reader"; exit 77; }
  AS=""
  if [ "$(id -u)" -eq 0 ]; then # the writer is nobody; root's files stay root's
    command -v setpriv >/dev/null 2>&1 || { echo "SKIP: root without setpriv"; exit 77; }
    chmod 755 "$WORK"; chown 65534:65534 sh sh/l.db
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
    $AS test -r "$BOUNCE" || { echo "SKIP: nobody cannot run $BOUNCE"; exit 77; }
    expect_status 75 "pipe: the -wal file is not writable" $AS sh -c "'$BOUNCE' ingest --pipe --db sh/l.db < '$EML/sender-blocked.eml'"
    expect_err "^bounce ingest: sh/l.db-wal: not writable by this user (uid 65534 gid 65534; the file: owner uid 0 gid 0, mode 0[0-7]*), so the list sh/l.db cannot be written"
    [ "$(wc -l <err.txt)" = 1 ] && ok "one line" || fail "$(wc -l <err.txt) lines"
    chown 65534 sh/l.db-wal
  else # the owner's own empty -wal gets its mode back from SQLite: -shm only
    chmod a-w sh/l.db-shm
  fi
  expect_status 75 "pipe: the -shm file is not writable" $AS sh -c "'$BOUNCE' ingest --pipe --db sh/l.db < '$EML/sender-blocked.eml'"
  expect_err "^bounce ingest: sh/l.db-shm: not writable by this user (uid $($AS id -u) gid $($AS id -g); the file: owner uid [0-9]* gid [0-9]*, mode 0[0-7]*), so the list sh/l.db cannot be written"
  expect_err "setgid"
  [ "$(wc -l <err.txt)" = 1 ] && ok "one line" || fail "$(wc -l <err.txt) lines"
  if [ -z "$AS" ]; then chmod u+w sh/l.db-shm; else chown 65534 sh/l.db-shm; fi
  expect_status 0 "pipe once the files are writable" $AS sh -c "'$BOUNCE' ingest --pipe --db sh/l.db < '$EML/sender-blocked.eml'"
  # a reader needs no write access to the list, but makes a missing -shm
  mkdir rd && "$BOUNCE" ingest --db rd/l.db "$EML/hard-userunknown.eml" >/dev/null 2>&1
  [ -z "$AS" ] && chmod a-w rd
  expect_status 75 "check: no -shm, a directory the reader cannot write" $AS "$BOUNCE" check --db rd/l.db a@example.com
  expect_err "rd/l.db: .*; the directory rd is not writable by this user, and a reader makes the list's -wal and -shm files when they are missing"
  chmod 600 rd/l.db; [ -z "$AS" ] && chmod 000 rd/l.db
  expect_status 75 "check: a list the reader cannot read" $AS "$BOUNCE" check --db rd/l.db a@example.com
  expect_err "rd/l.db: .*; the file is not readable by this user (uid $($AS id -u) gid $($AS id -g); the file: owner uid $(id -u) gid $(id -g), mode 0[0-7]*)"
}

case "$test_name" in
  e2e) t_e2e ;; pipe) t_pipe ;; bad-input) t_bad_input ;; concurrency) t_concurrency ;;
  sigkill) t_sigkill ;; readonly) t_readonly ;; locked) t_locked ;; full) t_full ;;
  report-empty) t_report_empty ;; csv-records) t_csv_records ;;
  address-keys) t_address_keys ;; end-of-options) t_end_of_options ;;
  policy-classes) t_policy_classes ;;
  check-options) t_check_options ;; filter-column) t_filter_column ;;
  rejected-csv) t_rejected_csv ;; text-output) t_text_output ;;
  unread) t_unread ;; shared-wal) t_shared_wal ;;
  *) echo "unknown test $test_name"; exit 2 ;;
esac
[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
