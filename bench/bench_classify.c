/*
 * bench_classify.c - replies per second through bn_classify() on one core
 *
 * A realistic mix: short and long replies, Gmail/Microsoft/Yahoo multi-line
 * texts, blocklist rejections, bare codes, non-English text, log-style
 * lines. Usage: bench_classify [seconds] (default 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounce.h"

static const char *const mix[] = {
    "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
    "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
    "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
    "550-5.1.1 unnecessary spaces. Learn more at\r\n"
    "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si1234567abc.123 - gsmtp",
    "452 4.2.2 The email account that you tried to reach is over quota. Please direct the "
    "recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp",
    "550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; "
    "https://www.spamhaus.org/query/ip/192.0.2.1",
    "550 5.7.606 Access denied, banned sending IP [198.51.100.222]. To request removal from "
    "this list please visit https://sender.office.com/ and follow the directions.",
    "421 4.7.0 [TSS04] Messages from 192.0.2.192 temporarily deferred due to unexpected volume "
    "or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    "550-5.7.26 Unauthenticated email from example.com is not accepted due to\r\n"
    "550-5.7.26 domain's DMARC policy. Please contact the administrator of\r\n"
    "550 5.7.26 example.com domain if this was a legitimate mail. - gsmtp",
    "554 5.7.1 Message rejected: spam content detected",
    "552 5.5.3 Too many recipients",
    "550",
    "connect to mx.example.org[192.0.2.1]:25: Connection timed out",
    "Host or domain name not found. Name service error for name=example.invalid type=A: Host "
    "not found",
    "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
    "451 4.7.650 The mail server [192.0.2.25] has been temporarily rate limited due to IP "
    "reputation. For e-mail delivery information, see https://postmaster.live.com (S3113)",
    "550 5.2.2 <kijitora@example.jp>... Mailbox Full",
    "450 4.7.1 <mx.example.jp[192.0.2.56]>: Client host rejected: may not be mail exchanger",
    "550 5.1.1 Benutzer unbekannt",
    "421 mx.example.net Service busy, try again in 5 minutes",
    "554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - "
    "mta1234.mail.bf1.yahoo.com",
    "250 2.0.0 Ok: queued as 4F2A81C0",
};

/* now - CPU seconds of this thread: the figure is per core even on a busy machine */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    size_t n = sizeof mix / sizeof mix[0], lens[sizeof mix / sizeof mix[0]];
    size_t bytes = 0, done = 0;
    unsigned sink = 0;
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(mix[i]);
    double t0 = now(), t;
    do {
        for (int rep = 0; rep < 1000; rep++) {
            for (size_t i = 0; i < n; i++) {
                bn_reply in = {0};
                bn_verdict v;
                in.text = mix[i];
                in.text_len = lens[i];
                bn_classify(&v, &in);
                sink += (unsigned)v.reason;
                bytes += lens[i];
            }
            done += n;
        }
        t = now() - t0;
    } while (t < secs);
    printf("bench_classify: %zu replies in %.2f CPU s: %.0f replies/s, %.1f MB/s (checksum %u)\n",
           done, t, done / t, bytes / t / 1e6, sink);
    return 0;
}
