/*
 * jsonread.c - just enough JSON reading for notification bodies (Amazon SES
 * and SNS): find an object's member, walk an array, decode a string.
 * Works on spans without building a tree; nesting is bounded; malformed
 * JSON simply yields "not found".
 */
#include <string.h>

#include "core/str.h"
#include "extract/extract.h"

#define JSON_MAX_DEPTH 64

/* ws - index of the next non-whitespace byte from i */
static size_t ws(bn_str s, size_t i)
{
    while (i < s.n && bn_is_space((unsigned char)s.p[i]))
        i++;
    return i;
}

/* skip_string - index after the string starting at s.p[i] == '"', or 0 */
static size_t skip_string(bn_str s, size_t i)
{
    for (i++; i < s.n; i++) {
        if (s.p[i] == '\\')
            i++;
        else if (s.p[i] == '"')
            return i + 1;
    }
    return 0;
}

/* skip_value - index after the value starting at i, or 0 when malformed */
static size_t skip_value(bn_str s, size_t i, int depth)
{
    i = ws(s, i);
    if (i >= s.n || depth > JSON_MAX_DEPTH)
        return 0;
    char c = s.p[i];
    if (c == '"')
        return skip_string(s, i);
    if (c != '{' && c != '[') {
        while (i < s.n && !strchr(",}] \t\r\n", s.p[i]))
            i++;
        return i;
    }
    char close = c == '{' ? '}' : ']';
    i = ws(s, i + 1);
    if (i < s.n && s.p[i] == close)
        return i + 1;
    for (;;) {
        if (c == '{') {
            if (i >= s.n || s.p[i] != '"' || !(i = skip_string(s, i)))
                return 0;
            i = ws(s, i);
            if (i >= s.n || s.p[i] != ':')
                return 0;
            i++;
        }
        if (!(i = skip_value(s, i, depth + 1)))
            return 0;
        i = ws(s, i);
        if (i < s.n && s.p[i] == ',') {
            i = ws(s, i + 1);
            continue;
        }
        return i < s.n && s.p[i] == close ? i + 1 : 0;
    }
}

/* bn_xj_leading_object - the JSON object t starts with (after white space),
   whatever follows it (SNS's e-mail delivery appends an unsubscribe footer);
   empty when t does not start with a well-formed object */
bn_str bn_xj_leading_object(bn_str t)
{
    size_t i = ws(t, 0), e;
    if (i >= t.n || t.p[i] != '{' || !(e = skip_value(t, i, 0)))
        return BN_STR_NULL;
    return bn_str_make(t.p + i, e - i);
}

/* bn_xj_member - the value of key in the object span obj (top level only) */
bool bn_xj_member(bn_str obj, const char *key, bn_str *val)
{
    size_t kl = strlen(key);
    size_t i = ws(obj, 0);
    if (i >= obj.n || obj.p[i] != '{')
        return false;
    i = ws(obj, i + 1);
    while (i < obj.n && obj.p[i] == '"') {
        size_t ke = skip_string(obj, i);
        if (!ke)
            return false;
        bool hit = ke - i - 2 == kl && memcmp(obj.p + i + 1, key, kl) == 0;
        i = ws(obj, ke);
        if (i >= obj.n || obj.p[i] != ':')
            return false;
        size_t vs = ws(obj, i + 1);
        size_t ve = skip_value(obj, vs, 0);
        if (!ve)
            return false;
        if (hit) {
            *val = (bn_str){obj.p + vs, ve - vs};
            return true;
        }
        i = ws(obj, ve);
        if (i < obj.n && obj.p[i] == ',')
            i = ws(obj, i + 1);
    }
    return false;
}

/* bn_xj_next - the next element of the array span arr from *pos (0 to start) */
bool bn_xj_next(bn_str arr, size_t *pos, bn_str *elem)
{
    size_t i = *pos;
    if (i == 0) {
        i = ws(arr, 0);
        if (i >= arr.n || arr.p[i] != '[')
            return false;
        i++;
    }
    i = ws(arr, i);
    if (i < arr.n && arr.p[i] == ',')
        i = ws(arr, i + 1);
    if (i >= arr.n || arr.p[i] == ']')
        return false;
    size_t e = skip_value(arr, i, 0);
    if (!e)
        return false;
    *elem = (bn_str){arr.p + i, e - i};
    *pos = e;
    return true;
}

/* hex4 - value of four hex digits at p, or -1 */
static long hex4(const char *p)
{
    long v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = (unsigned char)p[k];
        int d = bn_is_digit(c) ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* put_utf8 - encode code point cp at out; bytes written */
static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* escape - decode the escape at in[i] ('\\' at i) into out; advances *i */
static size_t escape(bn_str in, size_t *i, char *out)
{
    char c = *i + 1 < in.n ? in.p[*i + 1] : '\\';
    static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : NULL;
    *i += 2;
    if (k) {
        out[0] = to[k - from];
        return 1;
    }
    if (c != 'u' || *i + 4 > in.n) {
        out[0] = c;
        return 1;
    }
    long cp = hex4(in.p + *i);
    if (cp < 0)
        return put_utf8(out, 0xfffd);
    *i += 4;
    if (cp >= 0xd800 && cp < 0xdc00 && *i + 6 <= in.n && in.p[*i] == '\\' &&
        in.p[*i + 1] == 'u') {
        long lo = hex4(in.p + *i + 2);
        if (lo >= 0xdc00 && lo < 0xe000) {
            *i += 6;
            return put_utf8(out, 0x10000 + (((unsigned long)cp - 0xd800) << 10) +
                                     ((unsigned long)lo - 0xdc00));
        }
    }
    return put_utf8(out, cp >= 0xd800 && cp < 0xe000 ? 0xfffd : (unsigned long)cp);
}

/* bn_xj_string - a JSON string value decoded to UTF-8 (arena); other values
   as written; empty for null */
bn_str bn_xj_string(bn_arena *a, bn_str v)
{
    v = bn_str_trim(v);
    if (bn_str_eq_ci(v, "null"))
        return BN_STR_NULL;
    if (v.n < 2 || v.p[0] != '"' || v.p[v.n - 1] != '"')
        return v;
    bn_str in = {v.p + 1, v.n - 2};
    if (!bn_str_chr(in, '\\'))
        return in;
    char *out = bn_arena_alloc(a, in.n * 2 + 1);
    if (!out)
        return BN_STR_NULL;
    size_t o = 0;
    for (size_t i = 0; i < in.n;) {
        if (in.p[i] == '\\')
            o += escape(in, &i, out + o);
        else
            out[o++] = in.p[i++];
    }
    out[o] = '\0';
    return (bn_str){out, o};
}
