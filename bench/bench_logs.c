/*
 * bench_logs.c - MTA log lines per second (make bench)
 *
 * Builds a synthetic Postfix log in memory, the way a busy outbound relay
 * writes it: per message smtpd connect/client/disconnect lines, cleanup's
 * message-id, qmgr's from= and removed, and one smtp delivery line (85%
 * sent, 8% deferred, 7% bounced, with the long multi-line replies of the big
 * providers). Then feeds it through bn_log_feed on one core and prints the
 * best of a few passes: all lines, and delivery lines alone (the failed
 * ones run the classifier; sent ones are decided by the MTA's status).
 * Target: 500,000 lines/s for the full log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounce.h"

#define MESSAGES 60000
#define PASSES 5

static const char *const replies[] = {
    "dsn=2.0.0, status=sent (250 2.0.0 OK  1767211200 5b1f17b1804b1-43a1b2c3d4si123456.99 - gsmtp)",
    "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 7F3A21C0B4)",
    "dsn=2.6.0, status=sent (250 2.6.0 <x@example.com> [InternalId=98784247812, "
    "Hostname=AM9P195MB1234.EURP195.PROD.OUTLOOK.COM] 23456 bytes in 0.123, 186.082 KB/sec "
    "Queued mail for delivery)",
    "dsn=4.7.0, status=deferred (host gmail-smtp-in.l.google.com[142.250.102.27] said: "
    "421-4.7.0 [198.51.100.25      15] Our system has detected an unusual rate of 421-4.7.0 "
    "unsolicited mail originating from your IP address. To protect our 421-4.7.0 users from "
    "spam, mail sent from your IP address has been temporarily 421-4.7.0 rate limited. 421 "
    "4.7.0  https://support.google.com/mail/?p=UnsolicitedRateLimitError a1si1 - gsmtp (in "
    "reply to RCPT TO command))",
    "dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.10]:25: Connection refused)",
    "dsn=5.1.1, status=bounced (host gmail-smtp-in.l.google.com[142.250.102.27] said: "
    "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 "
    "double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. "
    "For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser "
    "a1si2 - gsmtp (in reply to RCPT TO command))",
    "dsn=5.7.1, status=bounced (host outlook-com.olc.protection.outlook.com[52.101.68.10] said: "
    "550 5.7.1 Unfortunately, messages from [198.51.100.25] weren't sent. Please contact your "
    "Internet service provider since part of their network is on our block list (S3150). "
    "(in reply to RCPT TO command))",
};

/* pick_reply - 85% sent, 8% deferred, 7% bounced */
static const char *pick_reply(unsigned r)
{
    unsigned p = r % 100;
    if (p < 85)
        return replies[r % 3];
    if (p < 93)
        return replies[3 + r % 2];
    return replies[5 + r % 2];
}

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void add(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* add - append one formatted line */
static void add(buf *b, const char *fmt, ...)
{
    va_list ap;
    if (b->cap - b->n < 2048) {
        b->cap = b->cap * 2 + 4096;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            exit(1);
    }
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

/* make_log - the synthetic log; *lines and *deliveries are counted */
static void make_log(buf *all, buf *dl, size_t *lines, size_t *deliveries)
{
    unsigned r = 12345;
    *lines = *deliveries = 0;
    for (int i = 0; i < MESSAGES; i++) {
        r = r * 1103515245u + 12345u;
        unsigned s = i % 60, m = (i / 60) % 60, h = (i / 3600) % 24;
        char qid[16], stamp[32];
        snprintf(qid, sizeof(qid), "%010X", (unsigned)i * 2654435761u);
        snprintf(stamp, sizeof(stamp), "Nov 30 %02u:%02u:%02u mx1", h, m, s);
        add(all, "%s postfix/smtpd[2101]: connect from app%u.example.com[10.0.%u.%u]\n", stamp,
            r % 50, r % 200, r % 250);
        add(all, "%s postfix/smtpd[2101]: %s: client=app%u.example.com[10.0.1.%u]\n", stamp, qid,
            r % 50, r % 250);
        add(all, "%s postfix/cleanup[2102]: %s: message-id=<%u.%s@example.com>\n", stamp, qid, r,
            qid);
        add(all, "%s postfix/qmgr[1999]: %s: from=<newsletter@example.com>, size=%u, nrcpt=1 "
                 "(queue active)\n", stamp, qid, 2000 + r % 50000);
        add(all, "%s postfix/smtpd[2101]: disconnect from app%u.example.com[10.0.1.%u] ehlo=1 "
                 "mail=1 rcpt=1 data=1 quit=1 commands=5\n", stamp, r % 50, r % 250);
#define DELIVERY                                                                           \
    "%s postfix/smtp[3001]: %s: to=<user%u@example.net>, relay=mx.example.net[192.0.2.%u]:25, " \
    "delay=1.2, delays=0.1/0/0.4/0.7, %s\n"
        add(all, DELIVERY, stamp, qid, r % 100000, r % 250, pick_reply(r >> 8));
        add(dl, DELIVERY, stamp, qid, r % 100000, r % 250, pick_reply(r >> 8));
        add(all, "%s postfix/qmgr[1999]: %s: removed\n", stamp, qid);
        *lines += 7;
        *deliveries += 1;
    }
}

static int count_cb(const bn_record *recs, size_t count, const char *line, size_t len,
                    void *payload)
{
    *(size_t *)payload += count;
    return 0;
}

/* now_s - monotonic seconds */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* best_rate - lines per second, best of PASSES, for one buffer */
static double best_rate(const buf *b, size_t lines, size_t *records)
{
    double best = 0;
    for (int pass = 0; pass < PASSES; pass++) {
        bn_log_opts o = BN_LOG_OPTS_INIT;
        o.utc_offset = 0;
        bn_log_reader *r;
        size_t used, recs = 0;
        if (bn_log_reader_new(&r, &o) != BN_OK)
            exit(1);
        double t0 = now_s();
        bn_log_feed(r, b->p, b->n, true, &used, count_cb, &recs);
        double dt = now_s() - t0;
        bn_log_reader_free(r);
        if (dt > 0 && lines / dt > best)
            best = lines / dt;
        *records = recs;
    }
    return best;
}

int main(void)
{
    buf all = {0}, dl = {0};
    size_t lines, deliveries, recs_all, recs_dl;
    make_log(&all, &dl, &lines, &deliveries);
    double r_all = best_rate(&all, lines, &recs_all);
    double r_dl = best_rate(&dl, deliveries, &recs_dl);
    printf("logs: postfix log, all lines: %.0f lines/s (%.1f MB/s; %zu lines, %zu records; "
           "target 500000)\n", r_all, r_all * ((double)all.n / lines) / 1e6, lines, recs_all);
    printf("logs: postfix delivery lines only (85%% sent; failures classified): %.0f lines/s (%zu lines)\n",
           r_dl, deliveries);
    free(all.p);
    free(dl.p);
    return recs_all == deliveries ? 0 : 1;
}
