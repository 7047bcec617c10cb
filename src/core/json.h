/*
 * json.h - JSON writer into a caller's buffer (RFC 8259)
 *
 * Writes with snprintf semantics: output past the buffer is counted but not
 * stored, so a caller can size the buffer from the returned length and
 * write again. Strings are validated as UTF-8 on the way out: overlong
 * forms, surrogates and code points past U+10FFFF are invalid, and each
 * maximal invalid subpart becomes U+FFFD. Control characters are escaped,
 * so the output never holds a raw NUL or control byte. Commas between
 * members are inserted by the writer (a small stack of "first" flags).
 */
#ifndef BN_JSON_H
#define BN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define BN_JSON_MAX_DEPTH 16

typedef struct bn_json {
    char *buf;       /* destination, may be NULL when size is 0 */
    size_t size;     /* capacity including the final NUL */
    size_t len;      /* bytes produced so far (may exceed size) */
    unsigned depth;  /* open objects and arrays */
    bool first[BN_JSON_MAX_DEPTH]; /* no member written yet at this depth */
    bool after_key;  /* a key was just written: next value takes no comma */
} bn_json;

/* bn_json_init - start writing into buf (size bytes, NUL included) */
void bn_json_init(bn_json *j, char *buf, size_t size);
/* bn_json_finish - NUL-terminate (truncating if needed); the length needed */
size_t bn_json_finish(bn_json *j);

void bn_json_object_begin(bn_json *j);
void bn_json_object_end(bn_json *j);
void bn_json_array_begin(bn_json *j);
void bn_json_array_end(bn_json *j);
/* bn_json_key - an object key (escaped like any string) */
void bn_json_key(bn_json *j, const char *key);
/* bn_json_key_plain - a key of n bytes known to need no escaping (a literal) */
void bn_json_key_plain(bn_json *j, const char *key, size_t n);

/*
 * BN_JSON_KEY_LIT - bn_json_key_plain for a string literal that needs no
 * escaping. Inline, so that the copy of "\"key\":" (its length known when
 * compiled) is a few moves: a record writes thirty keys, and the call, the
 * comma logic and a memcpy of unknown length cost more than its values.
 */
#define BN_JSON_KEY_LIT(j, lit) bn_json_key_lit_((j), "\"" lit "\":", sizeof(lit) + 2)
/* bn_json_key_lit_ - q is the key with its quotes and colon, n its length */
static inline void bn_json_key_lit_(bn_json *j, const char *q, size_t n)
{
    if (!j->after_key && j->len < j->size && j->size - j->len > n + 1) {
        char *o = j->buf + j->len;
        size_t comma = !j->first[j->depth];
        o[0] = ','; /* overwritten by the key when no comma is due */
        memcpy(o + comma, q, n);
        j->len += comma + n;
        j->first[j->depth] = false;
        j->after_key = true;
        return;
    }
    bn_json_key_plain(j, q + 1, n - 3); /* no room, or a key without its value */
}

/* Values: a string (ptr, len; NULL is ""), a C string, numbers, literals. */
void bn_json_str(bn_json *j, const char *p, size_t n);
void bn_json_cstr(bn_json *j, const char *s);
/* BN_JSON_DIGITS - room for any long long in decimal, sign included */
#define BN_JSON_DIGITS 24
/* bn_json_digits - v in decimal at the end of tmp; the offset it starts at */
size_t bn_json_digits(char tmp[BN_JSON_DIGITS], long long v);
void bn_json_int(bn_json *j, long long v);
void bn_json_bool(bn_json *j, bool v);
void bn_json_null(bn_json *j);

/* key + value in one call */
void bn_json_kv_str(bn_json *j, const char *key, const char *p, size_t n);
void bn_json_kv_cstr(bn_json *j, const char *key, const char *s);
void bn_json_kv_int(bn_json *j, const char *key, long long v);
void bn_json_kv_bool(bn_json *j, const char *key, bool v);

/*
 * bn_json_escape - the body of a JSON string for (p, n), without quotes,
 * appended to j. Exposed for writers that build strings piecewise.
 */
void bn_json_escape(bn_json *j, const char *p, size_t n);

/*
 * bn_json_escape_to - the same escaped body written at o, which must have
 * room for 6 * n bytes (the worst case: a control byte becomes \u00XX);
 * returns the end. For writers that reserve the worst case once.
 */
char *bn_json_escape_to(char *o, const char *s, size_t n);
/* bn_json_raw - append n bytes as they are (a template piece of ours) */
void bn_json_raw(bn_json *j, const char *s, size_t n);

/* bn_utf8_valid_len - length of the valid UTF-8 sequence at p, or 0 */
size_t bn_utf8_valid_len(const unsigned char *p, size_t n, size_t *bad_len);

#endif
