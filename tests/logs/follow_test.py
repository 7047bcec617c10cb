#!/usr/bin/env python3
"""follow_test.py - `bounce ingest --log --follow` against rotation and restarts.

usage: follow_test.py BOUNCE SCENARIO
       (rotation | restart | downtime | expiry | expiry-v1 | garbage | sigkill | legacy
        | partial)

Every scenario writes Postfix bounce lines (one distinct recipient each,
stamped now) into a log in a temporary directory while `bounce ingest --log
--follow` runs on it, rotates or kills it on the way, and checks:
  - what the follower reports on SIGTERM: exactly the lines written while it
    ran (nothing read twice), all new (no duplicates);
  - a fresh one-shot reading of every byte ever written (a new file, so no
    saved position) finds nothing new in the store: nothing was missed.
The positions are read from the store's state table ("log:" + the log's
absolute path -> "DEV INODE OFFSET LINE HEAD HEADLEN").
Exit 0 on success, 1 with a message otherwise.
"""
import json
import os
import shutil
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

BOUNCE = sys.argv[1]
N = [0]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def lines(k):
    """k bounce lines for new recipients, stamped now"""
    out = []
    stamp = time.strftime("%b %e %H:%M:%S")
    for _ in range(k):
        N[0] += 1
        qid = "%010X" % (0x1A2B3C0000 + N[0])
        out.append("%s mx postfix/smtp[42]: %s: to=<user%d@example.net>, relay=mx.example.net"
                   "[192.0.2.1]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host "
                   "mx.example.net[192.0.2.1] said: 550 5.1.1 <user%d@example.net>: Recipient "
                   "address rejected: User unknown (in reply to RCPT TO command))\n"
                   % (stamp, qid, N[0], N[0]))
    return "".join(out)


def saved_positions(db):
    """the (inode, offset) of every saved log position, from the store"""
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
        try:
            rows = con.execute("SELECT key, value FROM state WHERE key LIKE 'log:%'").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []               # not created yet
    out = []
    for _key, val in rows:
        cols = bytes(val).decode().split(" ")
        if len(cols) == 6:
            out.append((int(cols[1]), int(cols[2])))
    return out


def event_count(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    try:
        return con.execute("SELECT count(*) FROM event").fetchone()[0]
    finally:
        con.close()


def append(path, k, extra=""):
    with open(path, "a") as f:
        f.write(extra + lines(k))
        f.flush()


class Follower:
    def __init__(self, d, log, opts=()):
        self.d, self.log = d, log
        self.db = os.path.join(d, "list.db")
        self.p = subprocess.Popen([BOUNCE, "ingest", "--log", "--follow", "--json", "--db",
                                   self.db] + list(opts) + [log], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)

    def wait_caught_up(self, path=None):
        """until the saved position is the end of path (default: the log)"""
        path = path or self.log
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.p.poll() is not None:
                fail("follower exited: %s" % self.p.stderr.read())
            st = os.stat(path)
            if (st.st_ino, st.st_size) in saved_positions(self.db):
                return
            time.sleep(0.05)
        fail("the follower did not catch up with %s" % path)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        out, err = self.p.communicate(timeout=15)
        if self.p.returncode != 0:
            fail("exit %d on SIGTERM: %s" % (self.p.returncode, err))
        return json.loads(out.strip().splitlines()[-1])

    def kill(self):
        self.p.kill()
        self.p.wait()


def check_run(summary, want):
    if summary["records"] != want or summary["new_events"] != want or summary["duplicates"]:
        fail("run summary %s, expected %d records, all new" % (summary, want))


def check_nothing_missed(d, db, files):
    """every byte ever written, read again from scratch: nothing new"""
    allf = os.path.join(d, "all.log")
    with open(allf, "w") as out:
        for f in files:
            with open(f) as inp:
                out.write(inp.read())
    r = subprocess.run([BOUNCE, "ingest", "--log", "--json", "--db", db, allf],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("re-reading: exit %d: %s" % (r.returncode, r.stderr))
    s = json.loads(r.stdout.strip().splitlines()[-1])
    if s["new_events"] != 0 or s["records"] != N[0]:
        fail("re-reading everything: %s (expected %d records, none new)" % (s, N[0]))


def rotation(d):
    log = os.path.join(d, "mail.log")
    append(log, 10)
    f = Follower(d, log)
    f.wait_caught_up()
    append(log, 10)
    os.rename(log, log + ".1")      # logrotate: rename...
    append(log + ".1", 5)           # ...the writer has not reopened yet
    time.sleep(0.6)
    append(log, 10)                 # the writer reopened: a new file
    f.wait_caught_up()
    shutil.copyfile(log, log + ".2")  # copytruncate
    with open(log, "r+") as t:
        t.truncate(0)
    append(log, 7)
    f.wait_caught_up()
    check_run(f.stop(), 42)
    check_nothing_missed(d, f.db, [log + ".1", log + ".2", log])


def restart(d):
    log = os.path.join(d, "mail.log")
    append(log, 20)
    f = Follower(d, log)
    f.wait_caught_up()
    f.kill()                        # no chance to save anything more
    append(log, 15)
    f = Follower(d, log)
    f.wait_caught_up()
    check_run(f.stop(), 15)         # resumed where it stopped
    append(log, 4)
    f = Follower(d, log)            # a clean stop and start
    f.wait_caught_up()
    check_run(f.stop(), 4)
    check_nothing_missed(d, f.db, [log])


def downtime(d):
    log = os.path.join(d, "mail.log")
    append(log, 8)
    f = Follower(d, log)
    f.wait_caught_up()
    check_run(f.stop(), 8)
    append(log, 5)                  # written, then rotated, while stopped
    os.rename(log, log + "-20261130")
    append(log, 6)
    f = Follower(d, log)
    f.wait_caught_up()
    check_run(f.stop(), 11)         # the rest of the old file, then the new one
    check_nothing_missed(d, f.db, [log + "-20261130", log])


EXPIRY_QID = "7E57AB1E00"


def write_deferrals(log):
    """a message of two recipients, both deferred by mx.example.org"""
    stamp = time.strftime("%b %e %H:%M:%S")
    with open(log, "w") as f:
        f.write("%s mx postfix/qmgr[1]: %s: from=<news@example.com>, size=100, nrcpt=2 "
                "(queue active)\n" % (stamp, EXPIRY_QID))
        for who in ("late1", "late2"):
            f.write("%s mx postfix/smtp[2]: %s: to=<%s@example.org>, relay=none, delay=1, "
                    "delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to "
                    "mx.example.org[192.0.2.10]:25: Connection refused)\n"
                    % (stamp, EXPIRY_QID, who))
    N[0] += 2


def append_expiry(log):
    with open(log, "a") as out:
        out.write("%s mx postfix/qmgr[1]: %s: from=<news@example.com>, status=expired, "
                  "returned to sender\n" % (time.strftime("%b %e %H:%M:%S"), EXPIRY_QID))
    N[0] += 2


def check_expired(db, remote_mta):
    """the two expiry records carry the last deferral's reply and server"""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    try:
        rows = con.execute("SELECT recipient, remote_mta, diagnostic FROM event WHERE "
                           "dsn_action = 'failed' ORDER BY recipient").fetchall()
    finally:
        con.close()
    want = [(who + "@example.org", remote_mta,
             "connect to mx.example.org[192.0.2.10]:25: Connection refused")
            for who in ("late1", "late2")]
    if rows != want:
        fail("expiry records %r, expected %r" % (rows, want))


def expiry(d):
    """deferred before a restart, expired after it: still one record, with
    the reply and the server of the deferral"""
    log = os.path.join(d, "mail.log")
    write_deferrals(log)
    f = Follower(d, log)
    f.wait_caught_up()
    check_run(f.stop(), 2)
    append(log, 0, "x" * (9 << 20) + "\n")  # past the warm-up window
    f = Follower(d, log)
    f.wait_caught_up()
    check_run(f.stop(), 0)
    append_expiry(log)
    f = Follower(d, log)
    f.wait_caught_up()
    check_run(f.stop(), 2)
    check_expired(f.db, "mx.example.org")


def expiry_v1(d):
    """deferred recipients saved by a version that kept no server (three
    fields a line, no fourth): read as they are, the expiry has the reply
    and no remote_mta"""
    log = os.path.join(d, "mail.log")
    db = os.path.join(d, "list.db")
    write_deferrals(log)
    append(log, 0, "x" * (9 << 20) + "\n")  # the next run's warm-up does not reach them
    check_run(ingest_once(db, log)[0], 2)
    key = "log-deferred:" + os.path.realpath(log)
    con = sqlite3.connect(db)
    (val,) = con.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
    saved = bytes(val).decode().splitlines()
    if len(saved) != 2 or any(l.split("\t")[3:] != ["mx.example.org"] for l in saved):
        fail("saved deferred recipients %r, expected 2 with the server" % saved)
    old = "".join("\t".join(l.split("\t")[:3]) + "\n" for l in saved)
    con.execute("UPDATE state SET value = ? WHERE key = ?", (old.encode(), key))
    con.commit()
    con.close()
    append_expiry(log)
    check_run(ingest_once(db, log)[0], 2)
    check_expired(db, "")


def sigkill(d):
    """SIGKILL while batches are being committed (one record per batch, so
    most kills land just after a commit): the next run must read exactly the
    lines not yet stored, none twice (no duplicates), none missed"""
    log = os.path.join(d, "mail.log")
    rng = random.Random(7)
    append(log, 5)
    for _ in range(5):
        f = Follower(d, log, ["--batch", "1"])
        end = time.time() + rng.uniform(0.4, 1.2)
        while time.time() < end:
            append(log, rng.randint(1, 4))
            time.sleep(0.005)
        f.kill()
        stored = event_count(f.db)
        if stored > N[0]:
            fail("%d events stored, only %d lines written" % (stored, N[0]))
        g = Follower(d, log)
        append(log, 1)              # caught up below means g read it: g runs
        g.wait_caught_up()
        s = g.stop()
        if s["duplicates"] or s["records"] != N[0] - stored or s["new_events"] != N[0] - stored:
            fail("after SIGKILL with %d of %d lines stored, the restart read %s"
                 % (stored, N[0], s))
    check_nothing_missed(d, os.path.join(d, "list.db"), [log])


def ingest_once(db, log):
    r = subprocess.run([BOUNCE, "ingest", "--log", "--json", "--db", db, log],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("ingest --log: exit %d: %s" % (r.returncode, r.stderr))
    return json.loads(r.stdout.strip().splitlines()[-1]), r.stderr


def legacy(d):
    """a DB.logpos file of an older version is imported once, then renamed"""
    log = os.path.join(d, "mail.log")
    db = os.path.join(d, "list.db")
    append(log, 10)
    check_run(ingest_once(db, log)[0], 10)
    con = sqlite3.connect(db)
    (val,) = con.execute("SELECT value FROM state WHERE key = ?",
                         ("log:" + os.path.realpath(log),)).fetchone()
    con.execute("DELETE FROM state")  # as if written by the older version:
    con.commit()
    con.close()
    with open(db + ".logpos", "w") as f:  # its file format, tab-separated
        f.write("# bounce: where each MTA log was left\n%s\t%s\n"
                % (os.path.realpath(log), "\t".join(bytes(val).decode().split(" "))))
    with open(db + ".logpos.deferred", "w") as f:
        f.write("")
    append(log, 3)
    s, err = ingest_once(db, log)
    check_run(s, 3)                   # resumed at the imported position
    if "now kept in the store" not in err:
        fail("no word about the import: %r" % err)
    for name in (".logpos", ".logpos.deferred"):
        if os.path.exists(db + name) or not os.path.exists(db + name + ".old"):
            fail("%s was not renamed %s.old" % (name, name))
    if (os.stat(log).st_ino, os.stat(log).st_size) not in saved_positions(db):
        fail("the position is not in the store after the import")
    r = subprocess.run([BOUNCE, "ingest", "--log", "--db", db, "--log-state", "x", log],
                       capture_output=True, text=True, timeout=60)
    if r.returncode == 0 or "--log-state is gone" not in r.stderr:
        fail("--log-state: exit %d: %s" % (r.returncode, r.stderr))


def partial(d):
    """one-shot runs (cron) while the MTA is writing the last line: it is left
    for the next run, which reads it whole; a reading with nothing saved
    (parse --log, ingest --log -) takes an unterminated last line as it is"""
    log = os.path.join(d, "mail.log")
    db = os.path.join(d, "list.db")
    append(log, 2)
    last = lines(1)
    with open(log, "a") as f:
        f.write(last[:120])          # no newline yet
    check_run(ingest_once(db, log)[0], 2)
    if (os.stat(log).st_ino, os.stat(log).st_size - 120) not in saved_positions(db):
        fail("the saved position is not at the start of the unfinished line")
    with open(log, "a") as f:
        f.write(last[120:])
    check_run(ingest_once(db, log)[0], 1)
    check_nothing_missed(d, db, [log])
    cut = os.path.join(d, "cut.log")
    with open(cut, "w") as f:
        f.write(lines(1).rstrip("\n"))
    r = subprocess.run([BOUNCE, "parse", "--log", "--json", cut], capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0 or len(r.stdout.strip().splitlines()) != 1:
        fail("parse --log of a file without a last newline: %s %s" % (r.stdout, r.stderr))
    with open(cut) as inp:
        r = subprocess.run([BOUNCE, "ingest", "--log", "--json", "--db", db, "-"], stdin=inp,
                           capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or json.loads(r.stdout.strip().splitlines()[-1])["new_events"] != 1:
        fail("ingest --log - of a file without a last newline: %s %s" % (r.stdout, r.stderr))


def garbage(d):
    log = os.path.join(d, "mail.log")
    with open(log, "wb") as f:
        f.write(b"\x00\xff\xfe garbage\n" + b"x" * 200000 + b"\n-- Reboot --\n\n")
    append(log, 3, "Nov 30 07:00:00 mx kernel: something else\n")
    with open(log, "ab") as f:
        f.write(b"Nov 30 07:00:01 mx postfix/smtp[1]: 0123456789: to=<cut@example.net>, rel")
    f = Follower(d, log)
    time.sleep(1.0)
    append(log, 2, "ay=none\n")     # the cut line is finished: a line of no status
    f.wait_caught_up()
    s = f.stop()
    if s["records"] != 5 or s["skipped_garbage"] < 2 or s["skipped_too_long"] != 1:
        fail("garbage run: %s" % s)


def main():
    scen = {"rotation": rotation, "restart": restart, "downtime": downtime, "garbage": garbage,
            "expiry": expiry, "expiry-v1": expiry_v1, "sigkill": sigkill,
            "legacy": legacy, "partial": partial}
    d = tempfile.mkdtemp(prefix="bn-follow-")
    try:
        scen[sys.argv[2]](d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
