/*
 * msg_header.c - one header of a raw message, to name the message in a note
 *
 * A plain scan of the header block, without the MIME parser: the note is
 * written after the parser has moved on, and it needs one short value.
 */
#include <stdbool.h>
#include <strings.h>

#include "msg_header.h"

/* line_end - index of the LF ending the line at i (len when none) */
static size_t line_end(const char *buf, size_t len, size_t i)
{
    while (i < len && buf[i] != '\n')
        i++;
    return i;
}

/* is_blank_line - the line [i, e) is empty (a lone CR counts as empty) */
static bool is_blank_line(const char *buf, size_t i, size_t e)
{
    return e == i || (e == i + 1 && buf[i] == '\r');
}

/* names_header - the line at i starts "name:" (any letter case) */
static bool names_header(const char *buf, size_t e, size_t i, const char *name,
                         size_t nlen)
{
    return e - i > nlen && buf[i + nlen] == ':' && !strncasecmp(buf + i, name, nlen);
}

/* put_byte - one value byte: controls and spaces as one space, none leading */
static void put_byte(char *out, size_t cap, size_t *o, unsigned char c)
{
    bool space = c <= ' ' || c == 0x7f;
    if (space && (*o == 0 || out[*o - 1] == ' '))
        return;
    if (*o + 1 < cap)
        out[(*o)++] = space ? ' ' : (char)c;
}

/* msg_header - the first header called name, unfolded and cleaned */
size_t msg_header(const char *buf, size_t len, const char *name, char *out, size_t cap)
{
    size_t nlen = 0, o = 0, i = 0;
    bool in_value = false;
    while (name[nlen])
        nlen++;
    if (cap == 0)
        return 0;
    while (i < len) {
        size_t e = line_end(buf, len, i);
        if (is_blank_line(buf, i, e))
            break;
        bool folded = buf[i] == ' ' || buf[i] == '\t';
        if (in_value && !folded)
            break;
        if (!in_value && names_header(buf, e, i, name, nlen)) {
            in_value = true;
            i += nlen + 1;
        }
        for (size_t k = i; in_value && k < e; k++)
            put_byte(out, cap, &o, (unsigned char)buf[k]);
        if (in_value)
            put_byte(out, cap, &o, ' ');
        i = e + 1;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return o;
}
