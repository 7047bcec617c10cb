#!/usr/bin/env python3
"""corpus_check.py - accuracy of `bounce parse --json` on the labelled corpus.

usage: corpus_check.py BOUNCE CORPUS_DIR [--min-reason F] [--min-status F]
                       [--min-hardbounce F] [--min-count F] [--list N]

Runs one `bounce parse --json` over every .eml of the corpus (records carry
their source name, "path" or "path:N"), groups the records by file and
compares them with labels.tsv position by position: the label row
recipient "*" means the file yields exactly one record, a number is the
0-based position. Status codes of the form 5.0.9xx / 4.0.9xx are
placeholders (the message has none) and are left out of the status figure,
as are empty ones. Prints per-family and overall accuracy of reason,
status, hardbounce and record count, then the disagreements. A miss whose
label is listed in tests/corpus/disputed.tsv is marked "[label disputed:
kind]" and still counts as a miss; the figures with those misses set aside
are printed under the table. A disputed entry that no longer misses is
reported, so that its line can be removed.

Fails (exit 1) when a figure is below its threshold (fractions, 0..1),
when an output line is not valid JSON, or when a file of _notbounce/ gives
a record. Exit 77 (skipped) when the corpus is absent.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

PLACEHOLDER = re.compile(r"^[45]\.0\.9\d\d$")


def load_labels(corpus):
    labels = collections.defaultdict(list)
    with open(os.path.join(corpus, "labels.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if not line.strip():
                continue
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            labels[row["path"]].append(row)
    for rows in labels.values():
        rows.sort(key=lambda r: -1 if r["recipient"] == "*" else int(r["recipient"]))
    return labels


def corpus_files(corpus):
    files = []
    for d in sorted(os.listdir(corpus)):
        full = os.path.join(corpus, d)
        if os.path.isdir(full):
            files += [f"{d}/{n}" for n in sorted(os.listdir(full)) if n.endswith(".eml")]
    return files


def run_parser(bounce, corpus, files):
    """All records by file (relative path), and the problems seen."""
    by_file = collections.defaultdict(list)
    problems = []
    paths = [os.path.join(corpus, f) for f in files]
    p = subprocess.run([bounce, "parse", "--json"] + paths, capture_output=True, timeout=600)
    if p.returncode not in (0, 1):
        problems.append(f"bounce exited with status {p.returncode}: "
                        f"{p.stderr.decode('utf-8', 'replace')[-2000:]}")
    prefix = os.path.join(corpus, "")
    for i, line in enumerate(p.stdout.split(b"\n")):
        if not line:
            continue
        try:
            rec = json.loads(line.decode("utf-8", errors="strict"))
        except (UnicodeDecodeError, ValueError) as e:
            problems.append(f"output line {i + 1} is not valid JSON: {e}")
            continue
        src = rec.get("source", "")
        m = re.match(r"^(.*?)(:\d+)?$", src)
        name = m.group(1) if m and m.group(1).startswith(prefix) else src
        by_file[name[len(prefix):] if name.startswith(prefix) else name].append(rec)
    errs = p.stderr.decode("utf-8", "replace").strip()
    return by_file, problems, errs


class Tally:
    def __init__(self):
        self.n = collections.Counter()
        self.ok = collections.Counter()
        self.disputed = collections.Counter()

    def add(self, what, good):
        self.n[what] += 1
        self.ok[what] += bool(good)

    def frac(self, what):
        return self.ok[what] / self.n[what] if self.n[what] else 1.0

    def cell(self, what):
        return f"{self.ok[what]:4d}/{self.n[what]:<4d} {100 * self.frac(what):5.1f}%" if self.n[what] else "      -         "


def compare_file(path, rows, recs, tally, diffs, disputed):
    family = path.split("/")[0]
    t, overall = tally[family], tally["*overall*"]
    for tt in (t, overall):
        tt.add("count", len(recs) == len(rows))
    if len(recs) != len(rows):
        diffs.append(f"{path}: {len(recs)} records, expected {len(rows)}")
    for pos, row in enumerate(rows):
        got = recs[pos] if pos < len(recs) else None
        checks = [("reason", row["reason"], got and got.get("reason")),
                  ("hardbounce", row["hardbounce"] == "1", got and got.get("hardbounce"))]
        if row["status"] and not PLACEHOLDER.match(row["status"]):
            checks.append(("status", row["status"], got and got.get("status")))
        for what, want, have in checks:
            good = got is not None and want == have
            for tt in (t, overall):
                tt.add(what, good)
            if good:
                continue
            d = dispute_of(disputed, path, pos, what)
            if d:
                d["seen"] = True
                overall.disputed[what] += 1
            diffs.append(f"{path} #{pos}: {what}: expected {want!r}, got {have!r}"
                         + ("" if got else " (no record)")
                         + (f" [label disputed: {d['kind']}]" if d else ""))


def dispute_of(disputed, path, pos, what):
    """The disputed.tsv entry for this record and field, or None."""
    return disputed.get((path, pos, what)) or disputed.get((path, None, what))


def load_disputed():
    """Labels we dispute (tests/corpus/disputed.tsv: path[#record], field,
    kind, evidence). They still count as misses in the figures; a disputed
    _notbounce/ file is reported instead of failing the run."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = {}
    with open(os.path.join(here, "corpus", "disputed.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            path, field, kind, evidence = line.rstrip("\n").split("\t", 3)
            m = re.match(r"^(.*?)(?:#(\d+))?$", path)
            pos = int(m.group(2)) if m.group(2) is not None else None
            out[(m.group(1), pos, field)] = {"kind": kind, "evidence": evidence,
                                             "seen": False}
    return out


def compare_notbounce(path, recs, disputed, tally, diffs, problems):
    """A non-bounce must yield no record; counted in the 'count' figure."""
    for tt in (tally["_notbounce"], tally["*overall*"]):
        tt.add("count", not recs)
    if not recs:
        return
    msg = f"{path}: {len(recs)} records from a non-bounce"
    d = disputed.get((path, None, "notbounce"))
    if d:
        d["seen"] = True
        tally["*overall*"].disputed["count"] += 1
        diffs.append(msg + " [label disputed: " + d["kind"] + "]")
    else:
        problems.append(msg)


def set_aside(t, what):
    """A figure with the disputed misses left out of the count."""
    n = t.n[what] - t.disputed[what]
    return f"{t.ok[what]:4d}/{n:<4d} {100 * t.ok[what] / n:5.1f}%" if n else "-"


def report(tally, diffs, list_max, elapsed, nfiles):
    cols = ("reason", "status", "hardbounce", "count")
    print(f"{'family':28s} " + " ".join(f"{c:>16s}" for c in cols))
    for fam in sorted(k for k in tally if k != "*overall*"):
        print(f"{fam:28s} " + " ".join(f"{tally[fam].cell(c):>16s}" for c in cols))
    o = tally["*overall*"]
    print(f"{'OVERALL':28s} " + " ".join(f"{o.cell(c):>16s}" for c in cols))
    print(f"{'disputed labels':28s} " + " ".join(f"{o.disputed[c]:16d}" for c in cols))
    print(f"{'OVERALL, disputed set aside':28s} " + " ".join(
        f"{set_aside(o, c):>16s}" for c in cols))
    print(f"\n{nfiles} files in {elapsed:.2f} s; {len(diffs)} disagreements")
    for d in diffs[:list_max]:
        print("  " + d)
    if len(diffs) > list_max:
        print(f"  ... {len(diffs) - list_max} more (--list N)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bounce")
    ap.add_argument("corpus")
    for k in ("reason", "status", "hardbounce", "count"):
        ap.add_argument(f"--min-{k}", type=float, default=0.0)
    ap.add_argument("--list", type=int, default=400)
    a = ap.parse_args()
    if not os.path.exists(os.path.join(a.corpus, "labels.tsv")):
        print(f"corpus not found at {a.corpus}: skipped")
        return 77
    labels, files = load_labels(a.corpus), corpus_files(a.corpus)
    t0 = time.monotonic()
    by_file, problems, _ = run_parser(a.bounce, a.corpus, files)
    elapsed = time.monotonic() - t0
    tally, diffs = collections.defaultdict(Tally), []
    disputed = load_disputed()
    for path in files:
        if path.startswith("_notbounce/"):
            compare_notbounce(path, by_file.get(path, []), disputed, tally, diffs, problems)
            continue
        compare_file(path, labels.get(path, []), by_file.get(path, []), tally, diffs,
                     disputed)
    report(tally, diffs, a.list, elapsed, len(files))
    for (path, pos, field), d in sorted(disputed.items(), key=lambda kv: str(kv[0])):
        if not d["seen"]:
            where = path + (f" #{pos}" if pos is not None else "")
            print(f"  note: disputed {field} of {where} now agrees with the label "
                  "(or the file is gone): remove its line from tests/corpus/disputed.tsv")
    overall = tally["*overall*"]
    for k in ("reason", "status", "hardbounce", "count"):
        floor = getattr(a, f"min_{k}")
        if overall.frac(k) < floor:
            problems.append(f"{k} accuracy {100 * overall.frac(k):.1f}% is below {100 * floor:.1f}%")
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
