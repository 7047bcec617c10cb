/*
 * lhost-mfilter.c - m-FILTER (Digital Arts) mail gateway bounces
 *
 * m-FILTER writes a Japanese notice, the failed address alone on a line,
 * then sections "-------server message" (the remote reply), "-------SMTP
 * command" (the command it answered, alone on the next line) and
 * "-------original message". Its messages carry "X-Mailer: m-FILTER".
 * The scanner pairs address and reply; the command comes from its section.
 */
#include "core/str.h"
#include "extract/formats/formats.h"

/* m-FILTER's section rules. */
static const char *const mfilter_text[] = {"-------server message", "-------smtp command"};

/* mfilter_detect - its X-Mailer or its section rules */
static bool mfilter_detect(bn_xctx *x)
{
    return bn_x_hdr_has(x, "X-Mailer", "m-FILTER") ||
           bn_x_text_has(x, mfilter_text, sizeof mfilter_text / sizeof mfilter_text[0]);
}

/* section_command - the command word on the line after "-------SMTP command" */
static bn_str section_command(bn_xctx *x)
{
    size_t pos = 0;
    bn_str line;
    bool next = false;
    while (bn_x_line(x->text, &pos, &line)) {
        bn_str t = bn_str_trim(line);
        if (next && t.n) {
            size_t k = 0;
            while (k < t.n && bn_is_alpha((unsigned char)t.p[k]))
                k++;
            return k >= 4 && k <= 8 ? (bn_str){t.p, k} : BN_STR_NULL;
        }
        next = bn_str_starts_ci(t, "-------smtp command");
    }
    return BN_STR_NULL;
}

/* mfilter_decode - records from the scanner, command from its section */
static int mfilter_decode(bn_xctx *x)
{
    size_t first = x->n;
    int rc = bn_x_decode_family(x, "lhost-mfilter");
    bn_str cmd = rc ? BN_STR_NULL : section_command(x);
    for (size_t i = first; cmd.n && i < x->n; i++)
        x->v[i].r.command = cmd;
    return rc;
}

const bn_decoder bn_decoder_lhost_mfilter = {"lhost-mfilter", mfilter_detect, mfilter_decode,
                                             NULL};
