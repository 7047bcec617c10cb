#!/usr/bin/env python3
"""check_golden.py - compare `bounce parse --json` on one .eml with its .json.

usage: check_golden.py BOUNCE FILE.eml FILE.json

The expected file holds JSON Lines, one object per expected record, in
order. The number of records must match. For each record, every field the
expected object lists is compared exactly (same JSON value); fields it
leaves out are not compared, so a golden file states what it cares about.
An empty .json file means "no record" (a non-bounce).
"""
import json
import subprocess
import sys


def load_lines(data, what):
    out = []
    for i, line in enumerate(data.splitlines()):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            sys.exit(f"FAIL: {what} line {i + 1} is not JSON: {e}")
    return out


def main():
    bounce, eml, expected_path = sys.argv[1:4]
    with open(expected_path, encoding="utf-8") as f:
        want = load_lines(f.read(), expected_path)
    p = subprocess.run([bounce, "parse", "--json", eml], capture_output=True, timeout=60)
    try:
        got = load_lines(p.stdout.decode("utf-8", errors="strict"), "output")
    except UnicodeDecodeError as e:
        sys.exit(f"FAIL: output is not UTF-8: {e}")
    errors = []
    if p.returncode != 0:
        errors.append(f"exit status {p.returncode}: {p.stderr.decode('utf-8', 'replace').strip()}")
    if len(got) != len(want):
        errors.append(f"{len(got)} records, expected {len(want)}")
    for i, (w, g) in enumerate(zip(want, got)):
        for key, value in w.items():
            if key not in g:
                errors.append(f"record {i}: no field {key!r}")
            elif g[key] != value:
                errors.append(f"record {i}: {key}: got {g[key]!r}, expected {value!r}")
    if errors:
        print(f"FAIL {eml}")
        for e in errors:
            print("  " + e)
        return 1
    print(f"ok {eml}: {len(got)} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
