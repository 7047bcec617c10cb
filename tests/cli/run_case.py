#!/usr/bin/env python3
"""run_case.py - run one CLI behaviour case of tests/cli/cases.tsv.

usage: run_case.py BOUNCE CASES.TSV NAME

cases.tsv columns (tab separated): name, exit status, stdin, args, checks.
- stdin: "-" nothing (/dev/null), "tty" a pseudo-terminal, or a file under
  tests/cli/data/.
- args: shell-quoted (shlex); {data} is tests/cli/data.
- checks, separated by " ; ":
    lines=N            stdout has N lines
    errlines=N         stderr has N lines
    out~REGEX          stdout matches (re.search, multiline)
    out!~REGEX         stdout does not match
    err~REGEX          stderr matches
    json               every stdout line is a JSON object (strict UTF-8)
    jK.FIELD=VALUE     field of JSON line K equals VALUE (JSON text of the
                       value: true, 550, "" -> empty, strings bare)
    j*.FIELD=VALUE     ... on every line
    jK.FIELD~REGEX     field (as text) matches
    jK.sisimai_token   token is Sisimai's SHA-1 of addresser, recipient, time
"""
import hashlib
import json
import os
import pty
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_case(path, name):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if cols[0] == name:
                cols += [""] * (5 - len(cols))
                return cols
    sys.exit(f"no case {name!r} in {path}")


def run(bounce, stdin_spec, args):
    argv = [bounce] + [a.replace("{data}", os.path.join(HERE, "data")) for a in shlex.split(args)]
    env = dict(os.environ, LC_ALL="C")
    if stdin_spec == "tty":
        master, slave = pty.openpty()
        p = subprocess.run(argv, stdin=slave, capture_output=True, timeout=60, env=env)
        os.close(master)
        os.close(slave)
        return p
    if stdin_spec == "-":
        with open(os.devnull, "rb") as f:
            return subprocess.run(argv, stdin=f, capture_output=True, timeout=60, env=env)
    with open(os.path.join(HERE, "data", stdin_spec), "rb") as f:
        return subprocess.run(argv, stdin=f, capture_output=True, timeout=60, env=env)


def as_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    return str(v)


def json_lines(out):
    objs = []
    for i, line in enumerate(out.split(b"\n")[:-1] if out.endswith(b"\n") else out.split(b"\n")):
        try:
            obj = json.loads(line.decode("utf-8", errors="strict"))
        except (UnicodeDecodeError, ValueError) as e:
            raise AssertionError(f"stdout line {i} is not valid JSON: {e}: {line[:200]!r}")
        if not isinstance(obj, dict):
            raise AssertionError(f"stdout line {i} is not an object")
        objs.append(obj)
    return objs


def sisimai_token(o):
    s = "\x02%s\x1e%s\x1e%d\x03" % (o["addresser"].lower(), o["recipient"].lower(), o["timestamp"])
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


def check_field(objs, check):
    m = re.match(r"j(\d+|\*)\.([a-z_]+)(=|~)?(.*)$", check, re.S)
    if not m:
        raise AssertionError(f"bad check {check!r}")
    which, field, op, want = m.groups()
    targets = objs if which == "*" else [objs[int(which)]] if int(which) < len(objs) else None
    if targets is None:
        raise AssertionError(f"{check}: only {len(objs)} JSON lines")
    for o in targets:
        if field == "sisimai_token":
            if o.get("token") != sisimai_token(o):
                raise AssertionError(f"token {o.get('token')} != {sisimai_token(o)}")
            continue
        if field not in o:
            raise AssertionError(f"{check}: no field {field!r} in {o}")
        got = as_text(o[field])
        if op == "=" and got != want:
            raise AssertionError(f"{check}: got {got!r}")
        if op == "~" and not re.search(want, got):
            raise AssertionError(f"{check}: got {got!r}")


def check(p, checks):
    out, err = p.stdout, p.stderr
    objs = None
    for c in [c.strip() for c in checks.split(" ; ") if c.strip()]:
        if c.startswith("lines="):
            n = out.count(b"\n")
            assert n == int(c[6:]), f"{c}: stdout has {n} lines"
        elif c.startswith("errlines="):
            n = err.count(b"\n")
            assert n == int(c[9:]), f"{c}: stderr has {n} lines"
        elif c.startswith("out~"):
            assert re.search(c[4:], out.decode("utf-8", "replace"), re.M), f"{c}: not in stdout"
        elif c.startswith("out!~"):
            assert not re.search(c[5:], out.decode("utf-8", "replace"), re.M), f"{c}: in stdout"
        elif c.startswith("err~"):
            assert re.search(c[4:], err.decode("utf-8", "replace"), re.M), f"{c}: not in stderr"
        elif c == "json":
            objs = json_lines(out)
        elif c.startswith("j"):
            if objs is None:
                objs = json_lines(out)
            check_field(objs, c)
        else:
            raise AssertionError(f"unknown check {c!r}")


def main():
    bounce, cases, name = sys.argv[1:4]
    _, status, stdin_spec, args, checks = load_case(cases, name)[:5]
    p = run(bounce, stdin_spec, args)
    try:
        assert p.returncode == int(status), f"exit status {p.returncode}, want {status}"
        check(p, checks)
    except AssertionError as e:
        print(f"FAIL {name}: {e}")
        print("--- stdout\n" + p.stdout.decode("utf-8", "replace")[:4000])
        print("--- stderr\n" + p.stderr.decode("utf-8", "replace")[:4000])
        return 1
    print(f"ok {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
