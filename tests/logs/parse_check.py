#!/usr/bin/env python3
"""parse_check.py - `bounce parse --log --json BASE.log` against BASE.expected.tsv.

usage: parse_check.py BOUNCE BASE

The command must exit 0, print one valid JSON object per expected record,
in order, each with the expected recipient, the source "BASE.log:LINE" of
its line and the expected dsn_action; and report the line counters of the
expected "#stats" row on stderr. (The unit test test_logs compares every
field of the records; this checks the command around them.) The samples
are read with TZ=UTC; their RFC 3164 stamps get the year of the current
clock, so timestamps are not compared here.
"""
import json
import re
import subprocess
import sys

bounce, base = sys.argv[1], sys.argv[2]
rows, stats = [], {}
with open(base + ".expected.tsv") as f:
    for line in f:
        cells = line.rstrip("\n").split("\t")
        if cells[0] == "#stats":
            stats = dict(c.split("=") for c in cells[1:])
        elif not line.startswith("#"):
            rows.append(cells)
r = subprocess.run([bounce, "parse", "--log", "--json", base + ".log"], capture_output=True)
if r.returncode != 0:
    sys.exit("exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")))
out = [json.loads(l) for l in r.stdout.decode().splitlines()]
if len(out) != len(rows):
    sys.exit("%d records, expected %d" % (len(out), len(rows)))
for rec, row in zip(out, rows):
    want_src = "%s.log:%s" % (base, row[0])
    if rec["source"] != want_src or rec["recipient"] != row[1] or rec["dsn_action"] != row[4]:
        sys.exit("record %s / %s / %s, expected %s / %s / %s" % (
            rec["source"], rec["recipient"], rec["dsn_action"], want_src, row[1], row[4]))
err = r.stderr.decode()
m = re.search(r"(\d+) log lines: (\d+) records", err)
if not m or m.group(1) != stats["lines"] or m.group(2) != stats["records"]:
    sys.exit("counters on stderr: %r, expected %s lines and %s records"
             % (err, stats["lines"], stats["records"]))
print("ok: %d records" % len(out))
