/* fields.c - "Name: value" blocks in text: DSN and ARF bodies, inline headers */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/str.h"
#include "extract/extract.h"

#define FIELD_NAME_MAX 76

/* name_end - where the name a line may start with ends: the first ':',
   control, space or non-ASCII byte, at most FIELD_NAME_MAX + 1 bytes in */
static inline size_t name_end(bn_str line)
{
    size_t i = 0, lim = line.n < FIELD_NAME_MAX + 1 ? line.n : FIELD_NAME_MAX + 1;
#if defined(__SSE2__)
    /* 16 bytes at a time: every line of every field block and text is asked */
    for (; i + 16 <= line.n && i < lim; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(line.p + i));
        __m128i stop = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(33)), /* and >= 128 */
                                    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(127)),
                                                 _mm_cmpeq_epi8(v, _mm_set1_epi8(':'))));
        unsigned m = (unsigned)_mm_movemask_epi8(stop);
        if (m) {
            i += (size_t)__builtin_ctz(m);
            return i < lim ? i : lim;
        }
    }
    if (i >= lim)
        return lim;
#endif
    while (i < lim) {
        unsigned char c = (unsigned char)line.p[i];
        if (c == ':' || c <= 32 || c >= 127)
            break;
        i++;
    }
    return i;
}

/* field_colon - where the colon of a "Name: value" line is (the name is
   *name bytes long), or 0 when the line is no field line (inline, as
   name_end: the call cost as much as the test on most lines) */
static inline size_t field_colon(bn_str line, size_t *name)
{
    size_t i = name_end(line);
    *name = i;
    while (i < line.n && bn_is_wsp((unsigned char)line.p[i]))
        i++; /* "Status : 5.0.0" happens */
    if (*name == 0 || *name > FIELD_NAME_MAX || i >= line.n || line.p[i] != ':')
        return 0;
    return i;
}

/* field_name_len - length of a field name at the start of line, or 0 */
static size_t field_name_len(bn_str line)
{
    size_t name;
    return field_colon(line, &name) ? name : 0;
}

/* bn_x_field_name_len - length of a field name at the start of line, or 0 */
size_t bn_x_field_name_len(bn_str line)
{
    return field_name_len(line);
}

/* grow - double the field array of out (arena) */
static int grow(bn_arena *a, bn_headers *out, size_t *cap)
{
    size_t ncap = *cap ? *cap * 2 : 16;
    bn_header *nv = bn_arena_alloc(a, ncap * sizeof *nv);
    if (!nv)
        return BN_ENOMEM;
    if (out->n)
        memcpy(nv, out->v, out->n * sizeof *nv);
    out->v = nv;
    *cap = ncap;
    return BN_OK;
}

/* push - append one field to out (inline: once per field line; the array
   grows by doubling, rarely) */
static inline int push(bn_arena *a, bn_headers *out, size_t *cap, bn_header h)
{
    if (out->n == *cap && grow(a, out, cap))
        return BN_ENOMEM;
    out->v[out->n++] = h;
    return BN_OK;
}

/* value_at - raw value of a field line whose colon is at line.p[colon] */
static bn_str value_at(bn_str line, size_t colon)
{
    return (bn_str){line.p + colon + 1, line.n - colon - 1};
}

/* bn_x_fields - parse field lines (and blank separators) from s */
int bn_x_fields(bn_arena *a, bn_str s, bool stop_at_text, size_t max,
                bn_headers *out, size_t *used)
{
    size_t pos = 0, cap = 0, last_end = 0;
    bn_str line;
    bool open = false;
    out->v = NULL;
    out->n = 0;
    while (out->n < max) {
        size_t start = pos;
        if (!bn_x_line(s, &pos, &line))
            break;
        if (open && line.n && bn_is_wsp((unsigned char)line.p[0]) && !bn_x_is_blank(line)) {
            bn_header *h = &out->v[out->n - 1];
            h->value.n = (size_t)(line.p + line.n - h->value.p);
            last_end = pos;
            continue;
        }
        open = false;
        if (bn_x_is_blank(line)) {
            if (push(a, out, &cap, (bn_header){BN_STR_NULL, BN_STR_NULL}))
                return BN_ENOMEM;
            last_end = pos;
            continue;
        }
        size_t nl, colon = field_colon(line, &nl);
        if (!colon) {
            if (stop_at_text) {
                pos = start;
                break;
            }
            continue;
        }
        bn_header h = {{line.p, nl}, value_at(line, colon)};
        if (push(a, out, &cap, h))
            return BN_ENOMEM;
        open = true;
        last_end = pos;
    }
    *used = stop_at_text ? last_end : pos;
    return BN_OK;
}

/* bn_x_header_block - a message header block at the start of s */
int bn_x_header_block(bn_arena *a, bn_str s, size_t max, bn_headers *out, bn_str *body)
{
    size_t pos = 0, cap = 0;
    bn_str line;
    out->v = NULL;
    out->n = 0;
    *body = BN_STR_NULL;
    if (!s.n)
        return BN_OK;
    while (out->n < max) {
        size_t start = pos;
        if (!bn_x_line(s, &pos, &line))
            break;
        if (out->n && line.n && bn_is_wsp((unsigned char)line.p[0]) && !bn_x_is_blank(line)) {
            bn_header *h = &out->v[out->n - 1];
            h->value.n = (size_t)(line.p + line.n - h->value.p);
            continue;
        }
        bool blank = bn_x_is_blank(line);
        size_t nl = 0, colon = blank ? 0 : field_colon(line, &nl);
        if (!colon) {
            /* a blank line ends the block; a text line is already the body */
            if (!blank)
                pos = start;
            break;
        }
        if (push(a, out, &cap, (bn_header){{line.p, nl}, value_at(line, colon)}))
            return BN_ENOMEM;
    }
    *body = (bn_str){s.p + pos, s.n - pos};
    return BN_OK;
}

/* bn_x_field_value_n - value of the first field named name[0..n), unfolded; empty if absent */
bn_str bn_x_field_value_n(bn_arena *a, const bn_headers *h, const char *name, size_t n)
{
    /* the length first: many names share a first letter ("X-") */
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].name.n == n && n && bn_str_eq_ci(h->v[i].name, name))
            return bn_x_unfold(a, h->v[i].value);
    return BN_STR_NULL;
}
