# pg_tests.sh - PostgreSQL's own store tests, sourced by tests/store/pg.sh
# (which provides newdb, q, fingerprint, sq_fingerprint, expect_status,
# inputs, big_mbox, ok/fail; cwd is a scratch directory).

# t_same_as_sqlite - one input, both backends: the same events (dedup keys,
# classes), the same list, the same answers of check, list and history
t_same_as_sqlite() {
  in=$(inputs)
  U=$(newdb same)
  "$BOUNCE" ingest --db s.db $POLICY $in >s.out 2>s.err || fail "SQLite ingest"
  expect_status 0 "ingest into PostgreSQL" "$BOUNCE" ingest --db "$U" $POLICY $in
  [ "$(sed 1d out.txt)" = "$(sed 1d s.out)" ] && ok "same summary" || fail "summaries differ: $(cat out.txt) / $(cat s.out)"
  # what the list cannot use is named on stderr, the same for both
  cmp -s err.txt s.err && ok "same notices" || fail "notices differ: $(cat err.txt) / $(cat s.err)"
  [ "$(sq_fingerprint s.db)" = "$(fingerprint same)" ] && ok "same events and list" ||
    fail "events or list differ"
  "$BOUNCE" suppress --db s.db --who t hand@example.com --reason "by hand" >/dev/null
  "$BOUNCE" suppress --db "$U" --who t hand@example.com --reason "by hand" >/dev/null
  for a in gone.user@example.com full@example.net hand@example.com; do
    "$BOUNCE" unsuppress --db s.db --who t "$a" --note "back" >/dev/null
    "$BOUNCE" unsuppress --db "$U" --who t "$a" --note "back" >/dev/null
    "$BOUNCE" suppress --db s.db --who t "$a" --reason "again" >/dev/null
    "$BOUNCE" suppress --db "$U" --who t "$a" --reason "again" >/dev/null
  done
  for cmd in "list --csv" "list --json" "list --reason hard" "report --since all --json --min 1"; do
    # times of manual actions are "now": compare without them
    a=$("$BOUNCE" $cmd --db s.db 2>&1 | sed 's/20[0-9][0-9]-[0-9T:-]*Z//g')
    b=$("$BOUNCE" $cmd --db "$U" 2>&1 | sed 's/20[0-9][0-9]-[0-9T:-]*Z//g')
    [ "$a" = "$b" ] && [ -n "$a" ] && ok "'$cmd' answers the same" || { fail "'$cmd' differs"; echo "$a" | head -5; echo "--"; echo "$b" | head -5; }
  done
  for a in gone.user@example.com full@example.net fine@example.org nobody@example.com; do
    x=$("$BOUNCE" check --db s.db "$a"; echo "exit $?")
    y=$("$BOUNCE" check --db "$U" "$a"; echo "exit $?")
    x=$(echo "$x" | sed 's/20[0-9][0-9]-[0-9T:-]*Z//g'); y=$(echo "$y" | sed 's/20[0-9][0-9]-[0-9T:-]*Z//g')
    [ "$x" = "$y" ] && ok "check $a answers the same" || fail "check $a: '$x' / '$y'"
    x=$("$BOUNCE" history --db s.db "$a" | sed 's/20[0-9][0-9]-[0-9T:-]*Z//g')
    y=$("$BOUNCE" history --db "$U" "$a" | sed 's/20[0-9][0-9]-[0-9T:-]*Z//g')
    [ "$x" = "$y" ] && ok "history $a the same" || fail "history $a differs"
  done
  "$BOUNCE" rebuild --db s.db --set reason.blocked=hard --case-sensitive-local >/dev/null
  expect_status 0 "rebuild with another policy" "$BOUNCE" rebuild --db "$U" --set reason.blocked=hard --case-sensitive-local
  [ "$(sq_fingerprint s.db)" = "$(fingerprint same)" ] && ok "same list after rebuild" ||
    fail "rebuild results differ"
  # keys made by an older normalisation (quotes kept): rebuild re-keys both
  "$BOUNCE" suppress --db s.db --who t '"kim"@example.com' --reason x >/dev/null
  "$BOUNCE" suppress --db "$U" --who t '"kim"@example.com' --reason x >/dev/null
  stale="UPDATE manual SET address='\"kim\"@example.com' WHERE address='kim@example.com';
    UPDATE suppression SET address='\"kim\"@example.com' WHERE address='kim@example.com';
    DELETE FROM meta WHERE key='address_keys'"
  sqlite3 s.db "$stale"
  q same "$stale" >/dev/null
  expect_status 0 "an old list: kim is missed" "$BOUNCE" check --db "$U" kim@example.com
  expect_err "run 'bounce rebuild'"
  "$BOUNCE" rebuild --db s.db >/dev/null 2>&1
  expect_status 0 "rebuild re-keys the old list" "$BOUNCE" rebuild --db "$U"
  expect_status 1 "kim found after the rebuild" "$BOUNCE" check --db "$U" kim@example.com
  [ "$(q same "SELECT value FROM meta WHERE key='address_keys'")" = 2 ] && ok "key version stored" ||
    fail "key version not stored"
  [ "$(sq_fingerprint s.db)" = "$(fingerprint same)" ] && ok "same list after re-keying" ||
    fail "re-keyed lists differ"
  # text that is not UTF-8 (here the source's file name) is stored with
  # U+FFFD in place of the bad byte, not refused by the server
  bad=$(printf 'bad\377name.eml')
  cp "$EML/hard-userunknown.eml" "$bad"
  sed 's/Gone\.User/latin/' "$EML/hard-userunknown.eml" >"$bad"
  expect_status 0 "a source name that is not UTF-8" "$BOUNCE" ingest --db "$U" "$bad"
  n=$(q same "SELECT count(*) FROM event WHERE source = 'bad'||U&'\FFFD'||'name.eml'")
  [ "$n" = 1 ] && ok "stored with U+FFFD" || fail "non-UTF-8 source: $n rows"
}

# t_migrate_race - 8 processes open a new database at once: one migrates,
# the others wait on the advisory lock and find the schema done
t_migrate_race() {
  U=$(newdb mig)
  i=0; pids=""
  while [ $i -lt 8 ]; do
    "$BOUNCE" ingest --db "$U" "$EML/hard-userunknown.eml" >"m$i.out" 2>&1 &
    pids="$pids $!"; i=$((i + 1))
  done
  st=0; for p in $pids; do wait "$p" || st=1; done
  [ $st -eq 0 ] && ok "8 first openers all succeeded" || { fail "an opener failed"; cat m*.out; }
  [ "$(q mig 'SELECT count(*), max(version) FROM schema_version')" = "1|2" ] &&
    ok "schema_version: one row, version 2" || fail "schema_version: $(q mig 'SELECT * FROM schema_version')"
  [ "$(q mig 'SELECT count(*) FROM event')" = 1 ] && ok "one event" || fail "events: $(q mig 'SELECT count(*) FROM event')"
  q mig "UPDATE schema_version SET version = 99"
  expect_status 1 "a newer schema is refused" "$BOUNCE" list --db "$U"
  expect_err "newer than this bounce"
  q mig "UPDATE schema_version SET version = 2"
  F=$(newdb foreign)
  q foreign "CREATE TABLE event (x int)"
  expect_status 1 "a database with other tables named event is refused" "$BOUNCE" ingest --db "$F" "$EML"
  expect_err "not a bounce database"
}

# soft_copy N I - soft bounce I (1..3) of tests/store/eml for raceN@example.net
soft_copy() {
  sed "s/full@example\.net/race$1@example.net/g; s/<issue-$2@/<issue-$2-$1@/" \
    "$EML/soft-mailboxfull-$2.eml"
}

# t_race - the policy's decision stays right when machines ingest bounces of
# one address at the same moment: 10 addresses x 3 soft bounces (the
# threshold), each bounce through its own `bounce ingest`, all 30 at once.
# Every address must end suppressed with a count of 3, and exactly one
# process per address must report the new suppression. Without the write
# lock two transactions each see 2 of the 3 and nobody suppresses.
t_race() {
  U=$(newdb race)
  "$BOUNCE" ingest --db "$U" $POLICY "$EML/not-a-bounce.eml" >/dev/null 2>&1
  for n in 1 2 3 4 5 6 7 8 9 10; do for i in 1 2 3; do soft_copy $n $i >"r$n-$i.eml"; done; done
  # hold back every insert into event for 4 s while all 30 start, so that
  # they reach the decision together (a real race, not a queue by chance)
  q race "BEGIN; LOCK TABLE event IN SHARE MODE; SELECT pg_sleep(4); COMMIT" >/dev/null &
  holder=$!
  sleep 0.5
  pids=""
  for n in 1 2 3 4 5 6 7 8 9 10; do for i in 1 2 3; do
    "$BOUNCE" ingest --db "$U" --wait 60 "r$n-$i.eml" >"r$n-$i.out" 2>&1 &
    pids="$pids $!"
  done; done
  st=0; for p in $pids; do wait "$p" || st=1; done
  wait $holder
  [ $st -eq 0 ] && ok "30 concurrent ingests exited 0" || { fail "an ingest failed"; cat r*.out | sort | uniq -c; }
  sup=$(q race "SELECT count(*) FROM suppression WHERE address LIKE 'race%' AND soft_count = 3 AND kind = 'soft'")
  [ "$sup" = 10 ] && ok "all 10 addresses suppressed after their third soft bounce" ||
    { fail "$sup of 10 suppressed"; q race "SELECT address, soft_count FROM suppression"; }
  for n in 1 2 3 4 5 6 7 8 9 10; do
    k=$(cat r$n-*.out | sed -n 's/^\([0-9]*\) new suppressions*[ ,].*/\1/p' | awk '{s+=$1} END {print s+0}')
    [ "$k" = 1 ] || fail "race$n: $k processes reported the new suppression, want exactly 1"
  done
  [ $failures -eq 0 ] && ok "each new suppression reported once"
}

# t_concurrent8 - 8 processes ingest the same input at once, with different
# batch sizes: every event once, the list exactly as one SQLite ingest gives
t_concurrent8() {
  in=$(inputs)
  U=$(newdb c8)
  "$BOUNCE" ingest --db ref.db $in >/dev/null 2>&1
  i=0; pids=""
  for b in 1 7 50 1000 3 20 200 100; do
    "$BOUNCE" ingest --db "$U" --wait 300 --batch $b $in >"o$i.txt" 2>"e$i.txt" &
    pids="$pids $!"; i=$((i + 1))
  done
  st=0; for p in $pids; do wait "$p" || st=1; done
  [ $st -eq 0 ] && ok "8 concurrent ingests exited 0" || { fail "a concurrent ingest failed"; cat e*.txt | sort | uniq -c | head; }
  [ "$(sq_fingerprint ref.db)" = "$(fingerprint c8)" ] && ok "same events and list as one SQLite ingest" ||
    fail "concurrent result differs from a single ingest"
  new=$(cat o*.txt | sed -n 's/.*records*: \([0-9]*\) new events*[ ,].*/\1/p' | awk '{s+=$1} END {print s}')
  ev=$(q c8 "SELECT count(*) FROM event")
  [ "$new" = "$ev" ] && ok "new events reported ($new) = stored ($ev): none twice" ||
    fail "processes reported $new new events, $ev stored"
}

# pgctl ARGS - pg_ctl on the test cluster as its owner
pgctl() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u "$BN_PG_OWNER" -- pg_ctl -D "$BN_PG_DATA" "$@")
  else pg_ctl -D "$BN_PG_DATA" "$@"; fi
}

# server_start - start the stopped test cluster again (same options)
server_start() {
  pgctl -l "$BN_PG_HOST/server.log" -w -t 30 -o "-k $BN_PG_HOST -p $BN_PG_PORT -c listen_addresses='' -c fsync=${BN_PG_FSYNC:-off} -c max_connections=60" start >/dev/null
  pg_isready -q -t 30
}

# t_server_stop - the server stopped mid-run (pg_ctl stop -m fast): the
# ingest fails with EX_TEMPFAIL, nothing half-written, the re-run gives the
# exact final state; the MTA pipe gets 75 while the server is down. Then a
# restart during a run: the run reconnects, retries its batch, and finishes.
# wait_events NAME - until the ingest into list NAME has committed its first
# batch (10 s at most): the server is then stopped mid-run, whatever the
# machine's speed (a fixed sleep let a fast machine finish first)
wait_events() {
  i=0
  while [ "$(q "$1" 'SELECT count(*) FROM event' 2>/dev/null || echo 0)" -le 1 ] && [ $i -lt 200 ]; do
    sleep 0.05; i=$((i + 1))
  done
}

t_server_stop() {
  U=$(newdb stop)
  big_mbox 20000 >big.mbox
  "$BOUNCE" ingest --db ref.db --batch 50 big.mbox "$EML/hard-userunknown.eml" >/dev/null 2>&1
  "$BOUNCE" ingest --db "$U" "$EML/hard-userunknown.eml" >/dev/null 2>&1
  "$BOUNCE" ingest --db "$U" --batch 50 --retry 0 big.mbox >run1.out 2>run1.err &
  pid=$!
  wait_events stop
  pgctl -m fast -w stop >/dev/null || fail "pg_ctl stop"
  wait $pid; st=$?
  [ $st -eq 75 ] && ok "ingest with the server gone: exit 75" || { fail "ingest exit $st, want 75"; cat run1.err; }
  grep -qi "unreachable\|cannot connect\|terminat" run1.err && ok "it says the server is unreachable" || { fail "message"; cat run1.err; }
  expect_status 75 "pipe while the server is down: EX_TEMPFAIL" sh -c "'$BOUNCE' ingest --pipe --db '$U' < '$EML/sender-blocked.eml'"
  expect_status 75 "check while the server is down" "$BOUNCE" check --db "$U" a@example.com
  server_start || { fail "server did not restart"; return; }
  part=$(q stop "SELECT count(*) FROM event e LEFT JOIN suppression s ON s.address = e.address WHERE e.class = 'hard' AND s.address IS NULL")
  [ "$part" = 0 ] && ok "no event without its suppression (nothing half-written)" || fail "$part hard events lack their entry"
  echo "stored before the re-run: $(q stop 'SELECT count(*) FROM event') events"
  expect_status 0 "re-run" "$BOUNCE" ingest --db "$U" --batch 50 big.mbox
  [ "$(sq_fingerprint ref.db)" = "$(fingerprint stop)" ] && ok "exact final state after the re-run" ||
    fail "state after stop + re-run differs"
  # a restart during a long run: reconnect and continue
  R=$(newdb restart)
  "$BOUNCE" ingest --db "$R" "$EML/hard-userunknown.eml" >/dev/null 2>&1
  "$BOUNCE" ingest --db "$R" --batch 50 big.mbox >run2.out 2>run2.err &
  pid=$!
  wait_events restart
  pgctl -m fast -w stop >/dev/null; sleep 1; server_start || fail "restart"
  wait $pid; st=$?
  [ $st -eq 0 ] && ok "a run across a server restart finished (exit 0)" || { fail "run across restart: exit $st"; cat run2.err; }
  grep -qi "reconnect" run2.err && ok "it said it reconnected" || echo "note: the run did not need to reconnect"
  [ "$(sq_fingerprint ref.db)" = "$(fingerprint restart)" ] && ok "exact final state after the restart" ||
    fail "state after a restart mid-run differs"
}

# t_readonly - a role that may only read: writes exit 75 naming the
# problem, reads work; a database that does not exist: 75
t_readonly() {
  U=$(newdb ro)
  role="${PREFIX}_reader"
  "$BOUNCE" ingest --db "$U" $POLICY "$EML/hard-userunknown.eml" >/dev/null 2>&1
  q ro "CREATE ROLE $role LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO $role" >/dev/null
  RU="postgresql:///${PREFIX}_ro?host=$BN_PG_HOST&port=$BN_PG_PORT&user=$role"
  before=$(fingerprint ro)
  expect_status 75 "ingest as a read-only role: EX_TEMPFAIL" "$BOUNCE" ingest --db "$RU" "$EML"
  expect_err "permission denied"
  expect_status 75 "pipe as a read-only role" sh -c "'$BOUNCE' ingest --pipe --db '$RU' < '$EML/sender-blocked.eml'"
  expect_status 75 "suppress as a read-only role" "$BOUNCE" suppress --db "$RU" a@example.com --reason x
  expect_status 1 "check as a read-only role works" "$BOUNCE" check --db "$RU" gone.user@example.com
  expect_status 0 "list as a read-only role works" "$BOUNCE" list --db "$RU"
  [ "$(fingerprint ro)" = "$before" ] && ok "nothing changed" || fail "state changed"
  N="postgresql:///${PREFIX}_nosuch?host=$BN_PG_HOST&port=$BN_PG_PORT&user=$BN_PG_USER"
  expect_status 75 "check a database that does not exist" "$BOUNCE" check --db "$N" a@example.com
  expect_err "cannot connect"
  E=$(newdb empty)
  expect_status 75 "check a database without a list" "$BOUNCE" check --db "$E" a@example.com
  expect_err "no suppression list"
  expect_status 75 "a wrong password is not shown" "$BOUNCE" check --db "postgresql://$role:s3cret@127.0.0.1:1/x" a@example.com
  grep -q s3cret err.txt && fail "the password is in the message" || ok "the password is not in the message"
  q ro "DROP OWNED BY $role; DROP ROLE $role" >/dev/null
  # the other forms of --db: pg: with the PG* variables, keyword settings
  expect_status 1 "--db pg: takes the PG* variables" env PGDATABASE="${PREFIX}_ro" \
    "$BOUNCE" check --db pg: gone.user@example.com
  expect_status 1 "BOUNCE_DB=pg:key=value..." env \
    BOUNCE_DB="pg:host=$BN_PG_HOST port=$BN_PG_PORT user=$BN_PG_USER dbname=${PREFIX}_ro" \
    "$BOUNCE" check gone.user@example.com
}

# t_move_from_sqlite - an existing SQLite list moved into PostgreSQL with
# export | import: every entry in force arrives, as an audited manual entry
t_move_from_sqlite() {
  U=$(newdb moved)
  "$BOUNCE" ingest --db old.db $POLICY "$EML" >/dev/null 2>&1
  "$BOUNCE" suppress --db old.db asked@example.com --reason "asked to stop" >/dev/null
  "$BOUNCE" suppress --db old.db back@example.com --reason "x" >/dev/null
  "$BOUNCE" unsuppress --db old.db back@example.com --note "fixed" >/dev/null
  expect_status 0 "export | import" sh -c "'$BOUNCE' export --db old.db | '$BOUNCE' import --db '$U'"
  a=$("$BOUNCE" list --db old.db --csv | cut -d, -f1 | sort)
  b=$("$BOUNCE" list --db "$U" --csv | cut -d, -f1 | sort)
  [ "$a" = "$b" ] && [ "$(echo "$b" | wc -l)" = 4 ] && ok "the same addresses (3 + header)" || fail "moved list: '$b' vs '$a'"
  for x in gone.user@example.com full@example.net asked@example.com; do
    expect_status 1 "$x suppressed in PostgreSQL" "$BOUNCE" check --db "$U" "$x"
  done
  expect_status 0 "back@example.com (unsuppressed) is not" "$BOUNCE" check --db "$U" back@example.com
  expect_status 0 "the original bounces ingested again" "$BOUNCE" ingest --db "$U" "$EML"
  grep -q "5 new events" out.txt && ok "their events are kept from then on" || fail "re-ingest: $(cat out.txt)"
}

# t_postfix_pgsql - Postfix's pgsql: map (docs/postfix/suppressed-pgsql.cf)
# answers from the list in the test cluster
t_postfix_pgsql() {
  echo "compatibility_level = 3.6" >main.cf
  if ! postconf -c "$WORK" -m 2>/dev/null | grep -qx pgsql; then
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || { echo "FAIL: no pgsql map type and cannot install it"; failures=1; return; }
    debconf-set-selections "$SRC/scripts/deps-test.d/store.debconf"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postfix postfix-pgsql >/dev/null 2>&1
    postconf -c "$WORK" -m 2>/dev/null | grep -qx pgsql || { echo "FAIL: postfix-pgsql did not install"; failures=1; return; }
  fi
  U=$(newdb pf)
  "$BOUNCE" ingest --db "$U" --soft-expiry 36500d "$EML" >/dev/null 2>&1 || fail "ingest"
  "$BOUNCE" suppress --db "$U" manual@example.com --reason "asked to stop" >/dev/null || fail "suppress"
  "$BOUNCE" suppress --db "$U" brief@example.com --reason "short" --until 2s >/dev/null || fail "suppress --until"
  "$BOUNCE" suppress --db "$U" back@example.com --reason "x" >/dev/null &&
    "$BOUNCE" unsuppress --db "$U" back@example.com --note "fixed" >/dev/null || fail "unsuppress"
  sleep 3
  sed -e "s|^hosts = .*|hosts = unix:$BN_PG_HOST|" -e "s|^user = .*|user = $BN_PG_USER|" \
    -e "s|^dbname = .*|dbname = ${PREFIX}_pf|" -e "/^password = /d" \
    "$SRC/docs/postfix/suppressed-pgsql.cf" >pg.cf
  pq() { PGPORT=$BN_PG_PORT postmap -c "$WORK" -q "$1" "pgsql:$WORK/pg.cf" 2>err.txt; }
  pexpect() {
    got=$(pq "$1"); st=$?
    if [ "$got" = "$2" ]; then ok "$1 -> ${2:-(no answer)}"; else
      fail "$1: got '$got' (exit $st), want '$2'"; cat err.txt; fi
  }
  pexpect "Gone.User@Example.COM" "550 5.1.1 <gone.user@example.com>: recipient address is on the suppression list (hard: userunknown)"
  pexpect "full@example.net" "550 5.1.1 <full@example.net>: recipient address is on the suppression list (soft: mailboxfull)"
  pexpect "manual@example.com" "550 5.1.1 <manual@example.com>: recipient address is on the suppression list (manual)"
  pexpect "fine@example.org" ""
  pexpect "back@example.com" ""
  pexpect "brief@example.com" ""
  pexpect "example.com" ""
  pexpect "x'; DROP TABLE suppression; --@example.com" ""
  [ "$(q pf 'SELECT count(*) FROM suppression')" -ge 3 ] && ok "table intact" || fail "table damaged"
}

# run_pg_test NAME - dispatch
run_pg_test() {
  case "$1" in
    same-as-sqlite) t_same_as_sqlite ;; migrate-race) t_migrate_race ;;
    race) t_race ;; concurrent8) t_concurrent8 ;; server-stop) t_server_stop ;;
    readonly) t_readonly ;; move-from-sqlite) t_move_from_sqlite ;;
    postfix-pgsql) t_postfix_pgsql ;;
    *) echo "unknown test $1"; exit 2 ;;
  esac
}
