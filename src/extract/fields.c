/* fields.c - "Name: value" blocks in text: DSN and ARF bodies, inline headers */
#include <string.h>

#include "core/str.h"
#include "extract/extract.h"

#define FIELD_NAME_MAX 76

/* field_name_len - length of a field name at the start of line, or 0 */
static size_t field_name_len(bn_str line)
{
    size_t i = 0;
    while (i < line.n && i <= FIELD_NAME_MAX) {
        unsigned char c = (unsigned char)line.p[i];
        if (c == ':')
            break;
        if (c <= 32 || c >= 127)
            break;
        i++;
    }
    size_t name = i;
    while (i < line.n && bn_is_wsp((unsigned char)line.p[i]))
        i++; /* "Status : 5.0.0" happens */
    if (name == 0 || name > FIELD_NAME_MAX || i >= line.n || line.p[i] != ':')
        return 0;
    return name;
}

/* bn_x_field_name_len - length of a field name at the start of line, or 0 */
size_t bn_x_field_name_len(bn_str line)
{
    return field_name_len(line);
}

/* push - append one field to out (arena array grown by doubling) */
static int push(bn_arena *a, bn_headers *out, size_t *cap, bn_header h)
{
    if (out->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        bn_header *nv = bn_arena_alloc(a, ncap * sizeof *nv);
        if (!nv)
            return BN_ENOMEM;
        if (out->n)
            memcpy(nv, out->v, out->n * sizeof *nv);
        out->v = nv;
        *cap = ncap;
    }
    out->v[out->n++] = h;
    return BN_OK;
}

/* value_of - raw value of a field line: after the colon */
static bn_str value_of(bn_str line, size_t name_len)
{
    const char *colon = memchr(line.p + name_len, ':', line.n - name_len);
    size_t off = (size_t)(colon + 1 - line.p);
    return (bn_str){line.p + off, line.n - off};
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
        size_t nl = field_name_len(line);
        if (!nl) {
            if (stop_at_text) {
                pos = start;
                break;
            }
            continue;
        }
        bn_header h = {{line.p, nl}, value_of(line, nl)};
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
        size_t nl = bn_x_is_blank(line) ? 0 : field_name_len(line);
        if (!nl) {
            /* a blank line ends the block; a text line is already the body */
            if (!bn_x_is_blank(line))
                pos = start;
            break;
        }
        if (push(a, out, &cap, (bn_header){{line.p, nl}, value_of(line, nl)}))
            return BN_ENOMEM;
    }
    *body = (bn_str){s.p + pos, s.n - pos};
    return BN_OK;
}

/* bn_x_field_value - value of the first field named name, unfolded; empty if absent */
bn_str bn_x_field_value(bn_arena *a, const bn_headers *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].name.n && bn_str_eq_ci(h->v[i].name, name))
            return bn_x_unfold(a, h->v[i].value);
    return BN_STR_NULL;
}
