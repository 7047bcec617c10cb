/*
 * lhost-yahoo.c - Yahoo! Mail's plain-text bounces
 *
 *   Sorry, we were unable to deliver your message to the following address.
 *
 *   <user@example.com>:
 *   Remote host said: 550 5.1.1 <user@example.com>... User unknown [RCPT_TO]
 *
 *   --- Below this line is a copy of the message.
 *
 * Later ones drop "Remote host said:" and write the code with a colon
 * ("550: 5.2.2 <user@example.com>... Mailbox Full"). The recipients are the
 * generic scanner's; the reply is read from the lines under each address,
 * with the tag naming the SMTP stage it answered ("[RCPT_TO]",
 * "[MAIL_FROM]", "[DATA]"...), at the end of the reply or on its own line.
 */
#include <string.h>

#include "core/str.h"
#include "extract/formats/formats.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define YAHOO_BLOCK_LINES 8 /* the tag is within a few lines of the address */

/* Yahoo's stage tags and the commands they name. */
static const struct {
    const char *tag, *command;
} tags[] = {
    {"[RCPT_TO]", "RCPT"}, {"[MAIL_FROM]", "MAIL"}, {"[DATA]", "DATA"},
    {"[EHLO]", "EHLO"},    {"[HELO]", "HELO"},      {"[CONNECT]", "CONN"},
};

/* yahoo_detect - Yahoo's opening sentence */
static bool yahoo_detect(bn_xctx *x)
{
    return bn_str_find_ci(x->text, "we were unable to deliver your message to the following");
}

/* tag_command - the command of a stage tag in l, or NULL */
static const char *tag_command(bn_str l)
{
    for (size_t i = 0; i < NELEM(tags); i++)
        if (bn_str_find_ci(l, tags[i].tag))
            return tags[i].command;
    return NULL;
}

/* The reply block of one recipient: its text and Yahoo's stage tag. */
typedef struct yblock {
    bn_str first, last;     /* first and last line of the reply */
    const char *command;    /* from the tag, or NULL */
} yblock;

/* read_block - the lines after the recipient's "<addr>:" line, up to the
   blank line that ends them */
static void read_block(bn_xctx *x, bn_str addr, size_t *from, yblock *b)
{
    /* records come in the order of the text: search on from the last one */
    const char *at = bn_mem_find_ci(x->text.p + *from, x->text.n - *from, addr.p, addr.n);
    if (!at)
        return;
    *from = (size_t)(at - x->text.p) + addr.n;
    bn_str rest = {at, (size_t)(x->text.p + x->text.n - at)}, l;
    size_t pos = 0;
    bn_x_line(rest, &pos, &l); /* the address line itself */
    for (int i = 0; i < YAHOO_BLOCK_LINES && bn_x_line(rest, &pos, &l); i++) {
        if (bn_x_is_blank(l) || bn_str_starts_ci(l, "---")) {
            if (b->first.p)
                break;
            continue;
        }
        const char *c = tag_command(l);
        if (c)
            b->command = c;
        if (c && bn_str_trim(l).p[0] == '[')
            continue; /* the tag alone on its line */
        if (!b->first.p)
            b->first = l;
        b->last = l;
    }
}

/* reply_of - the block's text without "Remote host said:" and the tag, the
   code's colon dropped ("550: 5.2.2 ..." -> "550 5.2.2 ...") */
static bn_str reply_of(bn_xctx *x, const yblock *b)
{
    if (!b->first.p)
        return BN_STR_NULL;
    bn_str t = {b->first.p, (size_t)(b->last.p + b->last.n - b->first.p)};
    t = bn_x_unfold(x->arena, t);
    if (bn_str_starts_ci(t, "Remote host said:"))
        t = bn_str_trim((bn_str){t.p + 17, t.n - 17});
    const char *tag = t.n ? bn_str_chr(t, '[') : NULL;
    if (tag && tag_command((bn_str){tag, (size_t)(t.p + t.n - tag)}))
        t = bn_str_trim((bn_str){t.p, (size_t)(tag - t.p)});
    if (t.n < 5 || !bn_is_digit((unsigned char)t.p[0]) || !bn_is_digit((unsigned char)t.p[1]) ||
        !bn_is_digit((unsigned char)t.p[2]) || t.p[3] != ':')
        return t;
    bn_str text = {t.p + 4, t.n - 4};
    while (text.n && (text.p[0] == ' ' || text.p[0] == ':'))
        text = (bn_str){text.p + 1, text.n - 1};
    char *out = bn_arena_alloc(x->arena, 4 + text.n + 1);
    if (!out)
        return t;
    memcpy(out, t.p, 3);
    out[3] = ' ';
    memcpy(out + 4, text.p, text.n);
    return (bn_str){out, 4 + text.n};
}

/* fill - the reply and command of one record from its block */
static void fill(bn_xctx *x, bn_xrec *r, size_t *from)
{
    yblock b = {0};
    read_block(x, r->r.recipient, from, &b);
    bn_str d = reply_of(x, &b);
    if (d.n) {
        r->r.diagnostic = d;
        r->status = bn_x_find_status(d);
        r->r.status_src = r->status.n ? "Yahoo's quote of the remote reply" : NULL;
        r->replycode = bn_x_find_replycode(d);
        r->r.command = bn_x_command(x, d);
    }
    if (b.command)
        r->r.command = bn_str_cstr(b.command);
}

/* yahoo_decode - the scanner's recipients, each with the reply of its block */
static int yahoo_decode(bn_xctx *x)
{
    size_t first = x->n;
    int rc = bn_x_scan_as(x, "lhost-yahoo");
    if (rc)
        return rc;
    size_t from = 0;
    for (size_t i = first; i < x->n; i++)
        if (x->v[i].r.recipient.n)
            fill(x, &x->v[i], &from);
    return BN_OK;
}

const bn_decoder bn_decoder_lhost_yahoo = {"lhost-yahoo", yahoo_detect, yahoo_decode, NULL};
