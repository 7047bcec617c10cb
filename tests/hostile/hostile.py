#!/usr/bin/env python3
"""hostile.py - generated hostile inputs for `bounce parse`, with bounds.

Usage: hostile.py BOUNCE CASE [--asan] [--keep DIR]
       hostile.py BOUNCE --all [--asan]          (every case)
       hostile.py --list
       hostile.py --write CASE FILE [--asan]   (write the input only)

Each case generates its input into a temporary directory (nothing large is
stored in git), runs `bounce parse` on it (JSON and Sisimai formats where
the case says so), and checks:
  - the process exits normally (status 0, or what the case expects), with
    no sanitizer report on stderr;
  - it finishes within the case's time bound and its peak RSS (from
    wait4's rusage: the child's own maximum resident set) stays within the
    case's memory bound;
  - every output line is valid UTF-8 and parses as JSON (python's json,
    which rejects lone surrogates written as raw bytes only through the
    UTF-8 check) and holds the keys every record has;
  - the case's own expectations (record counts, anomaly flags, values).

Bounds are stated per case, for the release build and for the ASan+UBSan
test build (--asan: ASan's shadow memory and quarantine multiply RSS and
slow everything by 2-5x, so its bounds are generous). docs/limits.md
repeats them. The 100 MB case keeps its full size in both builds: the
reader keeps at most max_message_size (64 MiB) of it.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

MiB = 1 << 20

# ---------------------------------------------------------------------------
# building blocks

DSN_HEAD = (
    b"Return-Path: <>\r\n"
    b"Date: Mon, 23 Nov 2026 09:14:07 +0000\r\n"
    b"From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n"
    b"To: sender@example.org\r\n"
    b"Auto-Submitted: auto-replied\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/report; report-type=delivery-status;\r\n"
    b"\tboundary=\"BOUNDARY-outer\"\r\n"
    b"Message-Id: <hostile.1@mx.example.org>\r\n"
    b"\r\n"
    b"This is a MIME-encapsulated message.\r\n"
    b"\r\n"
)

NOTICE = (
    b"--BOUNDARY-outer\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"This is the mail system at host mx.example.org.\r\n"
    b"Your message could not be delivered to one or more recipients.\r\n"
    b"\r\n"
)


def dsn_status_part(rcpts):
    """The message/delivery-status part for (address, status, diag) triples."""
    out = [b"--BOUNDARY-outer\r\n"
           b"Content-Type: message/delivery-status\r\n\r\n"
           b"Reporting-MTA: dns; mx.example.org\r\n"
           b"Arrival-Date: Mon, 23 Nov 2026 09:14:06 +0000\r\n"]
    for addr, status, diag in rcpts:
        out.append(b"\r\nFinal-Recipient: rfc822; " + addr + b"\r\n"
                   b"Action: failed\r\nStatus: " + status + b"\r\n"
                   b"Remote-MTA: dns; mx.example.net\r\n"
                   b"Diagnostic-Code: smtp; " + diag + b"\r\n")
    out.append(b"\r\n")
    return b"".join(out)


ORIG_HEAD = (
    b"--BOUNDARY-outer\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"Return-Path: <sender@example.org>\r\n"
    b"Message-ID: <orig.42@example.org>\r\n"
    b"Date: Mon, 23 Nov 2026 10:14:05 +0100\r\n"
    b"MIME-Version: 1.0\r\n"
    b"From: Sender <sender@example.org>\r\n"
    b"To: Dan Wright <d.wright@example.net>\r\n"
    b"Subject: Quarterly documents\r\n"
)

ONE_RCPT = [(b"d.wright@example.net", b"5.1.1",
             b"550 5.1.1 <d.wright@example.net>: Recipient address rejected: "
             b"User unknown in virtual mailbox table")]


def simple_dsn(extra_headers=b"", rcpts=ONE_RCPT):
    """A small, complete DSN (notice, status, returned headers)."""
    return (DSN_HEAD.replace(b"MIME-Version", extra_headers + b"MIME-Version", 1)
            + NOTICE + dsn_status_part(rcpts)
            + ORIG_HEAD + b"\r\nHello.\r\n\r\n--BOUNDARY-outer--\r\n")


def b64_lines(n_bytes, seed=1):
    """About n_bytes of base64 body (76-char lines) of PDF-like content."""
    import base64
    block = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    x = seed
    while len(block) < 57 * 1024:  # pseudo-random, incompressible-looking bytes
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        block += x.to_bytes(4, "little")
    raw = bytes(block[:57 * 1024])
    enc = base64.encodebytes(raw).replace(b"\n", b"\r\n")  # 76-char lines
    reps = max(1, n_bytes // len(enc))
    return enc * reps


def attachment(boundary, name, n_bytes, seed):
    return (b"--" + boundary + b"\r\n"
            b"Content-Type: application/pdf; name=\"" + name + b"\"\r\n"
            b"Content-Disposition: attachment; filename=\"" + name + b"\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            + b64_lines(n_bytes, seed))


def dsn_with_original_attachments(total, n_att):
    """A DSN returning the full original: a multipart/mixed with a text body
    and n_att base64 PDF attachments of total bytes together."""
    inner = b"BOUNDARY-inner-mixed"
    parts = [ORIG_HEAD,
             b"Content-Type: multipart/mixed; boundary=\"" + inner + b"\"\r\n\r\n"
             b"--" + inner + b"\r\nContent-Type: text/plain; charset=utf-8\r\n"
             b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
             b"Dear Dan,=0D=0Aplease find the documents attached.=0D=0A\r\n"]
    for i in range(n_att):
        parts.append(attachment(inner, b"report-%d.pdf" % i, total // n_att, i + 1))
    parts.append(b"--" + inner + b"--\r\n\r\n--BOUNDARY-outer--\r\n")
    return DSN_HEAD + NOTICE + dsn_status_part(ONE_RCPT) + b"".join(parts)


# ---------------------------------------------------------------------------
# the cases: each writes its input to path


def gen_huge_base64(path, asan):
    """A 100 MB DSN: the returned original has one ~100 MB base64 attachment."""
    with open(path, "wb") as f:
        f.write(DSN_HEAD + NOTICE + dsn_status_part(ONE_RCPT) + ORIG_HEAD
                + b"Content-Type: multipart/mixed; boundary=\"in\"\r\n\r\n"
                + b"--in\r\nContent-Type: application/octet-stream\r\n"
                + b"Content-Transfer-Encoding: base64\r\n\r\n")
        chunk = b64_lines(4 * MiB, 7)
        for _ in range((100 * MiB) // len(chunk) + 1):
            f.write(chunk)
        f.write(b"--in--\r\n\r\n--BOUNDARY-outer--\r\n")


def gen_header_10mb(path, asan):
    """10 MB header lines: an unfolded Subject, a folded To of 10 MB, and a
    10 MB Diagnostic-Code in the delivery-status part."""
    big = b"x" * (10 * MiB)
    folded = b",\r\n ".join([b"<user%d@example.com>" % i for i in range(400000)])
    rcpts = [(b"d.wright@example.net", b"5.1.1", b"550 5.1.1 user unknown " + big)]
    msg = simple_dsn(b"Subject: " + big + b"\r\nTo: " + folded + b"\r\n", rcpts)
    with open(path, "wb") as f:
        f.write(msg)


def gen_diag_10mb(path, asan):
    """A DSN whose Diagnostic-Code is 10 MB long (one folded field)."""
    diag = (b"550 5.1.1 <d.wright@example.net>: Recipient address rejected: "
            b"User unknown " + b"padding " * (10 * 1024 * 1024 // 8))
    with open(path, "wb") as f:
        f.write(simple_dsn(rcpts=[(b"d.wright@example.net", b"5.1.1", diag)]))


def gen_mime_deep(path, asan):
    """multipart nested 10,000 deep with a DSN at the bottom, then a
    message/rfc822 chain 10,000 deep, in one multipart/mixed."""
    depth = 10000
    out = [b"From: MAILER-DAEMON@mx.example.org\r\nSubject: Delivery failure\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"top\"\r\n\r\n"
           b"--top\r\n"]
    for i in range(depth):
        out.append(b"Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n"
                   % (i, i))
    out.append(b"Content-Type: message/delivery-status\r\n\r\n"
               b"Reporting-MTA: dns; mx.example.org\r\n\r\n"
               b"Final-Recipient: rfc822; deep@example.net\r\n"
               b"Action: failed\r\nStatus: 5.1.1\r\n\r\n")
    for i in reversed(range(depth)):
        out.append(b"--b%d--\r\n" % i)
    out.append(b"--top\r\n")
    for i in range(depth):
        out.append(b"Content-Type: message/rfc822\r\n\r\nSubject: level %d\r\n" % i)
    out.append(b"\r\nbottom\r\n--top--\r\n")
    with open(path, "wb") as f:
        f.write(b"".join(out))


def gen_dsn_100k(path, asan):
    """A DSN with 100,000 recipients (distinct addresses, every 7th repeats an
    earlier one in other case), plus a text part naming all of them."""
    n = 100000
    rcpts = []
    for i in range(n):
        addr = b"user%d@example.net" % i
        if i % 7 == 6:
            addr = b"USER%d@EXAMPLE.NET" % (i - 3)
        rcpts.append((addr, b"5.1.1", b"550 5.1.1 user unknown"))
    text = b"".join(b"<user%d@example.net>: host mx said: 550 5.1.1 unknown\r\n" % i
                    for i in range(n))
    notice = NOTICE + text + b"\r\n"
    with open(path, "wb") as f:
        f.write(DSN_HEAD + notice + dsn_status_part(rcpts)
                + ORIG_HEAD + b"\r\nHello.\r\n\r\n--BOUNDARY-outer--\r\n")


def gen_text_100k(path, asan):
    """A plain-text bounce (no DSN part) naming 100,000 failed recipients."""
    lines = b"".join(b"<user%d@example.net>: host mx.example.net said: 550 5.1.1 "
                     b"User unknown (in reply to RCPT TO command)\r\n" % i
                     for i in range(100000))
    msg = (b"From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
           b"To: sender@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           b"\r\nThis is the mail system at host mx.example.org.\r\n\r\n"
           b"I'm sorry to have to inform you that your message could not\r\n"
           b"be delivered to one or more recipients.\r\n\r\n" + lines)
    with open(path, "wb") as f:
        f.write(msg)


def nul_everywhere(msg):
    """Put a NUL after every 3rd byte and at every line start."""
    out = bytearray()
    for i, c in enumerate(msg):
        out.append(c)
        if i % 3 == 2 or c == 0x0A:
            out.append(0)
    return bytes(out)


def nul_in_values(msg):
    """NULs inside every header value and every body line, names intact."""
    out = []
    for line in msg.split(b"\r\n"):
        colon = line.find(b":")
        if 0 < colon < 40 and not line.startswith(b"--"):
            out.append(line[:colon + 1] + b"\x00" + nul_everywhere(line[colon + 1:]))
        elif line.startswith(b"--") or not line:
            out.append(line)  # boundaries and blank lines stay usable
        else:
            out.append(b"\x00" + line + b"\x00")
    return b"\r\n".join(out)


def gen_nul(path, asan):
    """An mbox of five messages: NULs everywhere (even in header names: not
    a mail message), NULs in a few DSN values, NULs in every header value
    and body line, 100,000 NULs only (not a mail message), and NULs inside
    the addresses."""
    base = simple_dsn()
    inside = base.replace(b"Status: 5.1.1", b"Status: 5.\x001.1")
    inside = inside.replace(b"Reporting-MTA: dns;", b"Reporting-MTA: dns;\x00\x00")
    inside = inside.replace(b"Subject: Quarterly", b"Subject: \x00Quarterly")
    # a NUL inside each address: its pieces ("wright@example.net",
    # "d@example.co") are other mailboxes and must never become recipients
    cut = base.replace(b"d.wright@example.net", b"d.\x00wright@example.net")
    cut = cut.replace(b"sender@example.org", b"d@example.co\x00m")
    with open(path, "wb") as f:
        for m in (nul_everywhere(base), inside, nul_in_values(base), b"\x00" * 100000, cut):
            f.write(b"From MAILER-DAEMON Mon Nov 23 09:14:07 2026\n")
            f.write(m.replace(b"\r\n", b"\n"))
            f.write(b"\n\n")


BAD_UTF8 = [b"\xff", b"\xfe\xfe", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80",
            b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xc3",
            b"\xe2\x82", b"\x80\x81", b"\xf0\x9f\x98"]


def bad(i):
    return BAD_UTF8[i % len(BAD_UTF8)]


def gen_bad_utf8(path, asan):
    """Invalid UTF-8 in every field of a DSN and of its returned original,
    under several declared charsets, also inside RFC 2047 words; an mbox."""
    msgs = []
    for k in range(len(BAD_UTF8)):
        b = lambda j: bad(k + j)  # noqa: E731
        rcpt = b"d.wr" + b(0) + b"ight@ex" + b(1) + b"ample.net"
        msg = (b"Return-Path: <" + b(2) + b">\r\n"
               b"Date: Mon, 23 Nov 2026 09:14:07 +0000" + b(3) + b"\r\n"
               b"From: MAILER-DAEMON" + b(4) + b"@mx.example.org\r\n"
               b"Subject: Undelivered " + b(5) + b" =?utf-8?q?=FF=C0=AF?= =?utf-8?b?/w==?=\r\n"
               b"To: sender" + b(6) + b"@example.org\r\n"
               b"MIME-Version: 1.0\r\n"
               b"Content-Type: multipart/report; report-type=delivery-status" + b(7) + b";\r\n"
               b"\tboundary=\"BOUNDARY-outer\"\r\n\r\n"
               b"--BOUNDARY-outer\r\n"
               b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
               b"<" + rcpt + b">: host mx" + b(8) + b" said: 550 5.1.1 unknown " + b(9)
               + b"\r\n\r\n"
               b"--BOUNDARY-outer\r\n"
               b"Content-Type: message/delivery-status; charset=utf-8\r\n\r\n"
               b"Reporting-MTA: dns; mx" + b(10) + b".example.org\r\n"
               b"Arrival-Date: Mon, 23 Nov 2026 " + b(11) + b"\r\n\r\n"
               b"Final-Recipient: rfc822; " + rcpt + b"\r\n"
               b"Original-Recipient: rfc822; o" + b(1) + b"@example.net\r\n"
               b"Action: failed" + b(2) + b"\r\n"
               b"Status: 5.1.1" + b(3) + b"\r\n"
               b"Remote-MTA: dns; mx" + b(4) + b".example.net\r\n"
               b"Diagnostic-Code: smtp" + b(5) + b"; 550 5.1.1 user " + b(6) + b" unknown\r\n"
               b"Last-Attempt-Date: Mon, 23 Nov 2026 09:14:07 " + b(7) + b"\r\n\r\n"
               b"--BOUNDARY-outer\r\n"
               b"Content-Type: message/rfc822\r\n\r\n"
               b"Message-ID: <orig" + b(8) + b"@example.org>\r\n"
               b"From: Se" + b(9) + b"nder <send" + b(10) + b"er@example.org>\r\n"
               b"To: " + rcpt + b"\r\n"
               b"Subject: Docs " + b(11) + b" =?iso-8859-1?q?caf=E9?= =?x-unknown?b?/w==?=\r\n"
               b"List-Id: <list" + b(0) + b".example.org>\r\n"
               b"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n"
               b"\x1b$B" + b(1) + b"\x1b(B body\r\n\r\n"
               b"--BOUNDARY-outer--\r\n")
        msgs.append(msg)
    with open(path, "wb") as f:
        for m in msgs:
            f.write(b"From MAILER-DAEMON Mon Nov 23 09:14:07 2026\n")
            f.write(m.replace(b"\r\n", b"\n") + b"\n")


def gen_charset_1mb(path, asan):
    """A charset name of 1 MB: in Content-Type (quoted, as a folded header),
    in an RFC 2047 word, and in an RFC 2231 parameter."""
    name = b"x-" + b"a" * MiB
    parts = [DSN_HEAD.replace(b"MIME-Version",
                              b"Subject: =?" + name + b"?Q?hello?=\r\nMIME-Version", 1),
             b"--BOUNDARY-outer\r\nContent-Type: text/plain;\r\n charset=\"" + name
             + b"\"\r\n\r\n<d.wright@example.net>: 550 5.1.1 unknown \xe9\xff\r\n\r\n",
             dsn_status_part(ONE_RCPT),
             ORIG_HEAD,
             b"Content-Type: text/plain; title*=" + name + b"''%e9t%e9\r\n\r\n"
             b"body\r\n\r\n--BOUNDARY-outer--\r\n"]
    with open(path, "wb") as f:
        f.write(b"".join(parts))


def gen_endless_from(path, asan):
    """mboxes whose From_ line never ends: 200 MB without a newline after a
    first message, and a stream that is one endless From_ line."""
    msg = simple_dsn().replace(b"\r\n", b"\n")
    with open(path, "wb") as f:
        f.write(b"From MAILER-DAEMON Mon Nov 23 09:14:07 2026\n" + msg + b"\n")
        f.write(b"From MAILER-DAEMON Mon Nov 23 09:14:08 2026 ")
        chunk = b"From x 00:00 " * (MiB // 13)
        for _ in range(200):
            f.write(chunk)


def gen_endless_from_only(path, asan):
    """A stream that is one endless From_ line (100 MB, no newline)."""
    with open(path, "wb") as f:
        f.write(b"From MAILER-DAEMON Mon Nov 23 09:14:07 2026 ")
        chunk = b"y" * MiB
        for _ in range(100):
            f.write(chunk)


def gen_realistic_15mb(path, asan):
    """A 15 MB DSN returning its original with six base64 PDF attachments."""
    with open(path, "wb") as f:
        f.write(dsn_with_original_attachments(15 * MiB, 6))


# name -> (generator, extra output formats, bounds, checks)
#   bounds: (seconds release, MiB release, seconds asan, MiB asan): wall
#   time of the whole `bounce parse` process and its peak RSS. Measured on
#   2026-11-30 (2 shared cores): release 0.01-0.4 s and 8-74 MiB, ASan
#   0.05-3.6 s and 21-167 MiB; the time bounds leave room for a loaded
#   machine, the memory bounds about 2x. About 8 MiB of any figure is the
#   process itself (shared libraries: libpq and its dependencies).
#   The endless-From_ bounds (16 MiB for 100-200 MB of input) show that
#   memory does not grow with the line.
#   checks: dict of expectations on the output
CASES = {
    "huge-base64": (gen_huge_base64, [], (3.0, 128, 20.0, 400),
                    {"records": 1, "recipient": "d.wright@example.net",
                     "anomalies": ["truncated"]}),
    "header-10mb": (gen_header_10mb, [], (2.0, 100, 20.0, 300),
                    {"records": 1, "recipient": "d.wright@example.net",
                     "anomalies": ["header-limit"]}),
    # the server's text is cut at max_header_size (64 KiB), never a 10 MB
    # JSON line or stored event, and the record says so
    "diag-10mb": (gen_diag_10mb, [], (2.0, 100, 20.0, 300),
                  {"records": 1, "recipient": "d.wright@example.net",
                   "anomalies": ["header-limit"], "diag_max": 65536}),
    "mime-deep": (gen_mime_deep, [], (1.0, 32, 10.0, 100),
                  {"records_max": 1, "anomalies_any": ["mime-depth", "mime-parts"]}),
    "dsn-100k": (gen_dsn_100k, [], (3.0, 128, 30.0, 300),
                 {"records": 10000, "anomalies": ["recipient-limit"]}),
    # the human-text scanner pairs addresses with replies: it stops at
    # 1000 addresses (src/extract/scan.c SCAN_MAX_HITS) and says so
    "text-100k": (gen_text_100k, [], (3.0, 64, 30.0, 200),
                  {"records": 1000, "recipient": "user0@example.net",
                   "anomalies": ["recipient-limit"]}),
    # messages 1 and 4 are not mail (exit 1, named on stderr)
    "nul": (gen_nul, ["sisimai"], (1.0, 16, 10.0, 100),
            {"records_min": 1, "recipient": "d.wright@example.net",
             "anomalies": ["nul-bytes"], "status_any": [1],
             "never": ["wright@example.net", "d@example.co"],
             "stderr": [":1: not a mail message", ":4: not a mail message"]}),
    "bad-utf8": (gen_bad_utf8, ["sisimai"], (1.0, 16, 10.0, 100),
                 {"records_min": len(BAD_UTF8)}),
    "charset-1mb": (gen_charset_1mb, ["sisimai"], (1.0, 32, 10.0, 100),
                    {"records": 1, "recipient": "d.wright@example.net"}),
    "endless-from": (gen_endless_from, [], (4.0, 16, 30.0, 100),
                     {"records": 1, "recipient": "d.wright@example.net",
                      "status_any": [0, 1]}),
    "endless-from-only": (gen_endless_from_only, [], (3.0, 16, 30.0, 100),
                          {"records": 0, "status_any": [0, 1]}),
    "realistic-15mb": (gen_realistic_15mb, [], (0.5, 64, 10.0, 200),
                       {"records": 1, "recipient": "d.wright@example.net",
                        "subject": "Quarterly documents"}),
}

RECORD_KEYS = ("recipient", "reason", "status", "hardbounce")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


TIME = "/usr/bin/time"  # GNU time: its own small RSS is the floor of %M


def run(bounce, path, fmt, tmax, mib_max):
    """Run bounce parse on path; return (status, stdout, stderr, seconds, MiB).

    Peak RSS is the child's ru_maxrss. Linux carries a process's maximum
    across exec, and a forked child starts with its parent's resident set,
    so the child is started by GNU time when present (a few MiB) rather
    than by this interpreter (about 15 MiB); without it the figures have
    that floor."""
    args = [bounce, "parse", "--format", fmt, path]
    timed = os.access(TIME, os.X_OK)
    with open(os.devnull, "rb") as devnull, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as rss_file:
        if timed:
            args = [TIME, "-q", "-f", "%M", "-o", rss_file.name] + args
        t0 = time.monotonic()
        proc = subprocess.Popen(args, stdin=devnull, stdout=out, stderr=err)
        deadline = t0 + max(60.0, 4 * tmax)  # hard stop well past the bound
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                fail("%s: still running after %.0f s (bound %.1f s)" %
                     (fmt, deadline - t0, tmax))
            time.sleep(0.01)
        secs = time.monotonic() - t0
        code = os.waitstatus_to_exitcode(status)
        mib = ru.ru_maxrss / 1024.0
        if timed:
            report = open(rss_file.name).read()
            if "signal" in report:
                fail("%s: %s" % (fmt, report.strip()))
            lines = report.split()
            if not lines or not lines[-1].isdigit():
                fail("no RSS figure from %s" % TIME)
            mib = int(lines[-1]) / 1024.0
        out.seek(0)
        err.seek(0)
        return code, out.read(), err.read(), secs, mib


def check_lines(out, fmt):
    """Every line valid UTF-8 and JSON; return the parsed records."""
    recs = []
    for n, line in enumerate(out.split(b"\n")[:-1], 1):
        try:
            text = line.decode("utf-8", errors="strict")
        except UnicodeDecodeError as e:
            fail("%s: line %d is not valid UTF-8: %s" % (fmt, n, e))
        try:
            obj = json.loads(text)
        except ValueError as e:
            fail("%s: line %d is not JSON: %s: %r" % (fmt, n, e, text[:200]))
        if not isinstance(obj, dict):
            fail("%s: line %d is not an object" % (fmt, n))
        recs.append(obj)
    if out and not out.endswith(b"\n"):
        fail("%s: output does not end with a newline" % fmt)
    return recs


def check_expect(recs, exp):
    if "records" in exp and len(recs) != exp["records"]:
        fail("expected %d records, got %d" % (exp["records"], len(recs)))
    if "records_min" in exp and len(recs) < exp["records_min"]:
        fail("expected at least %d records, got %d" % (exp["records_min"], len(recs)))
    if "records_max" in exp and len(recs) > exp["records_max"]:
        fail("expected at most %d records, got %d" % (exp["records_max"], len(recs)))
    for r in recs:
        for k in RECORD_KEYS:
            if k not in r:
                fail("record without %r: %r" % (k, r))
    if recs and "recipient" in exp and recs[0]["recipient"] != exp["recipient"]:
        fail("recipient %r, expected %r" % (recs[0]["recipient"], exp["recipient"]))
    if recs and "subject" in exp and recs[0].get("subject") != exp["subject"]:
        fail("subject %r, expected %r" % (recs[0].get("subject"), exp["subject"]))
    for r in recs:
        for k in ("recipient", "addresser", "original_recipient"):
            if r.get(k) in exp.get("never", []):
                fail("%s %r is a piece of an address cut by a NUL" % (k, r[k]))
    for a in exp.get("anomalies", []):
        if recs and not any(a in r.get("anomalies", []) for r in recs):
            fail("no record has anomaly %r: %r" % (a, recs[0].get("anomalies")))
    for r in recs:
        if len(r.get("diagnostic", "").encode()) > exp.get("diag_max", 1 << 62):
            fail("diagnostic of %d bytes, over %d" % (len(r["diagnostic"].encode()),
                                                       exp["diag_max"]))
    anys = exp.get("anomalies_any")
    if anys and recs and not any(a in r.get("anomalies", []) for r in recs for a in anys):
        fail("no record has any of %r" % anys)


def run_case(bounce, name, asan, keep):
    _, fmts, bounds, exp = CASES[name]
    tmax, mib = (bounds[2], bounds[3]) if asan else (bounds[0], bounds[1])
    tmp = keep or tempfile.mkdtemp(prefix="bn-hostile-")
    path = os.path.join(tmp, name + ".eml")
    try:
        # generate in a child: this process must stay small, since a forked
        # child's ru_maxrss starts from its parent's resident set
        subprocess.run([sys.executable, os.path.abspath(__file__), "--write", name, path]
                       + (["--asan"] if asan else []), check=True)
        size = os.path.getsize(path)
        for fmt in ["json"] + fmts:
            status, out, err, secs, rss = run(bounce, path, fmt, tmax, mib)
            print("%s [%s]: %.1f MiB input, %.2f s, peak RSS %.1f MiB "
                  "(bounds %.1f s, %d MiB%s), %d lines, exit %d" %
                  (name, fmt, size / MiB, secs, rss, tmax, mib,
                   ", asan" if asan else "", out.count(b"\n"), status))
            if b"Sanitizer" in err or b"runtime error" in err:
                fail("sanitizer report:\n" + err.decode("utf-8", "replace")[-4000:])
            if status < 0 or status > 128:  # GNU time reports a signal as 128 + n
                fail("killed by signal %d" % (-status if status < 0 else status - 128))
            if status not in exp.get("status_any", [0]):
                fail("exit status %d; stderr: %s" %
                     (status, err.decode("utf-8", "replace")[-2000:]))
            for want in exp.get("stderr", []):
                if want.encode() not in err:
                    fail("stderr lacks %r: %s" % (want, err.decode("utf-8", "replace")[-2000:]))
            recs = check_lines(out, fmt)
            if fmt == "json":
                check_expect(recs, exp)
            elif len(recs) != out.count(b"\n"):
                fail("sisimai: line count mismatch")
            if secs > tmax:
                fail("took %.2f s, bound %.1f s" % (secs, tmax))
            if rss > mib:
                fail("peak RSS %.1f MiB, bound %d MiB" % (rss, mib))
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


def main(argv):
    if len(argv) >= 2 and argv[1] == "--list":
        print("\n".join(CASES))
        return 0
    if len(argv) >= 3 and argv[2] == "--all":
        failed = []  # each case in a fresh process: see run_case on ru_maxrss
        for name in CASES:
            cmd = [sys.executable, os.path.abspath(__file__), argv[1], name]
            if subprocess.run(cmd + (["--asan"] if "--asan" in argv else [])).returncode:
                failed.append(name)
        print("failed: " + " ".join(failed) if failed else "all cases passed")
        return 1 if failed else 0
    if len(argv) >= 4 and argv[1] == "--write":
        CASES[argv[2]][0](argv[3], "--asan" in argv)
        return 0
    if len(argv) < 3 or argv[2] not in CASES:
        print(__doc__)
        return 2
    keep = argv[argv.index("--keep") + 1] if "--keep" in argv else None
    run_case(argv[1], argv[2], "--asan" in argv, keep)
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main(sys.argv))
