/*
 * fuzz_parse.c - the whole pipeline: message, extraction (every decoder and
 * bounce format), classification and both JSON outputs
 *
 * Input: arbitrary bytes as one message, parsed by one long-lived parser
 * (as the CLI does for every message of an mbox). Invariants: no crash, no
 * read outside the input (copied to an exact-size heap buffer), the result
 * is BN_OK or BN_EFORMAT, the record count respects max_recipients, every
 * record carries its evidence (format, rule, reason_src, and recipient_src,
 * which is "none" exactly when the recipient is empty), both JSON forms are
 * one valid UTF-8 object with no raw control byte and come out the same
 * from a buffer of the size they asked for, and parsing the same bytes
 * again gives the same JSON (no state leaks between messages). The parser
 * lives as long as the process, on purpose: it is still reachable at exit,
 * so LeakSanitizer does not count it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "message/message.h" /* bn_utf8_valid */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RCPTS 50
#define JSON_MAX (1u << 20)

/* check_json - one object, valid UTF-8, no raw byte below 0x20 */
static void check_json(const char *s, size_t n)
{
    if (n < 2 || s[0] != '{' || s[n - 1] != '}' || !bn_utf8_valid(s, n))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            abort();
}

typedef size_t (*json_fn)(const bn_record *, const char *, char *, size_t);

/* json_of - the record through fn, checked; a malloc'd copy, NULL if too big */
static char *json_of(json_fn fn, const bn_record *r, size_t *len)
{
    static char buf[JSON_MAX];
    size_t need = fn(r, "fuzz", buf, sizeof buf);
    if (need >= sizeof buf)
        return NULL;
    check_json(buf, need);
    char *exact = malloc(need + 1);
    if (!exact)
        return NULL;
    if (fn(r, "fuzz", exact, need + 1) != need || memcmp(exact, buf, need) != 0)
        abort();
    *len = need;
    return exact;
}

/* check_record - the evidence every record carries: an empty recipient
   only when its source says "none" (a bounce whose recipient is unknown
   still yields its record), a non-empty one always with its source */
static void check_record(const bn_record *r)
{
    if (!r->recipient_src || !*r->recipient_src ||
        (r->recipient.n == 0) != (strcmp(r->recipient_src, "none") == 0))
        abort();
    if (!r->format || !*r->format || !r->verdict.rule || !*r->verdict.rule || !r->reason_src ||
        !*r->reason_src)
        abort();
}

/* parse_all - parse buf and return the records' JSON lines joined, checked */
static char *parse_all(bn_parser *p, const char *buf, size_t size, size_t *out_len)
{
    const bn_record *recs = NULL;
    size_t count = 0, total = 0;
    int rc = bn_parse(p, buf, size, &recs, &count);
    if (rc != BN_OK && rc != BN_EFORMAT)
        abort();
    if (rc == BN_EFORMAT && count != 0)
        abort();
    if (count > MAX_RCPTS)
        abort();
    char *all = malloc(1);
    for (size_t i = 0; all && i < count; i++) {
        check_record(&recs[i]);
        size_t n = 0, m = 0;
        char *a = json_of(bn_record_json, &recs[i], &n);
        char *b = json_of(bn_record_sisimai_json, &recs[i], &m);
        char *grown = a ? realloc(all, total + n + 1) : NULL;
        if (grown) {
            all = grown;
            memcpy(all + total, a, n);
            total += n;
            all[total++] = '\n';
        }
        free(a);
        free(b);
    }
    *out_len = total;
    return all;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bn_parser *p;
    if (!p) {
        bn_parse_opts o = BN_PARSE_OPTS_INIT;
        o.max_recipients = MAX_RCPTS; /* small limits so the fuzzer reaches them */
        o.max_mime_parts = 64;
        o.max_mime_depth = 8;
        o.max_headers = 128;
        o.max_decoded = 1 << 18;
        if (bn_parser_new(&p, &o) != BN_OK)
            abort();
    }
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    size_t n1 = 0, n2 = 0;
    char *first = parse_all(p, buf, size, &n1);
    char *again = parse_all(p, buf, size, &n2);
    if (first && again && (n1 != n2 || memcmp(first, again, n1) != 0))
        abort();
    free(first);
    free(again);
    free(buf);
    return 0;
}
