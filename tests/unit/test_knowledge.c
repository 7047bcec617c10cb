/*
 * test_knowledge.c - every row of every generated table is reachable through
 * the lookups and the classifier, and the tables are sane (unique rule ids,
 * valid reasons, a meaning everywhere)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "knowledge/knowledge.h"

/* classify - classifier over literal fields */
static bn_verdict classify(int code, const char *status, const char *text)
{
    bn_reply in = {0};
    bn_verdict v;
    in.replycode = code;
    in.status = status;
    in.status_len = status ? strlen(status) : 0;
    in.text = text;
    in.text_len = text ? strlen(text) : 0;
    bn_classify(&v, &in);
    return v;
}

static void test_reasons(void **state)
{
    (void)state;
    for (int r = 0; r < BN_REASON_COUNT; r++) {
        assert_true(strlen(bn_kb_reasons[r].what) > 10);
        assert_true(strlen(bn_kb_reasons[r].advice) > 5);
        /* explain.c copies what and advice by these lengths */
        assert_int_equal(bn_kb_reasons[r].what_len, strlen(bn_kb_reasons[r].what));
        assert_int_equal(bn_kb_reasons[r].advice_len, strlen(bn_kb_reasons[r].advice));
        assert_true(bn_kb_reasons[r].fault <= BN_FAULT_NONE);
        assert_true(bn_kb_reasons[r].action <= BN_ACTION_NONE);
    }
    /* the hard-bounce reasons are the recipient's, and suppress */
    assert_int_equal(bn_kb_reasons[BN_REASON_USERUNKNOWN].action, BN_ACTION_SUPPRESS);
    assert_int_equal(bn_kb_reasons[BN_REASON_BLOCKED].fault, BN_FAULT_SENDER);
}

static void test_reply_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < BN_KB_NREPLIES; i++) {
        const bn_kb_reply *r = &bn_kb_replies[i];
        assert_ptr_equal(bn_replycode_meaning(r->code), r->meaning);
        assert_true(r->reason < BN_REASON_COUNT);
        if (r->code >= 300 && r->code < 400)
            continue;
        bn_verdict v = classify(r->code, NULL, NULL);
        assert_int_equal(v.replycode, r->code);
        if (r->reason >= 0) {
            assert_int_equal(v.reason, r->reason);
            assert_string_equal(v.rule, r->rule);
        } else {
            /* a code that decides nothing must not pretend to */
            assert_int_equal(v.reason, BN_REASON_ONHOLD);
            assert_int_equal(v.action, r->code / 100 == 4 ? BN_ACTION_RETRY : BN_ACTION_REVIEW);
        }
    }
    assert_null(bn_replycode_meaning(299));
    assert_null(bn_replycode_meaning(0));
    assert_non_null(bn_replycode_meaning(550));
}

/* status_text - "5.s.d" for a row and a class */
static void status_text(char *buf, size_t n, int cls, const bn_kb_status *r)
{
    snprintf(buf, n, "%d.%d.%d", cls, r->subject, r->detail);
}

/* check_status_row - one registry row through lookup and classifier */
static void check_status_row(const bn_kb_status *r, int cls)
{
    char s[BN_STATUS_MAX];
    status_text(s, sizeof s, cls, r);
    assert_ptr_equal(bn_status_meaning(s, strlen(s)), r->meaning);
    bn_status_code sc;
    assert_true(bn_status_parse(s, strlen(s), &sc));
    assert_ptr_equal(bn_kb_status_find(&sc), r);
    bn_verdict v = classify(0, s, NULL);
    assert_string_equal(v.status, s);
    assert_false(v.status_derived);
    if (r->reason >= 0 && r->strength > 0) {
        assert_int_equal(v.reason, r->reason);
        assert_string_equal(v.rule, r->rule);
    } else {
        assert_int_equal(v.reason, BN_REASON_ONHOLD);
    }
    if (r->perm == 2 || cls == 4)
        assert_int_equal(v.permanence, BN_PERM_TRANSIENT);
    else
        assert_int_equal(v.permanence, BN_PERM_PERMANENT);
}

static void test_status_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < BN_KB_NSTATUSES; i++) {
        const bn_kb_status *r = &bn_kb_statuses[i];
        assert_true(r->reason < BN_REASON_COUNT);
        assert_true(strlen(r->meaning) > 5);
        if (r->cls == 'X' || r->cls == '4')
            check_status_row(r, 4);
        if (r->cls == 'X' || r->cls == '5')
            check_status_row(r, 5);
    }
    /* unregistered details are accepted and mean their subject */
    const char *u = "5.7.999";
    assert_non_null(bn_status_meaning(u, strlen(u)));
    bn_verdict v = classify(0, u, NULL);
    assert_string_equal(v.status, "5.7.999");
    assert_int_equal(v.permanence, BN_PERM_PERMANENT);
    assert_null(bn_status_meaning("6.1.1", 5));
    assert_null(bn_status_meaning("5.1", 3));
    assert_null(bn_status_meaning("5.1.1x", 6));
    assert_null(bn_status_meaning(NULL, 0));
    assert_non_null(bn_status_meaning("2.0.0", 5));
}

/* host_of - a host row of the provider, to identify it in a text */
static const char *host_of(const char *provider)
{
    for (size_t i = 0; i < BN_KB_NPROVIDERS; i++)
        if (bn_kb_providers[i].kind == BN_PK_HOST &&
            strcmp(bn_kb_providers[i].provider, provider) == 0)
            return bn_kb_providers[i].key;
    return NULL;
}

/* check_provider_text_row - a host or marker row found in a text */
static void check_provider_text_row(const bn_kb_provider *r)
{
    char text[512];
    snprintf(text, sizeof text, "550 refused by %s now", r->key);
    bn_verdict v = classify(0, NULL, text);
    assert_non_null(v.provider);
    assert_string_equal(v.provider, r->provider);
    if (r->kind == BN_PK_MARKER) {
        assert_string_equal(v.rule, r->rule);
        assert_int_equal(v.reason, r->reason);
    }
}

/* check_provider_wording_row - decides under its provider's host, nothing alone */
static void check_provider_wording_row(const bn_kb_provider *r)
{
    char text[512];
    const char *host = host_of(r->provider);
    assert_non_null(host);
    snprintf(text, sizeof text, "mx.%s said: %s", host, r->key);
    bn_verdict v = classify(0, NULL, text);
    assert_string_equal(v.rule, r->rule);
    assert_int_equal(v.reason, r->reason);
    assert_string_equal(v.provider, r->provider);
    snprintf(text, sizeof text, "mx.example.org said: %s", r->key);
    v = classify(0, NULL, text);
    assert_string_not_equal(v.rule, r->rule);
    assert_null(v.provider);
}

/* check_provider_status_row - a status row under its provider, a gstatus row alone */
static void check_provider_status_row(const bn_kb_provider *r)
{
    char text[512];
    const char *host = host_of(r->provider);
    snprintf(text, sizeof text, "refused (see %s)", r->kind == BN_PK_STATUS && host ? host : "x");
    bn_verdict v = classify(0, r->key, text);
    assert_string_equal(v.rule, r->rule);
    assert_int_equal(v.reason, r->reason);
    assert_string_equal(v.provider, r->provider);
}

static void test_provider_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < BN_KB_NPROVIDERS; i++) {
        const bn_kb_provider *r = &bn_kb_providers[i];
        const char *prov = NULL;
        const char *m = bn_provider_meaning(r->key, strlen(r->key), &prov);
        assert_non_null(m);
        if (r->kind == BN_PK_STATUS || r->kind == BN_PK_GSTATUS) {
            /* a registered code means what the registry says; a provider-only
               code means what its provider says */
            bn_status_code sc;
            assert_true(bn_status_parse(r->key, strlen(r->key), &sc));
            const bn_kb_status *reg = bn_kb_status_find(&sc);
            if (reg) {
                assert_ptr_equal(m, reg->meaning);
                assert_null(prov);
            } else {
                assert_non_null(prov);
            }
            assert_true(r->kind == BN_PK_GSTATUS || host_of(r->provider) != NULL);
            check_provider_status_row(r);
        } else if (r->kind == BN_PK_WORDING) {
            assert_ptr_equal(m, r->meaning);
            check_provider_wording_row(r);
        } else {
            assert_ptr_equal(m, r->meaning);
            check_provider_text_row(r);
        }
    }
    const char *prov = NULL;
    /* 5.7.1 is read differently by Google, Yahoo and others: without a
       provider it means what RFC 3463 says */
    const char *m71 = bn_provider_meaning("5.7.1", 5, &prov);
    assert_non_null(m71);
    assert_null(prov);
    assert_string_equal(m71, bn_status_meaning("5.7.1", 5));
    assert_non_null(bn_provider_meaning("5.7.606", 7, &prov));
    assert_string_equal(prov, "Microsoft");
    assert_null(bn_provider_meaning("5.7.999", 7, &prov));
    assert_non_null(bn_provider_meaning("TSS04", 5, &prov));
    assert_string_equal(prov, "Yahoo");
    assert_non_null(bn_provider_meaning("s3150", 5, &prov));
    assert_string_equal(prov, "Microsoft");
    assert_null(bn_provider_meaning("NOPE123", 7, &prov));
    assert_null(bn_provider_meaning(NULL, 0, NULL));
}

static void test_host_boundaries(void **state)
{
    (void)state;
    /* a provider's domain inside another name does not identify it */
    bn_verdict v = classify(0, NULL, "550 rejected by mx.welcome.com");
    assert_null(v.provider);
    v = classify(0, NULL, "554 st11p00im-smtpin013.me.com ESMTP not accepting connections");
    assert_string_equal(v.provider, "Apple");
}

static void test_blocklist_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < BN_KB_NBLOCKLISTS; i++) {
        const bn_kb_blocklist *r = &bn_kb_blocklists[i];
        char text[512];
        snprintf(text, sizeof text, "554 5.7.1 Service unavailable; [192.0.2.4] %s", r->marker);
        bn_verdict v = classify(0, NULL, text);
        assert_non_null(v.blocklist);
        assert_string_equal(v.blocklist, r->name);
        assert_string_equal(v.rule, r->rule);
        assert_int_equal(v.reason, BN_REASON_BLOCKED);
        assert_false(v.hardbounce);
        assert_string_equal(v.ip, "192.0.2.4");
    }
}

/* check_phrase_row - the phrase alone yields its reason (maybe via a sibling row) */
static int check_phrase_row(size_t i)
{
    const bn_kb_phrase *r = &bn_kb_phrases[i];
    bn_reply in = {0};
    bn_verdict v;
    in.text = r->text;
    in.text_len = strlen(r->text);
    in.command = "RCPT"; /* the stage where every phrase keeps its own reason */
    in.command_len = 4;
    bn_classify(&v, &in);
    if (r->flags & BN_PF_RETRY) {
        char text[256];
        snprintf(text, sizeof text, "451 %s 5 minutes", r->text);
        v = classify(0, NULL, text);
        if (v.retry_after != 300) {
            fprintf(stderr, "%s: retry marker gives %ld\n", r->rule, v.retry_after);
            return 1;
        }
        return 0;
    }
    if (r->flags & BN_PF_FAILURE) {
        if (v.reason != BN_REASON_ONHOLD) {
            fprintf(stderr, "%s: failure wording gives %s\n", r->rule, bn_reason_name(v.reason));
            return 1;
        }
        return 0;
    }
    if (r->reason < 0) {
        if (v.permanence != BN_PERM_TRANSIENT) {
            fprintf(stderr, "%s: hint not transient\n", r->rule);
            return 1;
        }
        return 0;
    }
    if ((int)v.reason != r->reason) {
        fprintf(stderr, "%s: '%s' gives %s by %s\n", r->rule, r->text,
                bn_reason_name(v.reason), v.rule);
        return 1;
    }
    return 0;
}

static void test_phrase_rows(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < BN_KB_NPHRASES; i++) {
        assert_true(bn_kb_phrases[i].reason < BN_REASON_COUNT);
        assert_true(bn_kb_phrases[i].prio <= 9);
        bad += check_phrase_row(i);
    }
    assert_true(BN_KB_NPHRASES >= 400);
    assert_int_equal(bad, 0);
}

/* classify_rcpt - a text answered at RCPT (phrases keep their own reason there) */
static bn_verdict classify_rcpt(const char *text)
{
    bn_reply in = {0};
    bn_verdict v;
    in.text = text;
    in.text_len = strlen(text);
    in.command = "RCPT";
    in.command_len = 4;
    bn_classify(&v, &in);
    return v;
}

static void test_phrase_matching(void **state)
{
    (void)state;
    /* case folding and whitespace runs */
    bn_verdict v = classify_rcpt("USER\t\t  UNKNOWN");
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
    /* word-flag phrases need word boundaries: "spam" is not in "spamassassinx"... */
    v = classify(0, NULL, "antispamming gateway says no");
    assert_int_not_equal(v.reason, BN_REASON_SPAMDETECTED);
    v = classify(0, NULL, "rejected: spam");
    assert_int_equal(v.reason, BN_REASON_SPAMDETECTED);
    /* non-English phrases */
    v = classify_rcpt("550 Benutzer unbekannt");
    assert_int_equal(v.reason, BN_REASON_USERUNKNOWN);
    v = classify(0, NULL, "552 Postfach voll");
    assert_int_equal(v.reason, BN_REASON_MAILBOXFULL);
}

/* cmp_str - qsort comparator for rule ids */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* phrase_row - the phrase row with this rule id, -1 when none */
static int phrase_row(const char *rule)
{
    for (int i = 0; i < BN_KB_NPHRASES; i++)
        if (strcmp(bn_kb_phrases[i].rule, rule) == 0)
            return i;
    return -1;
}

/* scan_padded - scan "<pre x's> <phrase> <post y's>" (normalised form) */
static bn_kb_hits scan_padded(size_t pre, const char *phrase, size_t post)
{
    static unsigned char buf[1024];
    size_t n = 0, pl = strlen(phrase);
    assert_true(pre + pl + post + 2 <= sizeof buf);
    memset(buf, 'x', pre);
    n = pre;
    buf[n++] = ' ';
    memcpy(buf + n, phrase, pl);
    n += pl;
    buf[n++] = ' ';
    memset(buf + n, 'y', post);
    n += post;
    bn_kb_hits h;
    bn_kb_scan(buf, n, &h);
    return h;
}

/*
 * Long texts are scanned as two halves at once, the second speculating on
 * its start state: every position of a phrase relative to the midpoint, a
 * long phrase that leaves the automaton deep at the midpoint (the
 * speculation fails and the second half is redone), and more second-half
 * matches than are held back, must give what one sequential scan gives.
 */
static void test_split_scan(void **state)
{
    (void)state;
    const char *deep = "all relevant mx records point to non-existent hosts";
    int row_deep = phrase_row("phrase.hostunknown.all-relevant-mx-records-point-to-non-exi");
    int row_full = phrase_row("phrase.mailboxfull.mailbox-is-full");
    assert_true(row_deep >= 0 && row_full >= 0);
    for (size_t pre = 0; pre < 300; pre += 7) {
        bn_kb_hits h = scan_padded(pre, "mailbox is full", 300 - pre);
        assert_int_equal(h.phrase, row_full);
        h = scan_padded(pre, deep, 300 - pre);
        assert_int_equal(h.phrase, row_deep);
    }
    /* 40 weak matches after the midpoint, then a stronger one */
    static unsigned char buf[1024];
    size_t n = 0;
    memset(buf, 'x', 200);
    n = 200;
    for (int k = 0; k < 40; k++) {
        memcpy(buf + n, " spam", 5);
        n += 5;
    }
    memcpy(buf + n, " mailbox is full", 16);
    n += 16;
    bn_kb_hits h;
    bn_kb_scan(buf, n, &h);
    assert_int_equal(h.phrase, row_full);
}

static void test_rule_ids_unique(void **state)
{
    (void)state;
    size_t n = BN_KB_NREPLIES + BN_KB_NSTATUSES + BN_KB_NPROVIDERS + BN_KB_NBLOCKLISTS +
               BN_KB_NPHRASES, k = 0;
    const char **ids = malloc(n * sizeof *ids);
    assert_non_null(ids);
    for (size_t i = 0; i < BN_KB_NREPLIES; i++)
        ids[k++] = bn_kb_replies[i].rule;
    for (size_t i = 0; i < BN_KB_NSTATUSES; i++)
        ids[k++] = bn_kb_statuses[i].rule;
    for (size_t i = 0; i < BN_KB_NPROVIDERS; i++)
        ids[k++] = bn_kb_providers[i].rule;
    for (size_t i = 0; i < BN_KB_NBLOCKLISTS; i++)
        ids[k++] = bn_kb_blocklists[i].rule;
    for (size_t i = 0; i < BN_KB_NPHRASES; i++)
        ids[k++] = bn_kb_phrases[i].rule;
    qsort(ids, n, sizeof *ids, cmp_str);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(ids[i - 1], ids[i]) == 0)
            fprintf(stderr, "duplicate rule id %s\n", ids[i]);
        assert_string_not_equal(ids[i - 1], ids[i]);
    }
    free(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reasons),         cmocka_unit_test(test_reply_rows),
        cmocka_unit_test(test_status_rows),     cmocka_unit_test(test_provider_rows),
        cmocka_unit_test(test_host_boundaries), cmocka_unit_test(test_blocklist_rows),
        cmocka_unit_test(test_phrase_rows),     cmocka_unit_test(test_phrase_matching),
        cmocka_unit_test(test_rule_ids_unique), cmocka_unit_test(test_split_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
