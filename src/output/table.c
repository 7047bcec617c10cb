/*
 * table.c - records as a table for a terminal
 *
 * Bounce text is hostile input: an escape sequence in a recipient must not
 * reach the terminal. Control bytes and invalid UTF-8 become '?', and
 * columns are counted in code points (close enough for the mostly ASCII
 * text of bounces; wide characters may overhang a little).
 */
#include <string.h>

#include "bounce.h"
#include "core/json.h"
#include "output/output.h"

#define COL_RCPT 32
#define COL_REASON 15
#define COL_STATUS 7
#define COL_ACTION 11
#define COL_MIN_EXPL 20

/* bn_term_text - safe text, cut to cols code points, padded if asked */
void bn_term_text(FILE *out, const char *s, size_t n, size_t cols, bool pad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, used = 0;
    while (i < n && used < cols) {
        size_t bad, k = p[i] < 0x80 ? 1 : bn_utf8_valid_len(p + i, n - i, &bad);
        if (k == 1 && (p[i] < 0x20 || p[i] == 0x7F))
            fputc(p[i] == '\t' || p[i] == '\n' || p[i] == '\r' ? ' ' : '?', out);
        else if (k == 0 || (k == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0))
            fputc('?', out); /* invalid, or a C1 control (CSI is U+009B) */
        else
            fwrite(p + i, 1, k, out);
        i += k ? k : bad;
        used++;
    }
    while (pad && used++ < cols)
        fputc(' ', out);
}

/* expl_width - room left for the explanation */
static size_t expl_width(unsigned width)
{
    size_t fixed = COL_RCPT + COL_REASON + COL_STATUS + COL_ACTION + 4;
    if (width == 0)
        width = 120;
    return width > fixed + COL_MIN_EXPL ? width - fixed : COL_MIN_EXPL;
}

/* bn_table_header - the column titles and a rule */
void bn_table_header(FILE *out, unsigned width)
{
    size_t e = expl_width(width);
    fprintf(out, "%-*s %-*s %-*s %-*s %s\n", COL_RCPT, "RECIPIENT", COL_REASON, "REASON",
            COL_STATUS, "STATUS", COL_ACTION, "ACTION", "EXPLANATION");
    for (size_t i = 0; i < COL_RCPT + COL_REASON + COL_STATUS + COL_ACTION + 4 + e; i++)
        fputc('-', out);
    fputc('\n', out);
}

/* bn_table_row - one record as one line */
void bn_table_row(FILE *out, const bn_record *r, unsigned width)
{
    char expl[512];
    const bn_verdict *v = &r->verdict;
    const char *reason = bn_reason_name(v->reason), *action = bn_action_name(v->action);
    size_t n = bn_verdict_explain(v, expl, sizeof(expl));
    if (n >= sizeof(expl))
        n = sizeof(expl) - 1;
    bn_term_text(out, r->recipient.n ? r->recipient.p : "(none)",
                 r->recipient.n ? r->recipient.n : 6, COL_RCPT, true);
    fputc(' ', out);
    bn_term_text(out, reason, strlen(reason), COL_REASON, true);
    fputc(' ', out);
    bn_term_text(out, v->status, strlen(v->status), COL_STATUS, true);
    fputc(' ', out);
    bn_term_text(out, action, strlen(action), COL_ACTION, true);
    fputc(' ', out);
    bn_term_text(out, expl, n, expl_width(width), false);
    fputc('\n', out);
}
