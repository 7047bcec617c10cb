#!/usr/bin/env python3
"""gen_samples.py - write the MTA log samples of tests/logs/ and their expectations.

The samples are synthetic logs written by this project: a fixed-seed walk over
the scenario table below (provider replies, local failures, network failures,
deliveries), rendered the way Postfix, Exim and Sendmail write them, with
lines of other programs, garbage and cut-off lines mixed in. The expected
record of every delivery line comes from the same table, whose reason and
fault columns were written by hand from what each reply says (alternatives
separated by "|", "*" when the text alone does not settle it) - never from
the program's output. Run it again only when the table changes:

    python3 tests/logs/gen_samples.py tests/logs

Expected TSV columns (one row per record, "#stats" row last):
    line recipient addresser message_id action status replycode command
    remote_mta timestamp reason fault anomaly
timestamp is UTC seconds; the test reads the logs with utc_offset 0 and
now = 2027-01-02T00:00:00Z (the Postfix log crosses a new year without a
year in its stamps).
"""
import calendar
import random
import sys

NOW = calendar.timegm((2027, 1, 2, 0, 0, 0))
MON = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
SENDER_IP = "198.51.100.25"

# Providers: domain list, MX host, MX address.
PROV = {
    "gmail": (["gmail.com", "googlemail.com"], "gmail-smtp-in.l.google.com", "142.250.102.27"),
    "ms": (["outlook.com", "hotmail.com", "live.com"], "outlook-com.olc.protection.outlook.com", "52.101.68.10"),
    "o365": (["contoso-corp.example"], "contoso-corp-example.mail.protection.outlook.com", "52.101.73.5"),
    "yahoo": (["yahoo.com", "aol.com", "ymail.com"], "mta7.am0.yahoodns.net", "67.195.204.72"),
    "apple": (["icloud.com", "me.com", "mac.com"], "mx01.mail.icloud.com", "17.57.155.24"),
    "comcast": (["comcast.net"], "mx1a1.comcast.net", "96.114.157.80"),
    "isp": (["example.org", "mail.example.net"], "mx.example.org", "192.0.2.10"),
}

# Remote replies: (key, provider, status, dsn, command, reply, reason, fault)
# status is bounced/deferred; command: RCPT, DATA, MAIL or CONN (greeting).
R = [
    ("g-nouser", "gmail", "bounced", "5.1.1", "RCPT",
     "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 5b1f17b1804b1-43a1b2c3d4si123456.7 - gsmtp",
     "userunknown", "recipient"),
    ("g-full", "gmail", "bounced", "5.2.2", "RCPT",
     "552-5.2.2 The recipient's inbox is out of storage space and inactive. Please direct 552-5.2.2 the recipient to 552 5.2.2  https://support.google.com/mail/?p=OverQuotaPerm 5b1f17b1804b1-43a1b2c3d4si123456.8 - gsmtp",
     "mailboxfull", "recipient"),
    ("g-fulltmp", "gmail", "deferred", "4.2.2", "RCPT",
     "452-4.2.2 The recipient's inbox is out of storage space. Please direct the 452-4.2.2 recipient to 452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp 5b1f17b1804b1-43a1b2c3d4si123456.9 - gsmtp",
     "mailboxfull", "recipient"),
    ("g-dmarc", "gmail", "bounced", "5.7.26", "DATA",
     "550-5.7.26 Unauthenticated email from example.com is not accepted due to 550-5.7.26 domain's DMARC policy. Please contact the administrator of 550-5.7.26 example.com domain if this was a legitimate mail. To learn about the 550-5.7.26 DMARC initiative, go to 550 5.7.26  https://support.google.com/mail/?p=DmarcRejection 5b1f17b1804b1-43a1b2c3d4si123456.10 - gsmtp",
     "authfailure|policyviolation", "sender"),
    ("g-rate", "gmail", "deferred", "4.7.28", "DATA",
     "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating 421-4.7.28 from your DKIM domain [example.com      12]. To protect our users 421-4.7.28 from spam, mail has been temporarily rate limited. For more 421-4.7.28 information, go to 421 4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError 5b1f17b1804b1-43a1b2c3d4si123456.11 - gsmtp",
     "ratelimited|badreputation|spamdetected|blocked", "sender"),
    ("g-spam", "gmail", "bounced", "5.7.1", "DATA",
     "550-5.7.1 [198.51.100.25      12] Our system has detected that this message is 550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail, 550-5.7.1 this message has been blocked. For more information, go to 550 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError 5b1f17b1804b1-43a1b2c3d4si123456.12 - gsmtp",
     "spamdetected|badreputation|blocked", "sender|message"),
    ("g-ptr", "gmail", "bounced", "5.7.25", "RCPT",
     "550-5.7.25 [198.51.100.25] The IP address sending this message does not have a 550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not 550-5.7.25 point to the sending IP. As a policy, Gmail does not accept messages 550-5.7.25 from IPs with missing PTR records. 550 5.7.25  https://support.google.com/mail/answer/81126#ip-practices 5b1f17b1804b1-43a1b2c3d4si123456.13 - gsmtp",
     "requireptr", "sender"),
    ("g-disabled", "gmail", "bounced", "5.2.1", "RCPT",
     "550-5.2.1 The email account that you tried to reach is disabled. 550 5.2.1  https://support.google.com/mail/?p=DisabledUser 5b1f17b1804b1-43a1b2c3d4si123456.14 - gsmtp",
     "suspend", "recipient"),
    ("g-size", "gmail", "bounced", "5.3.4", "DATA",
     "552-5.3.4 Your message exceeded Google's message size limits. For more 552-5.3.4 information, go to 552 5.3.4  https://support.google.com/mail/?p=MaxSizeError 5b1f17b1804b1-43a1b2c3d4si123456.15 - gsmtp",
     "emailtoolarge", "message"),
    ("g-iprate", "gmail", "deferred", "4.7.0", "RCPT",
     "421-4.7.0 [198.51.100.25      15] Our system has detected an unusual rate of 421-4.7.0 unsolicited mail originating from your IP address. To protect our 421-4.7.0 users from spam, mail sent from your IP address has been temporarily 421-4.7.0 rate limited. 421 4.7.0  https://support.google.com/mail/?p=UnsolicitedRateLimitError 5b1f17b1804b1-43a1b2c3d4si123456.16 - gsmtp",
     "ratelimited|badreputation|blocked|spamdetected", "sender"),
    ("m-nouser", "ms", "bounced", "5.5.0", "RCPT",
     "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [AM4PEPF00025F96.EURPRD83.prod.outlook.com 2026-12-31T20:01:02.123Z 08DD2A1B3C4D5E6F]",
     "userunknown", "recipient"),
    ("m-s3150", "ms", "bounced", "5.7.1", "RCPT",
     "550 5.7.1 Unfortunately, messages from [198.51.100.25] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [AM4PEPF00025F97.EURPRD83.prod.outlook.com 2026-12-31T20:02:03.456Z 08DD2A1B3C4D5E70]",
     "blocked", "sender"),
    ("m-iprate", "ms", "deferred", "4.7.650", "RCPT",
     "451 4.7.650 The mail server [198.51.100.25] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775) [AM4PEPF00025F98.EURPRD83.prod.outlook.com 2026-12-31T20:03:04.789Z 08DD2A1B3C4D5E71]",
     "ratelimited|badreputation|blocked", "sender"),
    ("m-busy", "ms", "deferred", "4.7.500", "RCPT",
     "451 4.7.500 Server busy. Please try again later from [198.51.100.25]. (S77719) [AM4PEPF00025F99.EURPRD83.prod.outlook.com 2026-12-31T20:04:05.012Z 08DD2A1B3C4D5E72]",
     "ratelimited|systemerror", "sender|remote_system"),
    ("m-dbeb", "o365", "bounced", "5.4.1", "RCPT",
     "550 5.4.1 Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [DB5PEPF00014B8F.eurprd02.prod.outlook.com 2026-12-31T20:05:06.345Z 08DD2A1B3C4D5E73]",
     "userunknown|rejected|norelaying|policyviolation", "*"),
    ("m-banned", "ms", "bounced", "5.7.606", "RCPT",
     "550 5.7.606 Access denied, banned sending IP [198.51.100.25]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to  http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430) [AM4PEPF00025F9A.EURPRD83.prod.outlook.com 2026-12-31T20:06:07.678Z 08DD2A1B3C4D5E74]",
     "blocked", "sender"),
    ("m-full", "o365", "bounced", "5.2.2", "DATA",
     "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot open mailbox. 16.55847:4A0A0000 [EndDiagnosticData] [Hostname=DB9PR02MB1234.eurprd02.prod.outlook.com]",
     "mailboxfull", "recipient"),
    ("m-dmarc", "ms", "bounced", "5.7.509", "DATA",
     "550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification and has a DMARC policy of reject. [AM4PEPF00025F9B.EURPRD83.prod.outlook.com 2026-12-31T20:07:08.901Z 08DD2A1B3C4D5E75]",
     "authfailure|policyviolation", "sender"),
    ("m-auth", "ms", "bounced", "5.7.515", "DATA",
     "550 5.7.515 Access denied, sending domain example.com doesn't meet the required authentication level. The sender's domain in the 5322.From address doesn't meet the authentication requirements defined for the sender. To learn more visit https://aka.ms/senderRequirements [AM4PEPF00025F9C.EURPRD83.prod.outlook.com 2026-12-31T20:08:09.234Z 08DD2A1B3C4D5E76]",
     "authfailure", "sender"),
    ("y-nouser", "yahoo", "bounced", "5.0.0", "RCPT",
     "554 delivery error: dd This user doesn't have a {dom} account ({rcpt}) [0] - mta4210.mail.gq1.yahoo.com",
     "userunknown", "recipient"),
    ("y-disabled", "yahoo", "bounced", "5.0.0", "RCPT",
     "554 delivery error: dd Sorry your message to {rcpt} cannot be delivered. This mailbox is disabled (554.30). - mta4001.mail.bf1.yahoo.com",
     "suspend", "recipient"),
    ("y-tss04", "yahoo", "deferred", "4.7.0", "CONN",
     "421 4.7.0 [TSS04] Messages from 198.51.100.25 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
     "ratelimited|badreputation|blocked", "sender"),
    ("y-policy", "yahoo", "bounced", "5.7.9", "DATA",
     "554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes",
     "policyviolation|blocked|spamdetected|badreputation", "sender|message"),
    ("y-unauth", "yahoo", "bounced", "5.7.9", "DATA",
     "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.",
     "authfailure", "sender"),
    ("y-bl21", "yahoo", "bounced", "5.7.1", "CONN",
     "553 5.7.1 [BL21] Connections will not be accepted from 198.51.100.25, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
     "blocked", "sender"),
    ("a-nouser", "apple", "bounced", "5.1.1", "RCPT",
     "550 5.1.1 <{rcpt}>: user does not exist",
     "userunknown", "recipient"),
    ("a-cs01", "apple", "bounced", "5.7.1", "DATA",
     "554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
     "policyviolation|spamdetected|blocked|badreputation", "sender|message"),
    ("a-pps", "apple", "bounced", "5.7.0", "RCPT",
     "550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=198.51.100.25",
     "blocked", "sender"),
    ("a-quota", "apple", "bounced", "5.2.2", "RCPT",
     "552 5.2.2 <{rcpt}>: user is over quota",
     "mailboxfull", "recipient"),
    ("a-rep", "apple", "deferred", "4.7.1", "MAIL",
     "421 4.7.1 Message temporarily deferred due to ip reputation. Please visit https://support.apple.com/en-us/HT204137",
     "badreputation|ratelimited|blocked", "sender"),
    ("c-nouser", "comcast", "bounced", "5.1.1", "RCPT",
     "550 5.1.1 <{rcpt}> Not our Customer",
     "userunknown", "recipient"),
    ("c-dnsbl", "comcast", "bounced", "5.0.0", "CONN",
     "554 resimta-po-12v.sys.comcast.net resimta-po-12v.sys.comcast.net 198.51.100.25 found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000001",
     "blocked", "sender"),
    ("c-rl", "comcast", "deferred", "4.1.0", "RCPT",
     "452 4.1.0 <{rcpt}> Throttled - try again later. Please see http://postmaster.comcast.net/smtp-error-codes.php#RL000001",
     "ratelimited", "sender"),
    ("i-zen", "isp", "bounced", "5.7.1", "RCPT",
     "554 5.7.1 Service unavailable; Client host [198.51.100.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.25",
     "blocked", "sender"),
    ("i-virtual", "isp", "bounced", "5.1.1", "RCPT",
     "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table",
     "userunknown", "recipient"),
    ("i-local", "isp", "bounced", "5.1.1", "RCPT",
     "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table",
     "userunknown", "recipient"),
    ("i-relay", "isp", "bounced", "5.7.1", "RCPT",
     "554 5.7.1 <{rcpt}>: Relay access denied",
     "norelaying", "*"),
    ("i-grey", "isp", "deferred", "4.2.0", "RCPT",
     "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{dom}.html",
     "*", "*"),
    ("i-size", "isp", "bounced", "5.3.4", "DATA",
     "552 5.3.4 Message size exceeds fixed limit",
     "emailtoolarge", "message"),
    ("i-spf", "isp", "bounced", "5.7.23", "RCPT",
     "550 5.7.23 <{rcpt}>: Recipient address rejected: Message rejected due to: SPF fail - not authorized. Please see http://www.openspf.net/Why?s=mfrom;id=sender@example.com;ip=198.51.100.25;r=<UNKNOWN>",
     "authfailure", "sender"),
    ("i-disabled", "isp", "bounced", "5.2.1", "RCPT",
     "550 5.2.1 <{rcpt}>: Mailbox disabled, not accepting messages",
     "suspend", "recipient"),
]

# Deliveries: provider -> confirmation reply.
SENT = {
    "gmail": "250 2.0.0 OK  1767211200 5b1f17b1804b1-43a1b2c3d4si123456.99 - gsmtp",
    "ms": "250 2.6.0 <{mid}> [InternalId=98784247812, Hostname=AM9P195MB1234.EURP195.PROD.OUTLOOK.COM] 23456 bytes in 0.123, 186.082 KB/sec Queued mail for delivery -> 250 2.1.5",
    "o365": "250 2.6.0 <{mid}> [InternalId=98784247813, Hostname=DB9PR02MB1234.eurprd02.prod.outlook.com] 23456 bytes in 0.101, 226.790 KB/sec Queued mail for delivery",
    "yahoo": "250 ok dirdel",
    "apple": "250 2.0.0 Ok: queued as 4QxYz12AbCz3def",
    "comcast": "250 2.0.0 resimta-po-13v.sys.comcast.net mail accepted for delivery",
    "isp": "250 2.0.0 Ok: queued as 7F3A21C0B4",
}

# Postfix failures without a remote reply: (key, status, dsn, relay, text,
# command, reason, fault, domain). {host}/{ip} are the MX of the domain.
PF_LOCAL = [
    ("nxdomain", "bounced", "5.4.4", "none",
     "Host or domain name not found. Name service error for name={dom} type=A: Host not found",
     "", "hostunknown", "recipient", "nonexistent-domain.example"),
    ("dnstemp", "deferred", "4.4.3", "none",
     "Host or domain name not found. Name service error for name={dom} type=MX: Host not found, try again",
     "", "networkerror", "network", "example.org"),
    ("refused", "deferred", "4.4.1", "none",
     "connect to {host}[{ip}]:25: Connection refused", "", "networkerror", "network", "example.org"),
    ("timeout", "deferred", "4.4.1", "none",
     "connect to {host}[{ip}]:25: Connection timed out", "", "networkerror", "network", "mail.example.net"),
    ("lostgreet", "deferred", "4.4.2", "{host}[{ip}]:25",
     "lost connection with {host}[{ip}] while receiving the initial server greeting", "CONN",
     "networkerror", "network", "example.org"),
    ("convdata", "deferred", "4.4.2", "{host}[{ip}]:25",
     "conversation with {host}[{ip}] timed out while sending end of data -- message may be sent more than once",
     "DATA", "networkerror", "network", "example.org"),
    ("tls", "deferred", "4.7.4", "{host}[{ip}]:25",
     "TLS is required, but was not offered by host {host}[{ip}]", "", "failedstarttls", "*", "example.org"),
    ("nullmx", "bounced", "5.1.10", "none",
     "Domain {dom} does not accept mail (nullMX)", "", "notaccept", "recipient", "no-mail.example"),
    ("suspended", "deferred", "4.4.1", "none",
     "delivery temporarily suspended: connect to {host}[{ip}]:25: Connection refused", "",
     "networkerror", "network", "example.org"),
]

FIRST = "alice bob carol dave erin frank grace heidi ivan judy mallory nick olivia peggy rupert sybil trent victor walter".split()
LAST = ["", ".smith", ".jones", "_lee", ".m", "2019", ".k.wong", "-ops"]
SENDERS = ["newsletter@example.com", "billing@example.com", "noreply@example.com",
           "support@example.com", "jane.doe@example.com", ""]


class Log:
    """A log under construction: lines and the expected records."""

    def __init__(self, start):
        self.lines, self.rows, self.t = [], [], start
        self.stats = dict(lines=0, records=0, bounced=0, expired=0, deferred=0,
                          delivered=0, state=0, other=0, garbage=0, truncated=0)

    def tick(self, rnd):
        self.t += rnd.randint(0, 7)

    def add(self, text, kind=None):
        """kind: the counter of a line without records (None: it has some)"""
        self.lines.append(text)
        self.stats["lines"] += 1
        if kind in self.stats:
            self.stats[kind] += 1
        return len(self.lines)

    def expect(self, line, rcpt, sender, mid, action, status, code, cmd, mta, reason,
               fault, anomaly=""):
        self.rows.append([str(line), rcpt, sender, mid, action, status, str(code), cmd, mta,
                          str(self.t), reason, fault, anomaly])
        self.stats["records"] += 1
        if reason == "expired":
            self.stats["expired"] += 1
        else:
            self.stats[{"failed": "bounced", "delayed": "deferred",
                        "delivered": "delivered"}[action]] += 1

    def write(self, base):
        with open(base + ".log", "w") as f:
            f.write("\n".join(self.lines) + "\n")
        with open(base + ".expected.tsv", "w") as f:
            f.write("# line\trecipient\taddresser\tmessage_id\taction\tstatus\treplycode\t"
                    "command\tremote_mta\ttimestamp\treason\tfault\tanomaly\n")
            for r in self.rows:
                f.write("\t".join(r) + "\n")
            f.write("#stats\t" + "\t".join("%s=%d" % kv for kv in self.stats.items()) + "\n")


def bsd_stamp(t):
    tm = __import__("time").gmtime(t)
    return "%s %2d %02d:%02d:%02d" % (MON[tm.tm_mon - 1], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)


def iso_space(t):
    tm = __import__("time").gmtime(t)
    return "%04d-%02d-%02d %02d:%02d:%02d" % tm[:6]


def rcpt_for(rnd, dom):
    return rnd.choice(FIRST) + rnd.choice(LAST) + "@" + dom


def code_of(reply):
    return int(reply[:3])


def fill(s, rcpt, dom, host="", ip="", mid=""):
    return s.replace("{rcpt}", rcpt).replace("{dom}", dom).replace("{host}", host) \
            .replace("{ip}", ip).replace("{mid}", mid)


NOISE_PF = [
    "postfix/smtpd[{pid}]: connect from unknown[203.0.113.{n}]",
    "postfix/smtpd[{pid}]: disconnect from unknown[203.0.113.{n}] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4",
    "postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[203.0.113.{n}]: 554 5.7.1 <spam@example.com>: Relay access denied; from=<x@spam.example> to=<spam@example.com> proto=ESMTP helo=<spam.example>",
    "postfix/anvil[{pid}]: statistics: max connection rate 1/60s for (smtp:203.0.113.{n}) at Dec 31 19:59:00",
    "dovecot: imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=203.0.113.{n}, lip=192.0.2.1, mpid={pid}, TLS",
    "CRON[{pid}]: (root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))",
    "kernel: [123456.789012] TCP: request_sock_TCP: Possible SYN flooding on port 25. Sending cookies.",
    "postfix/scache[{pid}]: statistics: start interval Dec 31 19:58:01",
    "postfix/smtp[{pid}]: connect to mx2.example.org[192.0.2.11]:25: Connection refused",
    "postfix/smtp[{pid}]: warning: TLS library problem: error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:317:",
    "opendkim[{pid}]: 7F3A21C0B4: DKIM-Signature field added (s=mail, d=example.com)",
]

GARBAGE = [
    "\x00\x01\x02binary junk \xff\xfe",
    "this is not a log line at all",
    "Dec 99 25:61:00 broken stamp postfix/smtp[1]: x",
    "-- Reboot --",
    "                 ",
    "<<<<>>>> = == ** =>",
]


def pf_qid(rnd):
    return "".join(rnd.choice("0123456789ABCDEF") for _ in range(10))


def gen_postfix(path):
    rnd = random.Random(7)
    L = Log(calendar.timegm((2026, 12, 31, 23, 20, 0)))
    host = "mx1.example.com"
    deferred = {}  # qid -> list of (rcpt) still deferred

    def line(prog, pid, text, kind=None):
        return L.add("%s %s %s[%d]: %s" % (bsd_stamp(L.t), host, prog, pid, text), kind)

    def noise():
        for _ in range(rnd.randint(0, 2)):
            L.tick(rnd)
            s = rnd.choice(NOISE_PF).replace("{pid}", str(rnd.randint(1000, 30000))) \
                .replace("{n}", str(rnd.randint(1, 254)))
            L.add("%s %s %s" % (bsd_stamp(L.t), host, s), "other")

    for i in range(150):
        noise()
        qid = pf_qid(rnd)
        sender = rnd.choice(SENDERS)
        mid = "%d.%s@example.com" % (i + 1000, qid.lower())
        L.tick(rnd)
        line("postfix/cleanup", 2001, "%s: message-id=<%s>" % (qid, mid), "state")
        L.tick(rnd)
        line("postfix/qmgr", 1999, "%s: from=<%s>, size=%d, nrcpt=1 (queue active)"
             % (qid, sender, rnd.randint(900, 90000)), "state")
        kind = rnd.random()
        L.tick(rnd)
        if kind < 0.55:
            sc = rnd.choice(R)
            pv = PROV[sc[1]]
            dom = rnd.choice(pv[0])
            rcpt = rcpt_for(rnd, dom)
            reply = fill(sc[5], rcpt, dom)
            cmdphr = {"RCPT": "RCPT TO", "DATA": "end of DATA", "MAIL": "MAIL FROM"}.get(sc[4])
            if sc[4] == "CONN":
                text = "host %s[%s] refused to talk to me: %s" % (pv[1], pv[2], reply)
            else:
                text = "host %s[%s] said: %s (in reply to %s command)" % (pv[1], pv[2], reply, cmdphr)
            n = line("postfix/smtp", 3001, "%s: to=<%s>, relay=%s[%s]:25, delay=%.1f, delays=0.1/0/0.4/0.6, dsn=%s, status=%s (%s)"
                     % (qid, rcpt, pv[1], pv[2], rnd.uniform(0.5, 9), sc[3], sc[2], text))
            action = "failed" if sc[2] == "bounced" else "delayed"
            L.expect(n, rcpt.lower(), sender, mid, action, sc[3], code_of(reply), sc[4], pv[1], sc[6], sc[7])
            if sc[2] == "deferred":
                deferred.setdefault(qid, []).append((rcpt, sc[3], mid, code_of(reply), pv[1]))
        elif kind < 0.70:
            sc = rnd.choice(PF_LOCAL)
            dom = sc[8]
            pv = PROV["isp"]
            rcpt = rcpt_for(rnd, dom)
            text = fill(sc[4], rcpt, dom, pv[1], pv[2])
            relay = fill(sc[3], rcpt, dom, pv[1], pv[2])
            prog = "postfix/error" if sc[0] == "suspended" else "postfix/smtp"
            n = line(prog, 3002, "%s: to=<%s>, relay=%s, delay=%d, delays=0.1/0/30/0, dsn=%s, status=%s (%s)"
                     % (qid, rcpt, relay, rnd.randint(1, 300), sc[2], sc[1], text))
            mta = "" if relay == "none" else pv[1]
            if relay == "none" and ("connect to" in text or "with " in text):
                mta = pv[1]
            action = "failed" if sc[1] == "bounced" else "delayed"
            L.expect(n, rcpt.lower(), sender, mid, action, sc[2], 0, sc[5], mta, sc[6], sc[7])
            if sc[1] == "deferred":
                deferred.setdefault(qid, []).append((rcpt, sc[2], mid, 0, mta))
        elif kind < 0.78:
            # local and virtual delivery failures, LMTP to Dovecot
            which = rnd.randint(0, 3)
            user = rnd.choice(FIRST)
            if which == 0:
                rcpt = user + "@mx1.example.com"
                n = line("postfix/local", 3003, "%s: to=<%s>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=5.1.1, status=bounced (unknown user: \"%s\")"
                         % (qid, rcpt, user))
                L.expect(n, rcpt, sender, mid, "failed", "5.1.1", 0, "", "local", "userunknown", "recipient")
            elif which == 1:
                rcpt = user + "@mx1.example.com"
                n = line("postfix/local", 3003, "%s: to=<%s>, orig_to=<postmaster@Example.COM>, relay=local, delay=0.1, delays=0.01/0/0/0.09, dsn=5.2.2, status=bounced (cannot update mailbox /var/mail/%s for user %s. error writing message: File too large)"
                         % (qid, rcpt, user, user))
                L.expect(n, rcpt, sender, mid, "failed", "5.2.2", 0, "", "local", "mailboxfull", "recipient")
            elif which == 2:
                rcpt = user + "@Example.COM"
                n = line("postfix/virtual", 3004, "%s: to=<%s>, relay=virtual, delay=0.05, delays=0.01/0/0/0.04, dsn=5.1.1, status=bounced (unknown user: \"%s\")"
                         % (qid, rcpt, rcpt.lower()))
                L.expect(n, user + "@example.com", sender, mid, "failed", "5.1.1", 0, "", "virtual", "userunknown", "recipient")
            else:
                rcpt = user + "@example.com"
                n = line("postfix/lmtp", 3005, "%s: to=<%s>, relay=mail.example.com[private/dovecot-lmtp], delay=0.2, delays=0.1/0/0/0.1, dsn=5.2.2, status=bounced (host mail.example.com[private/dovecot-lmtp] said: 552 5.2.2 <%s> Quota exceeded (mailbox for user is full) (in reply to end of DATA command))"
                         % (qid, rcpt, rcpt))
                L.expect(n, rcpt, sender, mid, "failed", "5.2.2", 552, "DATA", "mail.example.com", "mailboxfull", "recipient")
        else:
            pk = rnd.choice(list(SENT))
            pv = PROV[pk]
            dom = rnd.choice(pv[0])
            rcpt = rcpt_for(rnd, dom)
            reply = fill(SENT[pk], rcpt, dom, mid=mid)
            n = line("postfix/smtp", 3006, "%s: to=<%s>, relay=%s[%s]:25, delay=1.1, delays=0.1/0/0.3/0.7, dsn=2.0.0, status=sent (%s)"
                     % (qid, rcpt, pv[1], pv[2], reply))
            L.expect(n, rcpt.lower(), sender, mid, "delivered", "2.0.0", 250, "", pv[1], "delivered", "*")
        if i % 30 == 29:
            # a delivery line cut by the syslog daemon inside its text: read
            # as far as it goes, flagged
            sc = R[0]
            pv = PROV["gmail"]
            rcpt = rcpt_for(rnd, "gmail.com")
            full = "%s: to=<%s>, relay=%s[%s]:25, delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host %s[%s] said: %s (in reply to RCPT TO command))" \
                % (qid, rcpt, pv[1], pv[2], pv[1], pv[2], sc[5])
            n = line("postfix/smtp", 3007, full[:300])
            L.stats["truncated"] += 1
            L.expect(n, rcpt.lower(), sender, mid, "failed", "5.1.1", 550, "", pv[1], "userunknown", "recipient", "truncated")
            # cut before its status: no record
            L.tick(rnd)
            line("postfix/smtp", 3007, full[:90], "truncated")
        L.tick(rnd)
        if qid not in deferred:
            line("postfix/qmgr", 1999, "%s: removed" % qid, "state")
        if i % 25 == 24:
            L.add(rnd.choice(GARBAGE), "garbage")
    # expiry of the messages still deferred: qmgr names only the sender
    for qid, rcpts in deferred.items():
        L.tick(rnd)
        sender = ""
        n = line("postfix/qmgr", 1999, "%s: from=<%s>, size=4321, nrcpt=1 (queue active)" % (qid, "expiry@example.com"), "state")
        L.tick(rnd)
        n = line("postfix/qmgr", 1999, "%s: from=<expiry@example.com>, status=expired, returned to sender" % qid,
                 None if rcpts else "other")
        # the last deferral's status, reply and server are the record's evidence
        for r, dsn, mid, code, mta in rcpts:
            L.expect(n, r.lower(), "expiry@example.com", mid, "failed", dsn, code, "", mta, "expired", "*")
        L.tick(rnd)
        line("postfix/qmgr", 1999, "%s: removed" % qid, "state")
    pf_retries(L, rnd, line)
    L.write(path + "/postfix")


def scenario(table, key):
    return next(s for s in table if s[0] == key)


def pf_retries(L, rnd, line):
    """Two messages deferred twice, by different servers, then expired. The
    expiry names the server of the last deferral, with its status and reply
    (the first); when the last deferral named no server (a DNS failure),
    none, not the one of an earlier attempt (the second)."""
    grey, rep = scenario(R, "i-grey"), scenario(R, "a-rep")
    dnstemp, apple = scenario(PF_LOCAL, "dnstemp"), PROV["apple"]
    rcpt1, rcpt2 = "judy.k.wong@example.net", "olivia.m@icloud.com"
    # (relay=, dsn, text, replycode, command, remote_mta, reason, fault)
    tries = [
        (rcpt1, [("none", "4.4.1", "connect to mx1.example.net[192.0.2.21]:25: Connection timed out",
                  0, "", "mx1.example.net", "networkerror", "network"),
                 ("mx2.example.net[192.0.2.22]:25", grey[3],
                  "host mx2.example.net[192.0.2.22] said: %s (in reply to RCPT TO command)"
                  % fill(grey[5], rcpt1, "example.net"), 450, "RCPT", "mx2.example.net", grey[6], grey[7])]),
        (rcpt2, [("%s[%s]:25" % apple[1:], rep[3], "host %s[%s] said: %s (in reply to MAIL FROM command)"
                  % (apple[1], apple[2], rep[5]), 421, "MAIL", apple[1], rep[6], rep[7]),
                 ("none", dnstemp[2], fill(dnstemp[4], rcpt2, "icloud.com"), 0, "", "", dnstemp[6], dnstemp[7])]),
    ]
    for k, (rcpt, attempts) in enumerate(tries):
        qid = pf_qid(rnd)
        mid = "%d.%s@example.com" % (1150 + k, qid.lower())
        L.tick(rnd)
        line("postfix/cleanup", 2001, "%s: message-id=<%s>" % (qid, mid), "state")
        L.tick(rnd)
        line("postfix/qmgr", 1999, "%s: from=<retry@example.com>, size=2345, nrcpt=1 (queue active)" % qid, "state")
        for relay, dsn, text, code, cmd, mta, reason, fault in attempts:
            L.t += 600 + rnd.randint(0, 7)  # the next queue run
            n = line("postfix/smtp", 3001, "%s: to=<%s>, relay=%s, delay=%d, delays=600/0/30/0, dsn=%s, status=deferred (%s)"
                     % (qid, rcpt, relay, 630, dsn, text))
            L.expect(n, rcpt, "retry@example.com", mid, "delayed", dsn, code, cmd, mta, reason, fault)
        L.t += 1800
        n = line("postfix/qmgr", 1999, "%s: from=<retry@example.com>, status=expired, returned to sender" % qid)
        L.expect(n, rcpt, "retry@example.com", mid, "failed", dsn, code, "", mta, "expired", "*")
        L.tick(rnd)
        line("postfix/qmgr", 1999, "%s: removed" % qid, "state")


def gen_exim(path):
    rnd = random.Random(11)
    L = Log(calendar.timegm((2026, 11, 30, 6, 0, 0)))

    def line(text, kind=None, pid=False):
        pre = iso_space(L.t) + (" [%d]" % rnd.randint(1000, 9999) if pid else "")
        return L.add(pre + " " + text, kind)

    def eid(rnd):
        a = "".join(rnd.choice("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(6))
        b = "".join(rnd.choice("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(11))
        c = "".join(rnd.choice("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
        return "%s-%s-%s" % (a, b, c)

    NOISE = [
        "SMTP connection from [203.0.113.{n}]:{p} (TCP/IP connection count = 1)",
        "SMTP connection from (spam.example) [203.0.113.{n}]:{p} closed by QUIT",
        "H=(spam.example) [203.0.113.{n}]:{p} F=<x@spam.example> rejected RCPT <nobody@example.com>: relay not permitted",
        "Start queue run: pid={p}",
        "End queue run: pid={p}",
        "TLS error on connection from (laptop) [203.0.113.{n}]:{p} (SSL_accept): error:0A000416:SSL routines::sslv3 alert certificate unknown",
    ]
    for i in range(160):
        for _ in range(rnd.randint(0, 2)):
            L.tick(rnd)
            line(rnd.choice(NOISE).replace("{n}", str(rnd.randint(1, 254))).replace("{p}", str(rnd.randint(1024, 65000))), "other")
        old = i % 4 == 0
        mid_ = eid(rnd) if not old else "%s-%s-%s" % tuple(
            "".join(rnd.choice("0123456789abcdefABCDEF") for _ in range(k)) for k in (6, 6, 2))
        sender = rnd.choice(SENDERS)
        msgid = "E1%s@mx1.example.com" % mid_.replace("-", "")[:12]
        L.tick(rnd)
        line("%s <= %s H=localhost (mx1.example.com) [127.0.0.1]:41234 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:%s S=%d id=%s"
             % (mid_, sender or "<>", sender or "nobody", rnd.randint(900, 90000), msgid), "state", pid=i % 3 == 0)
        k = rnd.random()
        L.tick(rnd)
        if k < 0.55:
            sc = rnd.choice(R)
            pv = PROV[sc[1]]
            dom = rnd.choice(pv[0])
            rcpt = rcpt_for(rnd, dom)
            reply = fill(sc[5], rcpt, dom)
            after = {"RCPT": "RCPT TO:<%s>" % rcpt, "DATA": "end of data",
                     "MAIL": "MAIL FROM:<%s> SIZE=12345" % (sender or ""),
                     "CONN": "initial connection"}[sc[4]]
            flag = "**" if sc[2] == "bounced" else "=="
            defer = " defer (-44)" if flag == "==" else ""
            n = line("%s %s %s R=dnslookup T=remote_smtp%s H=%s [%s] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes DN=\"CN=%s\": SMTP error from remote mail server after %s: %s"
                     % (mid_, flag, rcpt, defer, pv[1], pv[2], pv[1], after, reply))
            action = "failed" if flag == "**" else "delayed"
            # Exim logs no dsn=: the status is the one after the reply code,
            # or the code's class (554 -> 5.0.0), which is the table's dsn
            st = sc[3]
            L.expect(n, rcpt.lower(), sender, msgid, action, st, code_of(reply), sc[4], pv[1], sc[6], sc[7])
        elif k < 0.70:
            user = rnd.choice(FIRST)
            w = rnd.randint(0, 5)
            if w == 0:
                rcpt = user + "@nonexistent-domain.example"
                n = line("%s ** %s: Unrouteable address" % (mid_, rcpt))
                L.expect(n, rcpt, sender, msgid, "failed", "*", 0, "", "", "hostunknown|userunknown", "recipient")
            elif w == 1:
                rcpt = user + "@example.org"
                n = line("%s == %s R=dnslookup T=remote_smtp defer (111): Connection refused" % (mid_, rcpt))
                L.expect(n, rcpt, sender, msgid, "delayed", "*", 0, "", "", "networkerror", "network")
            elif w == 2:
                rcpt = user + "@example.org"
                n = line("%s ** %s: retry timeout exceeded" % (mid_, rcpt))
                L.expect(n, rcpt, sender, msgid, "failed", "*", 0, "", "", "expired", "*")
            elif w == 3:
                rcpt = user + "@example.com"
                n = line("%s ** %s R=localuser T=local_delivery: mailbox is full (MTA-imposed quota exceeded while writing to /var/mail/%s)" % (mid_, rcpt, user))
                L.expect(n, rcpt, sender, msgid, "failed", "*", 0, "", "", "mailboxfull", "recipient")
            elif w == 4:
                rcpt = user + "@example.org"
                # no attempt was made: no record
                n = line("%s == %s R=dnslookup T=remote_smtp defer (-53): retry time not reached for any host for 'example.org'" % (mid_, rcpt), "other")
            else:
                rcpt = user + "@mail.example.net"
                n = line("%s == %s R=dnslookup T=remote_smtp defer (110): Connection timed out" % (mid_, rcpt))
                L.expect(n, rcpt, sender, msgid, "delayed", "*", 0, "", "", "networkerror", "network")
        else:
            pk = rnd.choice(list(SENT))
            pv = PROV[pk]
            dom = rnd.choice(pv[0])
            rcpt = rcpt_for(rnd, dom)
            reply = fill(SENT[pk], rcpt, dom, mid=msgid)
            orig = " <%s>" % ("list-" + rcpt) if i % 7 == 0 else ""
            n = line("%s => %s%s R=dnslookup T=remote_smtp H=%s [%s] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes K C=\"%s\""
                     % (mid_, rcpt, orig, pv[1], pv[2], reply.replace('"', "'")))
            st = reply[4:9] if reply[4:5] == "2" else "2.0.0"
            L.expect(n, rcpt.lower(), sender, msgid, "delivered", st, 250, "", pv[1], "delivered", "*")
        L.tick(rnd)
        line("%s Completed" % mid_, "state")
        if i % 40 == 39:
            L.add(rnd.choice(GARBAGE), "garbage")
    exim_retries(L, rnd, line, eid)
    L.write(path + "/exim")


def exim_retries(L, rnd, line, eid):
    """Two messages deferred twice, by different servers, then given up
    ("retry timeout exceeded"). The expiry takes the last deferral's reply
    and its H= server (the first); when the last deferral named no server,
    none, not the one of an earlier attempt (the second)."""
    grey, rep, apple = scenario(R, "i-grey"), scenario(R, "a-rep"), PROV["apple"]
    rcpt1, rcpt2 = "ivan_lee@example.net", "nick@icloud.com"
    smtp = ("R=dnslookup T=remote_smtp defer (-44) H=%s [%s] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 "
            "CV=yes DN=\"CN=%s\": SMTP error from remote mail server after %s: %s")
    # (fields and text after the recipient, status, replycode, command,
    #  remote_mta, reason, fault)
    tries = [
        (rcpt1, [("R=dnslookup T=remote_smtp defer (110) H=mx1.example.net [192.0.2.21]: Connection timed out",
                  "*", 0, "", "mx1.example.net", "networkerror", "network"),
                 (smtp % ("mx2.example.net", "192.0.2.22", "mx2.example.net", "RCPT TO:<%s>" % rcpt1,
                          fill(grey[5], rcpt1, "example.net")),
                  grey[3], 450, "RCPT", "mx2.example.net", grey[6], grey[7])]),
        (rcpt2, [(smtp % (apple[1], apple[2], apple[1], "MAIL FROM:<retry@example.com> SIZE=2345", rep[5]),
                  rep[3], 421, "MAIL", apple[1], rep[6], rep[7]),
                 ("R=dnslookup T=remote_smtp defer (111): Connection refused",
                  "*", 0, "", "", "networkerror", "network")]),
    ]
    for rcpt, attempts in tries:
        mid_ = eid(rnd)
        msgid = "E1%s@mx1.example.com" % mid_.replace("-", "")[:12]
        L.tick(rnd)
        line("%s <= retry@example.com H=localhost (mx1.example.com) [127.0.0.1]:41234 P=esmtpsa "
             "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:retry@example.com S=2345 id=%s"
             % (mid_, msgid), "state")
        for rest, st, code, cmd, mta, reason, fault in attempts:
            L.t += 600 + rnd.randint(0, 7)  # the next queue run
            n = line("%s == %s %s" % (mid_, rcpt, rest))
            L.expect(n, rcpt, "retry@example.com", msgid, "delayed", st, code, cmd, mta, reason, fault)
        L.t += 1800
        n = line("%s ** %s: retry timeout exceeded" % (mid_, rcpt))
        L.expect(n, rcpt, "retry@example.com", msgid, "failed", st, code, "", mta, "expired", "*")
        L.tick(rnd)
        line("%s Completed" % mid_, "state")


def gen_sendmail(path):
    rnd = random.Random(13)
    L = Log(calendar.timegm((2026, 11, 29, 22, 0, 0)))
    host = "mail.example.com"
    STAT = {  # dsn -> Sendmail's own words for permanent failures
        "5.1.1": "User unknown", "5.2.2": "Over quota",
        "5.3.4": "Message too large",
    }

    def line(prog, text, kind=None):
        return L.add("%s %s %s[%d]: %s" % (bsd_stamp(L.t), host, prog, rnd.randint(1000, 30000), text), kind)

    def qid():
        return "4AT%s" % "".join(rnd.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") for _ in range(11))

    NOISE = [
        "sm-mta[{p}]: 4AT{q}: from=<x@spam.example>, size=0, class=0, nrcpts=0, proto=ESMTP, daemon=MTA, relay=[203.0.113.9]",
        "sm-mta[{p}]: 4AT{q}: ruleset=check_rcpt, arg1=<nobody@example.com>, relay=[203.0.113.9], reject=550 5.7.1 <nobody@example.com>... Relaying denied",
        "sm-mta[{p}]: STARTTLS=client, relay=mx.example.org., version=TLSv1.3, verify=OK, cipher=TLS_AES_256_GCM_SHA384, bits=256/256",
        "sm-msp-queue[{p}]: unable to qualify my own domain name (mail) -- using short name",
        "postfix/smtpd[{p}]: connect from localhost[127.0.0.1]",
    ]
    for i in range(150):
        for _ in range(rnd.randint(0, 2)):
            L.tick(rnd)
            s = rnd.choice(NOISE).replace("{p}", str(rnd.randint(1000, 30000))).replace("{q}", "%011d" % rnd.randint(0, 10**10))
            L.add("%s %s %s" % (bsd_stamp(L.t), host, s), "state" if ": from=<" in s else "other")
        q = qid()
        sender = rnd.choice(SENDERS)
        msgid = "%d.%s@mail.example.com" % (i, q.lower())
        nr = 1 if i % 5 else 3
        L.tick(rnd)
        line("sm-mta", "%s: from=<%s>, size=%d, class=0, nrcpts=%d, msgid=<%s>, proto=ESMTP, daemon=MTA, tls_verify=NONE, auth=NONE, relay=localhost [127.0.0.1]"
             % (q, sender, rnd.randint(900, 90000), nr, msgid), "state")
        L.tick(rnd)
        k = rnd.random()
        if k < 0.5:
            sc = rnd.choice([s for s in R if s[1] != "yahoo" or s[3] != "5.0.0"])
            pv = PROV[sc[1]]
            dom = rnd.choice(pv[0])
            rcpts = [rcpt_for(rnd, dom) for _ in range(nr)]
            reply = fill(sc[5], rcpts[0], dom)
            if sc[2] == "deferred":
                stat = "Deferred: " + reply
                reason, fault, code = sc[6], sc[7], code_of(reply)
            elif sc[3] in STAT:
                stat = STAT[sc[3]]
                reason, fault, code = sc[6], sc[7], 0
            else:
                stat = "Service unavailable"
                reason, fault, code = "*", "*", 0
            to = ",".join("<%s>" % r for r in rcpts)
            n = line("sm-mta", "%s: to=%s, delay=00:00:%02d, xdelay=00:00:%02d, mailer=esmtp, pri=%d, relay=%s. [%s], dsn=%s, stat=%s"
                     % (q, to, rnd.randint(1, 59), rnd.randint(1, 59), rnd.randint(30000, 300000), pv[1], pv[2], sc[3], stat))
            action = "failed" if sc[2] == "bounced" else "delayed"
            for r in rcpts:
                L.expect(n, r.lower(), sender, msgid, action, sc[3], code, "", pv[1], reason, fault)
        elif k < 0.65:
            user = rnd.choice(FIRST)
            w = rnd.randint(0, 3)
            if w == 0:
                rcpt = user + "@nonexistent-domain.example"
                n = line("sm-mta", "%s: to=<%s>, delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=%d, relay=nonexistent-domain.example, dsn=5.1.2, stat=Host unknown (Name server: nonexistent-domain.example: host not found)"
                         % (q, rcpt, rnd.randint(30000, 90000)))
                L.expect(n, rcpt, sender, msgid, "failed", "5.1.2", 0, "", "nonexistent-domain.example", "hostunknown", "recipient")
            elif w == 1:
                rcpt = user + "@example.org"
                n = line("sm-mta", "%s: to=<%s>, delay=00:00:05, xdelay=00:00:05, mailer=esmtp, pri=%d, relay=mx.example.org. [192.0.2.10], dsn=4.0.0, stat=Deferred: Connection refused by mx.example.org."
                         % (q, rcpt, rnd.randint(30000, 90000)))
                L.expect(n, rcpt, sender, msgid, "delayed", "4.0.0", 0, "", "mx.example.org", "networkerror", "network")
            elif w == 2:
                rcpt = user + "@example.com"
                n = line("sendmail", "%s: to=%s, ctladdr=<%s> (1000/1000), delay=00:00:00, xdelay=00:00:00, mailer=local, pri=%d, dsn=5.1.1, stat=User unknown"
                         % (q, rcpt, sender or "root@mail.example.com", rnd.randint(30000, 90000)))
                L.expect(n, rcpt, sender, msgid, "failed", "5.1.1", 0, "", "", "userunknown", "recipient")
            else:
                rcpt = user + "@example.org"
                n = line("sm-mta", "%s: to=<%s>, delay=00:00:01, mailer=esmtp, pri=%d, stat=queued" % (q, rcpt, rnd.randint(30000, 90000)), "other")
        else:
            pk = rnd.choice(list(SENT))
            pv = PROV[pk]
            dom = rnd.choice(pv[0])
            rcpts = [rcpt_for(rnd, dom) for _ in range(nr)]
            reply = fill(SENT[pk], rcpts[0], dom, mid=msgid)
            n = line("sm-mta", "%s: to=%s, delay=00:00:02, xdelay=00:00:02, mailer=esmtp, pri=%d, relay=%s. [%s], dsn=2.0.0, stat=Sent (%s)"
                     % (q, ",".join("<%s>" % r for r in rcpts), rnd.randint(30000, 300000), pv[1], pv[2], reply))
            for r in rcpts:
                L.expect(n, r.lower(), sender, msgid, "delivered", "2.0.0", 250, "", pv[1], "delivered", "*")
        if i % 30 == 29:
            L.add(rnd.choice(GARBAGE), "garbage")
    L.write(path + "/sendmail")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "."
    gen_postfix(path)
    gen_exim(path)
    gen_sendmail(path)


if __name__ == "__main__":
    main()
