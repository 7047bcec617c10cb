#!/usr/bin/env python3
"""run_cases.py - run `bounce doctor` against the test DNS servers and check its findings.

Usage: run_cases.py BOUNCE CASES

The servers are started by scripts/services.d/dns.sh (scripts/test.sh runs it
around ctest) and their addresses read from $BN_SERVICES_DIR/dns.env. Without
BN_SERVICES_DIR (ctest run by hand, no services) the test is skipped (exit 77).

CASES is a text file of blocks:

    == name
    args: --ip 192.0.2.10 --domain good.test      (--json and --resolver are added)
    resolver: SERVER                               (a key of dns.env without BN_DNS_; default SERVER)
    exit: 1                                        (expected exit status)
    within: 5                                      (seconds the run may take; default 10)
    expect: CHECK TARGET STATUS text that the detail contains
    absent: CHECK TARGET                           (no finding for it)
    all: unknown                                   (every finding has this status)

Every expectation was written from the zones in tests/doctor/zones/ and the
RFCs, not copied from the program's output.
"""
import json
import os
import shlex
import subprocess
import sys
import time


def load_env():
    d = os.environ.get("BN_SERVICES_DIR")
    if not d:
        print("SKIP: BN_SERVICES_DIR is not set: run through scripts/test.sh "
              "(it starts scripts/services.d/dns.sh)")
        sys.exit(77)
    path = os.path.join(d, "dns.env")
    if not os.path.exists(path):
        print("FAIL: %s missing: scripts/services.d/dns.sh did not start" % path)
        sys.exit(1)
    env = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k.startswith("BN_DNS_"):
                env[k[len("BN_DNS_"):]] = v
    return env


def load_cases(path):
    cases, cur = [], None
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("== "):
                cur = {"name": line[3:].strip(), "args": "", "resolver": "SERVER",
                       "exit": None, "within": 10.0, "expect": [], "absent": [], "all": None}
                cases.append(cur)
                continue
            key, _, val = line.partition(":")
            val = val.strip()
            if cur is None or key not in ("args", "resolver", "exit", "within", "expect",
                                          "absent", "all"):
                raise SystemExit("%s:%d: bad line: %s" % (path, n, line))
            if key == "expect":
                check, target, status, text = (val.split(None, 3) + [""])[:4]
                cur["expect"].append((check, target, status, text))
            elif key == "absent":
                cur["absent"].append(tuple(val.split()))
            elif key == "exit":
                cur["exit"] = int(val)
            elif key == "within":
                cur["within"] = float(val)
            else:
                cur[key] = val
    return cases


def run_case(bounce, env, c):
    errors = []
    server = env.get(c["resolver"])
    if not server:
        return ["no server %s in dns.env" % c["resolver"]]
    cmd = [bounce, "doctor", "--json", "--resolver", server] + shlex.split(c["args"])
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=c["within"] + 30,
                           cwd=ROOT)
    except subprocess.TimeoutExpired:
        return ["hung: no exit within %.0f s" % (c["within"] + 30)]
    took = time.monotonic() - t0
    if took > c["within"]:
        errors.append("took %.1f s, more than %.1f s" % (took, c["within"]))
    if c["exit"] is not None and p.returncode != c["exit"]:
        errors.append("exit %d, expected %d; stderr: %s" % (p.returncode, c["exit"], p.stderr.strip()))
    if "Sanitizer" in p.stderr or "runtime error" in p.stderr:
        errors.append("sanitizer report: %s" % p.stderr.strip()[:2000])
    if p.returncode not in (0, 1) and c["exit"] != 2:
        errors.append("exit %d (crash or usage error): %s" % (p.returncode, p.stderr.strip()[:500]))
    found = []
    for line in p.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            errors.append("not JSON: %r" % line)
            continue
        for k in ("check", "target", "status", "detail"):
            if k not in o:
                errors.append("no %s in %r" % (k, line))
        found.append(o)
    for check, target, status, text in c["expect"]:
        hits = [o for o in found if o.get("check") == check and o.get("target") == target]
        if not hits:
            errors.append("no %s finding for %s" % (check, target))
            continue
        ok = [o for o in hits if o["status"] == status and text in o["detail"]]
        if not ok:
            errors.append("%s %s: expected %s with %r, got %s" % (
                check, target, status, text,
                "; ".join("%s: %s" % (o["status"], o["detail"]) for o in hits)))
    for check, target in c["absent"]:
        if any(o.get("check") == check and o.get("target") == target for o in found):
            errors.append("unexpected %s finding for %s" % (check, target))
    if c["all"]:
        if not found:
            errors.append("no findings at all")
        for o in found:
            if o.get("status") != c["all"]:
                errors.append("%s %s is %s, expected %s: %s" % (
                    o.get("check"), o.get("target"), o.get("status"), c["all"], o.get("detail")))
    return errors


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    bounce, cases_path = os.path.abspath(sys.argv[1]), sys.argv[2]
    env = load_env()
    cases = load_cases(cases_path)
    failed = 0
    for c in cases:
        errors = run_case(bounce, env, c)
        if errors:
            failed += 1
            print("FAIL %s" % c["name"])
            for e in errors:
                print("    " + e)
        else:
            print("ok   %s" % c["name"])
    print("%d passed, %d failed" % (len(cases) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
