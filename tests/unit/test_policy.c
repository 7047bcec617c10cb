/*
 * test_policy.c - policy settings, record classes and the history fold
 *
 * The fold cases are small histories (day offsets) with the state that the
 * documented policy gives, worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bounce.h"
#include "store/store.h"

#define DAY 86400L
#define T0 1700000000L

/* item - a history item at day d (+ seconds s) */
static bn_hist_item item(double d, bn_class c)
{
    static long long id = 0;
    bn_hist_item it = {0};
    it.time = T0 + (time_t)(d * DAY);
    it.id = ++id;
    it.cls = c;
    snprintf(it.reason, sizeof it.reason, "%s", bn_class_name(c));
    return it;
}

/* manual_item - a person's action at day d */
static bn_hist_item manual_item(double d, bool unsuppress, time_t until)
{
    bn_hist_item it = item(d, BN_CLASS_MANUAL);
    it.unsuppress = unsuppress;
    it.until = until;
    return it;
}

/* fold_at - fold under the defaults, "now" at day now_d */
static bn_fold fold_at(const bn_hist_item *v, size_t n, double now_d)
{
    bn_policy p;
    bn_fold f;
    bn_policy_init(&p);
    bn_policy_fold(&p, v, n, T0 + (time_t)(now_d * DAY), &f);
    return f;
}

/* test_hard_and_complaint - at once, for good */
static void test_hard_and_complaint(void **state)
{
    (void)state;
    bn_hist_item v[] = {item(0, BN_CLASS_HARD)};
    bn_fold f = fold_at(v, 1, 1000);
    assert_true(f.suppressed);
    assert_int_equal(f.kind, BN_CLASS_HARD);
    assert_int_equal(f.until, 0);
    assert_int_equal(f.since, T0);
    bn_hist_item w[] = {item(0, BN_CLASS_COMPLAINT), item(1, BN_CLASS_DELIVERY)};
    f = fold_at(w, 2, 2);
    assert_true(f.suppressed); /* a delivery does not lift a permanent entry */
    assert_int_equal(f.kind, BN_CLASS_COMPLAINT);
}

/* test_soft_threshold - 3 within 15 days suppress for 30 days */
static void test_soft_threshold(void **state)
{
    (void)state;
    bn_hist_item two[] = {item(0, BN_CLASS_SOFT), item(5, BN_CLASS_SOFT)};
    assert_false(fold_at(two, 2, 6).suppressed);
    bn_hist_item three[] = {item(0, BN_CLASS_SOFT), item(5, BN_CLASS_SOFT),
                            item(10, BN_CLASS_SOFT)};
    bn_fold f = fold_at(three, 3, 11);
    assert_true(f.suppressed);
    assert_int_equal(f.kind, BN_CLASS_SOFT);
    assert_int_equal(f.soft_count, 3);
    assert_int_equal(f.since, T0 + 10 * DAY);
    assert_int_equal(f.until, T0 + 40 * DAY); /* third + 30 days */
    assert_false(fold_at(three, 3, 40).suppressed); /* expired */
    /* spread over more than 15 days: days 0, 10, 16: day 0 left the window */
    bn_hist_item spread[] = {item(0, BN_CLASS_SOFT), item(10, BN_CLASS_SOFT),
                             item(16, BN_CLASS_SOFT)};
    assert_false(fold_at(spread, 3, 17).suppressed);
    /* exactly 15 days apart: (t - 15d, t] excludes day 0 */
    bn_hist_item edge[] = {item(0, BN_CLASS_SOFT), item(7, BN_CLASS_SOFT),
                           item(15, BN_CLASS_SOFT)};
    assert_false(fold_at(edge, 3, 16).suppressed);
}

/* test_delivery_resets - a delivery resets the count and lifts soft entries */
static void test_delivery_resets(void **state)
{
    (void)state;
    bn_hist_item v[] = {item(0, BN_CLASS_SOFT), item(1, BN_CLASS_SOFT),
                        item(2, BN_CLASS_DELIVERY), item(3, BN_CLASS_SOFT)};
    assert_false(fold_at(v, 4, 4).suppressed);
    bn_hist_item w[] = {item(0, BN_CLASS_SOFT), item(1, BN_CLASS_SOFT),
                        item(2, BN_CLASS_SOFT), item(3, BN_CLASS_DELIVERY)};
    assert_false(fold_at(w, 4, 4).suppressed);
    bn_hist_item x[] = {item(0, BN_CLASS_SOFT), item(1, BN_CLASS_SOFT),
                        item(2, BN_CLASS_DELIVERY), item(3, BN_CLASS_SOFT),
                        item(4, BN_CLASS_SOFT), item(5, BN_CLASS_SOFT)};
    bn_fold f = fold_at(x, 6, 6);
    assert_true(f.suppressed);
    assert_int_equal(f.soft_count, 3);
}

/* test_suspend - suppressed at once, 90 days */
static void test_suspend(void **state)
{
    (void)state;
    bn_hist_item v[] = {item(0, BN_CLASS_SUSPEND)};
    bn_fold f = fold_at(v, 1, 1);
    assert_true(f.suppressed);
    assert_int_equal(f.kind, BN_CLASS_SUSPEND);
    assert_int_equal(f.until, T0 + 90 * DAY);
    assert_false(fold_at(v, 1, 90).suppressed);
    /* a hard bounce during a suspension makes it permanent */
    bn_hist_item w[] = {item(0, BN_CLASS_SUSPEND), item(1, BN_CLASS_HARD)};
    f = fold_at(w, 2, 200);
    assert_true(f.suppressed);
    assert_int_equal(f.until, 0);
    /* a soft suppression never shortens a longer one */
    bn_hist_item x[] = {item(0, BN_CLASS_SUSPEND), item(1, BN_CLASS_SOFT),
                        item(2, BN_CLASS_SOFT), item(3, BN_CLASS_SOFT)};
    f = fold_at(x, 4, 4);
    assert_int_equal(f.until, T0 + 90 * DAY);
}

/* test_manual - people's decisions are history, in time order */
static void test_manual(void **state)
{
    (void)state;
    /* hard, then unsuppressed: deliverable */
    bn_hist_item v[] = {item(0, BN_CLASS_HARD), manual_item(1, true, 0)};
    assert_false(fold_at(v, 2, 2).suppressed);
    /* ...and a new hard bounce after that suppresses again */
    bn_hist_item w[] = {item(0, BN_CLASS_HARD), manual_item(1, true, 0),
                        item(2, BN_CLASS_HARD)};
    assert_true(fold_at(w, 3, 3).suppressed);
    /* unsuppress resets the soft count */
    bn_hist_item x[] = {item(0, BN_CLASS_SOFT), item(1, BN_CLASS_SOFT),
                        manual_item(2, true, 0), item(3, BN_CLASS_SOFT)};
    assert_false(fold_at(x, 4, 4).suppressed);
    /* manual suppression with an expiry */
    bn_hist_item y[] = {manual_item(0, false, T0 + 10 * DAY)};
    bn_fold f = fold_at(y, 1, 5);
    assert_true(f.suppressed);
    assert_int_equal(f.kind, BN_CLASS_MANUAL);
    assert_false(fold_at(y, 1, 10).suppressed);
}

/* record - a record with a reason, status and flags */
static bn_record record(bn_reason r, const char *status, bool hard, bn_permanence p)
{
    bn_record rec;
    memset(&rec, 0, sizeof rec);
    rec.verdict.reason = r;
    rec.verdict.hardbounce = hard;
    rec.verdict.permanence = p;
    snprintf(rec.verdict.status, sizeof rec.verdict.status, "%s", status);
    return rec;
}

/* test_classify - the documented classes */
static void test_classify(void **state)
{
    (void)state;
    bn_policy p;
    bn_policy_init(&p);
    struct { bn_reason r; const char *st; bool hard; bn_permanence perm; bn_class want; } c[] = {
        {BN_REASON_USERUNKNOWN, "5.1.1", true, BN_PERM_PERMANENT, BN_CLASS_HARD},
        {BN_REASON_USERUNKNOWN, "4.1.1", false, BN_PERM_TRANSIENT, BN_CLASS_SOFT},
        /* as the classifier gives it: hardbounce by the reason's convention,
           but a 4xx is no proof yet (docs/store.md) */
        {BN_REASON_USERUNKNOWN, "4.1.1", true, BN_PERM_TRANSIENT, BN_CLASS_SOFT},
        {BN_REASON_HOSTUNKNOWN, "4.1.2", true, BN_PERM_TRANSIENT, BN_CLASS_SOFT},
        {BN_REASON_MAILBOXFULL, "4.2.2", false, BN_PERM_TRANSIENT, BN_CLASS_SOFT},
        {BN_REASON_MAILBOXFULL, "5.2.2", true, BN_PERM_PERMANENT, BN_CLASS_HARD},
        {BN_REASON_SUSPEND, "5.2.1", false, BN_PERM_PERMANENT, BN_CLASS_SUSPEND},
        {BN_REASON_FILTERED, "5.2.1", false, BN_PERM_PERMANENT, BN_CLASS_SUSPEND},
        {BN_REASON_BLOCKED, "5.7.1", false, BN_PERM_PERMANENT, BN_CLASS_SENDER},
        {BN_REASON_AUTHFAILURE, "5.7.26", false, BN_PERM_PERMANENT, BN_CLASS_SENDER},
        {BN_REASON_SPAMDETECTED, "5.7.1", false, BN_PERM_PERMANENT, BN_CLASS_SENDER},
        {BN_REASON_EMAILTOOLARGE, "5.3.4", false, BN_PERM_PERMANENT, BN_CLASS_MESSAGE},
        {BN_REASON_VACATION, "", false, BN_PERM_UNKNOWN, BN_CLASS_IGNORE},
        {BN_REASON_DELIVERED, "2.0.0", false, BN_PERM_UNKNOWN, BN_CLASS_DELIVERY},
        {BN_REASON_UNDEFINED, "5.0.0", false, BN_PERM_PERMANENT, BN_CLASS_SOFT},
        {BN_REASON_ONHOLD, "", false, BN_PERM_UNKNOWN, BN_CLASS_SOFT},
        {BN_REASON_FEEDBACK, "", false, BN_PERM_UNKNOWN, BN_CLASS_COMPLAINT},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        bn_record r = record(c[i].r, c[i].st, c[i].hard, c[i].perm);
        bn_class got = bn_policy_classify(&p, &r);
        if (got != c[i].want)
            fail_msg("case %zu (%s): class %s, want %s", i, bn_reason_name(c[i].r),
                     bn_class_name(got), bn_class_name(c[i].want));
    }
    /* an expiry counts against the address only when the retries did not
       fail on the sender's side or on the message's */
    struct { bn_fault f; bn_class want; } ex[] = {
        {BN_FAULT_SENDER, BN_CLASS_SENDER}, {BN_FAULT_NETWORK, BN_CLASS_SOFT},
        {BN_FAULT_RECIPIENT, BN_CLASS_SOFT}, {BN_FAULT_UNKNOWN, BN_CLASS_SOFT},
        {BN_FAULT_MESSAGE, BN_CLASS_MESSAGE}, {BN_FAULT_REMOTE_SYSTEM, BN_CLASS_SOFT},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        bn_record e = record(BN_REASON_EXPIRED, "4.7.0", false, BN_PERM_TRANSIENT);
        e.verdict.fault = ex[i].f;
        assert_int_equal(bn_policy_classify(&p, &e), ex[i].want);
    }
    /* a rate limit: the sender's (its IP, its volume) never counts against
       the address; the recipient mailbox's does, as a soft bounce: a mailbox
       over its receiving rate is not disabled, whatever X.2.1 says */
    struct { const char *st; bn_fault f; bn_class want; } rl[] = {
        {"4.7.0", BN_FAULT_SENDER, BN_CLASS_SENDER}, {"5.4.5", BN_FAULT_SENDER, BN_CLASS_SENDER},
        {"4.2.1", BN_FAULT_RECIPIENT, BN_CLASS_SOFT},
        {"5.2.122", BN_FAULT_RECIPIENT, BN_CLASS_SOFT},
        {"5.2.1", BN_FAULT_RECIPIENT, BN_CLASS_SOFT},
    };
    for (size_t i = 0; i < sizeof rl / sizeof rl[0]; i++) {
        bn_record e = record(BN_REASON_RATELIMITED, rl[i].st, false, BN_PERM_TRANSIENT);
        e.verdict.fault = rl[i].f;
        if (bn_policy_classify(&p, &e) != rl[i].want)
            fail_msg("ratelimited %s: class %s, want %s", rl[i].st,
                     bn_class_name(bn_policy_classify(&p, &e)), bn_class_name(rl[i].want));
    }
    /* a class the policy sets for a reason is kept as set: neither the
       transient rule nor hardbounce overrides it */
    bn_record mf = record(BN_REASON_MAILBOXFULL, "4.2.2", false, BN_PERM_TRANSIENT);
    p.reason_class[BN_REASON_MAILBOXFULL] = BN_CLASS_HARD;
    assert_int_equal(bn_policy_classify(&p, &mf), BN_CLASS_HARD);
    bn_record uu = record(BN_REASON_USERUNKNOWN, "5.1.1", true, BN_PERM_PERMANENT);
    p.reason_class[BN_REASON_USERUNKNOWN] = BN_CLASS_SOFT;
    assert_int_equal(bn_policy_classify(&p, &uu), BN_CLASS_SOFT);
    bn_policy_init(&p);
    bn_record bl = record(BN_REASON_BLOCKED, "5.7.1", false, BN_PERM_PERMANENT);
    bl.verdict.fault = BN_FAULT_SENDER;
    p.reason_class[BN_REASON_BLOCKED] = BN_CLASS_SOFT; /* a policy's own choice stays */
    assert_int_equal(bn_policy_classify(&p, &bl), BN_CLASS_SOFT);
    bn_policy_init(&p);
    bn_record r = record(BN_REASON_FEEDBACK, "", false, BN_PERM_UNKNOWN);
    r.feedback_type = (bn_str){"not-spam", 8};
    assert_int_equal(bn_policy_classify(&p, &r), BN_CLASS_IGNORE);
    r.feedback_type = (bn_str){"auth-failure", 12};
    assert_int_equal(bn_policy_classify(&p, &r), BN_CLASS_SENDER);
    r = record(BN_REASON_EXPIRED, "4.4.7", false, BN_PERM_TRANSIENT);
    r.dsn_action = (bn_str){"delayed", 7};
    assert_int_equal(bn_policy_classify(&p, &r), BN_CLASS_IGNORE);
    char err[256];
    assert_int_equal(bn_policy_set(&p, "unknown", "ignore", err, sizeof err), BN_OK);
    r = record(BN_REASON_UNDEFINED, "5.0.0", false, BN_PERM_PERMANENT);
    assert_int_equal(bn_policy_classify(&p, &r), BN_CLASS_IGNORE);
}

/* test_settings - set, format, parse back; bad values named */
static void test_settings(void **state)
{
    (void)state;
    bn_policy p, q;
    char err[256], text[4096];
    bn_policy_init(&p);
    assert_int_equal(bn_policy_set(&p, "soft_threshold", "5", err, sizeof err), BN_OK);
    assert_int_equal(bn_policy_set(&p, "soft_window", "2w", err, sizeof err), BN_OK);
    assert_int_equal(bn_policy_set(&p, "reason.blocked", "hard", err, sizeof err), BN_OK);
    assert_int_equal(bn_policy_set(&p, "local_case_sensitive", "yes", err, sizeof err), BN_OK);
    assert_int_equal(p.soft_window, 14 * DAY);
    bn_policy_format(&p, text, sizeof text);
    bn_policy_init(&q);
    assert_int_equal(bn_policy_parse_text(&q, text, err, sizeof err), BN_OK);
    assert_true(bn_policy_equal(&p, &q));
    assert_int_equal(bn_policy_set(&p, "soft_threshold", "0", err, sizeof err), BN_EINVAL);
    assert_int_equal(bn_policy_set(&p, "soft_window", "15x", err, sizeof err), BN_EINVAL);
    assert_int_equal(bn_policy_set(&p, "reason.nosuch", "hard", err, sizeof err), BN_EINVAL);
    assert_non_null(strstr(err, "nosuch"));
    assert_int_equal(bn_policy_set(&p, "reason.blocked", "manual", err, sizeof err), BN_EINVAL);
    assert_int_equal(bn_policy_set(&p, "colour", "blue", err, sizeof err), BN_EINVAL);
    assert_non_null(strstr(err, "colour"));
}

/* test_load_file - a config file with comments; errors name file and line */
static void test_load_file(void **state)
{
    (void)state;
    const char *path = BN_BINARY_DIR "/test_policy.conf";
    FILE *f = fopen(path, "w");
    bn_policy p;
    char err[512];
    assert_non_null(f);
    fputs("# list hygiene\n\nsoft_threshold = 4\n  soft_expiry=7d  \nunknown = ignore\n", f);
    fclose(f);
    bn_policy_init(&p);
    assert_int_equal(bn_policy_load(&p, path, err, sizeof err), BN_OK);
    assert_int_equal(p.soft_threshold, 4);
    assert_int_equal(p.soft_expiry, 7 * DAY);
    assert_int_equal(p.reason_class[BN_REASON_ONHOLD], BN_CLASS_IGNORE);
    f = fopen(path, "w");
    fputs("soft_threshold = 4\nsoft_window\n", f);
    fclose(f);
    assert_int_equal(bn_policy_load(&p, path, err, sizeof err), BN_EINVAL);
    assert_non_null(strstr(err, ":2:"));
    remove(path);
}

/* test_times - durations and dates */
static void test_times(void **state)
{
    (void)state;
    long d;
    time_t t;
    assert_int_equal(bn_parse_duration(&d, "90"), BN_OK);
    assert_int_equal(d, 90);
    assert_int_equal(bn_parse_duration(&d, "12h"), BN_OK);
    assert_int_equal(d, 12 * 3600);
    assert_int_equal(bn_parse_duration(&d, "-1"), BN_EINVAL);
    assert_int_equal(bn_parse_duration(&d, "5dd"), BN_EINVAL);
    assert_int_equal(bn_parse_time(&t, "2026-11-30", 0), BN_OK);
    assert_int_equal(t, 1795996800L); /* date -u -d 2026-11-30 +%s */
    assert_int_equal(bn_parse_time(&t, "2026-11-30T12:00:00Z", 0), BN_OK);
    assert_int_equal(t, 1795996800L + 12 * 3600);
    assert_int_equal(bn_parse_time(&t, "24h", 1000000), BN_OK);
    assert_int_equal(t, 1000000 - 86400);
    assert_int_equal(bn_parse_time(&t, "all", 5), BN_OK);
    assert_int_equal(t, 0);
    assert_int_equal(bn_parse_time(&t, "2026-02-30", 0), BN_EINVAL);
    assert_int_equal(bn_parse_time(&t, "2026-13-01", 0), BN_EINVAL);
    assert_int_equal(bn_parse_time(&t, "yesterday", 0), BN_EINVAL);
    assert_int_equal(bn_parse_time(&t, "2026-11-30T25:00", 0), BN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hard_and_complaint),
        cmocka_unit_test(test_soft_threshold),
        cmocka_unit_test(test_delivery_resets),
        cmocka_unit_test(test_suspend),
        cmocka_unit_test(test_manual),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
