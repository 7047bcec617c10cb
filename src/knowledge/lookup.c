/*
 * lookup.c - the public knowledge lookups: what a reply code, an enhanced
 * status code or a provider marker means
 */
#include <string.h>

#include "bounce.h"
#include "core/str.h"
#include "knowledge/knowledge.h"

/* bn_replycode_meaning - meaning of an SMTP reply code, NULL if unknown */
const char *bn_replycode_meaning(int code)
{
    const bn_kb_reply *r = bn_kb_reply_find(code);
    return r ? r->meaning : NULL;
}

/* bn_replycode_advice - what a sender should know and do about a bare reply code */
const char *bn_replycode_advice(int code)
{
    const bn_kb_reply *r = bn_kb_reply_find(code);
    return r ? r->advice : NULL;
}

/* subject_row - the X.s.0 row, used for unregistered details */
static const bn_kb_status *subject_row(int subject)
{
    bn_status_code s = {5, subject, 0};
    return bn_kb_status_find(&s);
}

/*
 * bn_status_meaning - meaning of an enhanced status code. Registered codes
 * give their own meaning; a provider's unregistered code (5.7.509) gives
 * the provider's; any other well-formed code gives its subject's meaning.
 */
const char *bn_status_meaning(const char *status, size_t len)
{
    bn_status_code s;
    if (!status || !bn_status_parse(status, len, &s))
        return NULL;
    const bn_kb_status *r = bn_kb_status_find(&s);
    if (r)
        return r->meaning;
    const bn_kb_provider *p = bn_kb_provider_status(NULL, &s);
    if (p)
        return p->meaning;
    r = subject_row(s.subject);
    if (r)
        return r->meaning;
    return s.cls == 2 ? "Success" : s.cls == 4 ? "Persistent transient failure"
                                               : "Permanent failure";
}

/* strip_brackets - "[TSS04]" or "(S3150)" -> "TSS04" / "S3150" */
static bn_str strip_brackets(bn_str s)
{
    if (s.n >= 2 && ((s.p[0] == '[' && s.p[s.n - 1] == ']') ||
                     (s.p[0] == '(' && s.p[s.n - 1] == ')')))
        return (bn_str){s.p + 1, s.n - 2};
    return s;
}

/* key_matches - marker equals the row key, ignoring case and brackets */
static bool key_matches(const char *key, bn_str marker)
{
    bn_str k = bn_str_cstr(key);
    if (bn_str_eq_ci(marker, key))
        return true;
    bn_str a = strip_brackets(k), b = strip_brackets(marker);
    return a.n == b.n && a.n > 0 && bn_mem_find_ci(a.p, a.n, b.p, b.n) == a.p;
}

/*
 * status_meaning_for_marker - an enhanced code given as a marker: a code only
 * one provider uses (5.7.606) means what that provider says; a registered
 * code that several providers also read their own way (5.7.1) means what
 * the registry says, with no provider. NULL when the marker is no status or
 * no row knows it.
 */
static const char *status_meaning_for_marker(bn_str m, const char **provider, bool *is_status)
{
    bn_status_code s;
    *is_status = bn_status_parse(m.p, m.n, &s);
    if (!*is_status)
        return NULL;
    const bn_kb_status *reg = bn_kb_status_find(&s);
    const bn_kb_provider *p = bn_kb_provider_status(NULL, &s);
    for (size_t i = 0; !reg && !p && i < BN_KB_NPROVIDERS; i++)
        if (bn_kb_row_is_status(&bn_kb_providers[i], &s))
            p = &bn_kb_providers[i]; /* an unregistered code one provider reads */
    if (reg || !p) {
        if (provider)
            *provider = NULL;
        return reg ? reg->meaning : NULL;
    }
    if (provider)
        *provider = p->provider;
    return p->meaning;
}

/*
 * bn_provider_meaning - meaning of a provider marker or provider code
 * ("TSS04", "[TSS04]", "S3150", "5.7.606", "gsmtp"); *provider (if not
 * NULL) gets the provider's name (NULL for a registered enhanced code,
 * which means what the registry says unless a provider is known). NULL
 * when unknown.
 */
const char *bn_provider_meaning(const char *marker, size_t len, const char **provider)
{
    if (!marker || len == 0)
        return NULL;
    bn_str m = bn_str_trim((bn_str){marker, len});
    bool is_status = false;
    const char *sm = status_meaning_for_marker(m, provider, &is_status);
    if (is_status)
        return sm;
    for (size_t i = 0; i < BN_KB_NPROVIDERS; i++) {
        const bn_kb_provider *r = &bn_kb_providers[i];
        if (!key_matches(r->key, m))
            continue;
        if (provider)
            *provider = r->provider;
        return r->meaning;
    }
    return NULL;
}
