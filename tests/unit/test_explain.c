/*
 * test_explain.c - bn_verdict_explain() builds its sentences without printf;
 * this test keeps a printf reference (the sentences as the format strings
 * say them) and compares every verdict shape, cut at buffer sizes around
 * the ends and the middle, and every 16th shape at every size (the
 * snprintf contract: as much as fits, terminated, the needed length
 * returned). bn_verdict_explain_json, the text written straight into a
 * JSON record, must equal the text escaped as a whole and stay within its
 * bound, hostile verdict strings included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bounce.h"
#include "classify/classify.h"
#include "core/json.h"
#include "knowledge/knowledge.h"

typedef struct ref {
    char *buf;
    size_t size, len;
} ref;

/* rput - append with vsnprintf */
__attribute__((format(printf, 2, 3))) static void rput(ref *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* ref_codes - " (550 5.1.1, google)" */
static void ref_codes(ref *o, const bn_verdict *v)
{
    const char *sep = " (";
    if (v->replycode) {
        rput(o, "%s%d", sep, v->replycode);
        sep = " ";
    }
    if (v->status[0] && !v->status_derived) {
        rput(o, "%s%s", sep, v->status);
        sep = " ";
    }
    if (v->provider) {
        rput(o, "%s%s", sep[1] == '(' ? sep : ", ", v->provider);
        sep = " ";
    }
    if (sep[1] != '(')
        rput(o, ")");
}

/* ref_words - the reason's row in reasons.tsv for the verdict's side: a
   variant row of that fault where there is one */
static const bn_kb_reason *ref_words(const bn_verdict *v)
{
    for (int i = 0; i < BN_KB_NVARIANTS; i++)
        if (bn_kb_variants[i].reason == (int)v->reason && bn_kb_variants[i].r.fault == v->fault &&
            bn_kb_reasons[v->reason].fault != v->fault)
            return &bn_kb_variants[i].r;
    return &bn_kb_reasons[v->reason];
}

/* ref_explain - the explanation as printf writes it */
static size_t ref_explain(const bn_verdict *v, char *buf, size_t size)
{
    ref o = {buf, size, 0};
    if (buf && size)
        buf[0] = 0;
    if (v->blocklist && (v->reason == BN_REASON_BLOCKED || v->reason == BN_REASON_REJECTED)) {
        rput(&o, "The receiving server refused the mail because the sender is listed on %s; "
                 "the recipient address is probably fine.",
             v->blocklist);
        if (v->ip[0])
            rput(&o, " Check the listing of %s (bounce doctor --ip %s), request delisting, and "
                     "make sure SPF, DKIM and DMARC pass.",
                 v->ip, v->ip);
        else
            rput(&o, " Check the sending IP's listing, request delisting, and make sure SPF, "
                     "DKIM and DMARC pass.");
        return o.len;
    }
    const bn_kb_reason *r = ref_words(v);
    rput(&o, "%s", r->what);
    ref_codes(&o, v);
    if (v->hardbounce && v->permanence == BN_PERM_TRANSIENT)
        rput(&o, ". The code is temporary, so this is no proof yet (an address check in "
                 "progress, a directory the server cannot reach): a soft bounce; remove the "
                 "address if it keeps failing.");
    else
        rput(&o, ". %s", r->advice);
    if (v->ip[0] && v->fault == BN_FAULT_SENDER)
        rput(&o, " The reply names the IP %s (bounce doctor --ip %s).", v->ip, v->ip);
    if (v->retry_after >= 0)
        rput(&o, " The server asked to wait %ld seconds before retrying.", v->retry_after);
    return o.len;
}

/* compare_at - the same text and length with a buffer of size bytes */
static void compare_at(const bn_verdict *v, size_t size)
{
    char want[2048], got[2048];
    memset(want, 'X', sizeof want);
    memset(got, 'X', sizeof got);
    size_t a = ref_explain(v, size ? want : NULL, size);
    size_t b = bn_verdict_explain(v, size ? got : NULL, size);
    assert_int_equal(a, b);
    assert_memory_equal(want, got, size + 1 < sizeof want ? size + 1 : sizeof want);
}

/* compare_json - bn_verdict_explain_json writes the escaped text of
   bn_verdict_explain, within its bound, nothing past its end */
static void compare_json(const bn_verdict *v)
{
    static char text[4096], want[6 * 4096], got[6 * 4096 + 1];
    size_t n = bn_verdict_explain(v, text, sizeof text);
    assert_true(n < sizeof text);
    size_t wn = (size_t)(bn_json_escape_to(want, text, n) - want);
    size_t bound = bn_verdict_explain_json_bound(v);
    assert_true(bound < sizeof got);
    memset(got, 'X', sizeof got);
    size_t gn = (size_t)(bn_verdict_explain_json(v, got) - got);
    assert_int_equal(gn, wn);
    assert_memory_equal(got, want, wn);
    assert_true(gn <= bound);
    assert_int_equal(got[gn], 'X');
}

/* compare - the whole text and its cuts: every size when every is set,
   else the sizes around the ends and the middle */
static void compare(const bn_verdict *v, bool every)
{
    char full[2048];
    size_t n = ref_explain(v, full, sizeof full);
    assert_true(n > 0 && n < sizeof full);
    compare_json(v);
    if (every) {
        for (size_t size = 0; size <= n + 1; size++)
            compare_at(v, size);
        return;
    }
    const size_t sizes[] = {0, 1, 2, n / 2, n - 1, n, n + 1};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        compare_at(v, sizes[k]);
}

static void test_every_shape(void **state)
{
    (void)state;
    static const int codes[] = {0, 550, 421, -7};
    static const char *const statuses[] = {"", "5.1.1", "4.7.650"};
    static const long retries[] = {-1, 0, 300, LONG_MAX};
    int shapes = 0;
    for (int r = 0; r < BN_REASON_COUNT; r++)
        for (size_t c = 0; c < 4; c++)
            for (size_t s = 0; s < 3; s++)
                for (int bits = 0; bits < 128; bits++) {
                    bn_verdict v;
                    memset(&v, 0, sizeof v);
                    v.reason = (bn_reason)r;
                    /* sender, recipient, message, network: every variant
                       of reasons.tsv and the reasons' own rows */
                    static const bn_fault other[] = {BN_FAULT_RECIPIENT, BN_FAULT_MESSAGE,
                                                     BN_FAULT_NETWORK};
                    v.fault = bits & 1 ? BN_FAULT_SENDER : other[((size_t)r + s) % 3];
                    v.replycode = codes[c];
                    strcpy(v.status, statuses[s]);
                    v.status_derived = (bits & 2) != 0;
                    v.provider = bits & 4 ? "google" : NULL;
                    v.blocklist = bits & 8 ? "Spamhaus ZEN" : NULL;
                    strcpy(v.ip, bits & 16 ? "2001:db8::25" : "");
                    v.retry_after = retries[(size_t)(r + bits) % 4];
                    /* a hard reason under a temporary code ("450 4.1.1"):
                       no proof yet, its own advice */
                    v.hardbounce = (bits & 32) != 0;
                    v.permanence = bits & 64 ? BN_PERM_TRANSIENT : BN_PERM_PERMANENT;
                    compare(&v, shapes % 16 == 0);
                    shapes++;
                }
    assert_true(shapes > 1000);
}

/* The verdict's strings at their longest and full of bytes to escape
   (quotes, backslashes, controls, invalid UTF-8, a cut sequence): the JSON
   text is the escaped whole and within its bound for every reason. */
static void test_json_hostile_strings(void **state)
{
    (void)state;
    char provider[300], blocklist[300];
    for (size_t i = 0; i < sizeof provider - 1; i++) {
        provider[i] = "\"\\\x01\xff\xc3" "a"[i % 6];
        blocklist[i] = "\x1f\xe2\x82\"\n\\"[i % 6];
    }
    provider[sizeof provider - 1] = blocklist[sizeof blocklist - 1] = '\0';
    for (int r = 0; r < BN_REASON_COUNT; r++)
        for (int bits = 0; bits < 4; bits++) {
            bn_verdict v;
            memset(&v, 0, sizeof v);
            v.reason = (bn_reason)r;
            v.fault = BN_FAULT_SENDER;
            v.replycode = INT_MIN;
            v.retry_after = LONG_MIN;
            memset(v.status, bits & 1 ? '"' : '\x01', sizeof v.status - 1);
            memset(v.ip, bits & 1 ? '\x02' : '\xf0', sizeof v.ip - 1);
            v.provider = bits & 2 ? provider : "\xe2\x82";
            v.blocklist = bits & 2 ? blocklist : "\xc3";
            compare_json(&v);
        }
    bn_verdict bad;
    memset(&bad, 0, sizeof bad);
    bad.reason = (bn_reason)BN_REASON_COUNT; /* no text, like bn_verdict_explain */
    char out[4] = "XX";
    assert_ptr_equal(bn_verdict_explain_json(&bad, out), out);
    assert_int_equal(bn_verdict_explain_json_bound(&bad), 0);
}

/* The reasons' words are copied into JSON as they are: none needs escaping. */
static void test_reason_words_plain(void **state)
{
    (void)state;
    static char got[6 * 4096];
    for (int r = 0; r < BN_REASON_COUNT + BN_KB_NVARIANTS; r++) {
        const bn_kb_reason *k =
            r < BN_REASON_COUNT ? &bn_kb_reasons[r] : &bn_kb_variants[r - BN_REASON_COUNT].r;
        assert_true(k->what_len < 4096 && k->advice_len < 4096);
        assert_int_equal(bn_json_escape_to(got, k->what, k->what_len) - got, k->what_len);
        assert_memory_equal(got, k->what, k->what_len);
        assert_int_equal(bn_json_escape_to(got, k->advice, k->advice_len) - got, k->advice_len);
        assert_memory_equal(got, k->advice, k->advice_len);
    }
}

/* A known sentence, written out by hand. */
static void test_known_sentence(void **state)
{
    (void)state;
    char buf[512], want[512];
    bn_verdict v;
    memset(&v, 0, sizeof v);
    v.reason = BN_REASON_BLOCKED;
    v.blocklist = "Spamhaus ZEN";
    strcpy(v.ip, "192.0.2.1");
    size_t n = bn_verdict_explain(&v, buf, sizeof buf);
    snprintf(want, sizeof want, "%s",
             "The receiving server refused the mail because the sender is listed on Spamhaus "
             "ZEN; the recipient address is probably fine. Check the listing of 192.0.2.1 "
             "(bounce doctor --ip 192.0.2.1), request delisting, and make sure SPF, DKIM and "
             "DMARC pass.");
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

/* A user-unknown answered with a temporary code: the reason's own advice
   ("Remove the address from your list.") would be wrong, the list counts
   it as a soft bounce (docs/store.md). */
static void test_transient_hard(void **state)
{
    (void)state;
    char buf[512];
    bn_verdict v;
    memset(&v, 0, sizeof v);
    v.reason = BN_REASON_USERUNKNOWN;
    v.fault = BN_FAULT_RECIPIENT;
    v.hardbounce = true;
    v.permanence = BN_PERM_TRANSIENT;
    v.replycode = 450;
    strcpy(v.status, "4.1.1");
    v.retry_after = -1;
    bn_verdict_explain(&v, buf, sizeof buf);
    assert_non_null(strstr(buf, "no proof yet"));
    assert_null(strstr(buf, "Remove the address from your list"));
    v.permanence = BN_PERM_PERMANENT;
    v.replycode = 550;
    strcpy(v.status, "5.1.1");
    bn_verdict_explain(&v, buf, sizeof buf);
    assert_non_null(strstr(buf, "Remove the address from your list"));
}

/* The variants, by hand: a rate limit of the recipient's mailbox and an
   expiry after refusals of the sender or of the message have their own
   words and action; a side with no variant keeps the reason's own. */
static void test_variants(void **state)
{
    (void)state;
    char buf[512];
    bn_verdict v;
    static const struct {
        bn_reason r;
        bn_fault f;
        int code;
        const char *status, *want;
    } c[] = {
        {BN_REASON_RATELIMITED, BN_FAULT_RECIPIENT, 452, "4.2.1",
         "The recipient's mailbox refuses more mail for now: it has received as much as its "
         "provider allows in a period (from everyone, or from you) (452 4.2.1). The address "
         "exists and your reputation is not the cause; retry later and send to it less often; "
         "suppress the address only if it keeps refusing mail."},
        {BN_REASON_RATELIMITED, BN_FAULT_SENDER, 452, "4.2.1",
         "The receiving server throttled you for sending too much or too fast (452 4.2.1). Slow "
         "down and retry later."},
        {BN_REASON_EXPIRED, BN_FAULT_SENDER, 0, "",
         "Delivery was retried until the message expired because the receiving server kept "
         "refusing the sender (its reputation, a blocklist, TLS or authentication). The address "
         "is probably fine; fix what the last refusal names, then resend."},
        {BN_REASON_EXPIRED, BN_FAULT_MESSAGE, 0, "",
         "Delivery was retried until the message expired because the receiving server kept "
         "refusing its content, size or format. The address is probably fine; fix what the last "
         "refusal names in the message, then resend."},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        memset(&v, 0, sizeof v);
        v.reason = c[i].r;
        v.fault = c[i].f;
        v.replycode = c[i].code;
        strcpy(v.status, c[i].status);
        v.retry_after = -1;
        bn_verdict_explain(&v, buf, sizeof buf);
        assert_string_equal(buf, c[i].want);
    }
    assert_int_equal(bn_reason_action(BN_REASON_EXPIRED, BN_FAULT_SENDER), BN_ACTION_FIX_SENDER);
    assert_int_equal(bn_reason_action(BN_REASON_EXPIRED, BN_FAULT_MESSAGE), BN_ACTION_FIX_MESSAGE);
    assert_int_equal(bn_reason_action(BN_REASON_EXPIRED, BN_FAULT_NETWORK), BN_ACTION_RETRY);
    assert_int_equal(bn_reason_action(BN_REASON_EXPIRED, BN_FAULT_RECIPIENT), BN_ACTION_RETRY);
    assert_int_equal(bn_reason_action(BN_REASON_RATELIMITED, BN_FAULT_RECIPIENT), BN_ACTION_RETRY);
    assert_int_equal(bn_reason_action(BN_REASON_USERUNKNOWN, BN_FAULT_SENDER), BN_ACTION_SUPPRESS);
    assert_int_equal(bn_reason_action((bn_reason)BN_REASON_COUNT, BN_FAULT_SENDER),
                     BN_ACTION_REVIEW);
    /* no variant: the reason's own words, whatever the side */
    assert_ptr_equal(bn_kb_reason_words(BN_REASON_MAILBOXFULL, BN_FAULT_SENDER),
                     &bn_kb_reasons[BN_REASON_MAILBOXFULL]);
    assert_null(bn_kb_variant_find(BN_REASON_RATELIMITED, BN_FAULT_SENDER));
    assert_int_equal(BN_KB_NVARIANTS, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_shape),
        cmocka_unit_test(test_known_sentence),
        cmocka_unit_test(test_json_hostile_strings),
        cmocka_unit_test(test_reason_words_plain),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_transient_hard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
