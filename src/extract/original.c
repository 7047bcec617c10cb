/*
 * original.c - the human-readable text of a bounce and the returned original
 *
 * The original message comes back as a message/rfc822 (or message/global)
 * part, as text/rfc822-headers, or pasted into the text after a marker
 * ("------ This is a copy of the message"). Its headers give the addresser,
 * Message-ID, Subject, List-Id; its To/Cc are never taken as the failed
 * recipient (they name every recipient of the message, not the failed one).
 */
#include <stdint.h>
#include <string.h>

#include "core/str.h"
#include "extract/extract.h"

/* is_original_type - media types that carry a returned message or its headers */
static bool is_original_type(const bn_part *p)
{
    return bn_part_is(p, "message/rfc822") || bn_part_is(p, "message/global") ||
           bn_part_is(p, "text/rfc822-headers") || bn_part_is(p, "text/rfc822-header") ||
           bn_part_is(p, "message/rfc822-headers") || bn_part_is(p, "message/global-headers");
}

/* bn_x_in_original - part i lies inside a returned message (not the report itself) */
static bool in_original(const bn_msg *m, size_t i)
{
    for (int p = m->parts[i].parent; p >= 0; p = m->parts[p].parent)
        if (is_original_type(&m->parts[p]))
            return true;
    return false;
}

/* Header names that make a block of lines a message header block (with
   their lengths: most fields fail on that test). */
#define HDR_NAMES(X)                                                                   \
    X("From") X("To") X("Subject") X("Date") X("Message-ID") X("Received")              \
    X("Return-Path") X("MIME-Version") X("Content-Type") X("Cc") X("Reply-To")          \
    X("Sender") X("X-Mailer") X("DKIM-Signature") X("List-Id") X("In-Reply-To")         \
    X("References") X("Delivered-To")
#define H(name) {name, sizeof name - 1},
static const struct {
    const char *name;
    size_t len;
} hdr_names[] = {HDR_NAMES(H)};
#undef H
/* bit n set: one of the names is n bytes long (all are shorter than 32) */
#define LEN_BIT(name) | (1u << (sizeof name - 1))
static const unsigned known_lengths = 0 HDR_NAMES(LEN_BIT);
#undef LEN_BIT

/* is_known_header - name is one of hdr_names */
static bool is_known_header(bn_str name)
{
    if (name.n >= 32 || !(known_lengths >> name.n & 1))
        return false; /* most fields of a block: one test, not a walk of the table */
    for (size_t j = 0; j < sizeof hdr_names / sizeof hdr_names[0]; j++)
        if (name.n == hdr_names[j].len && bn_str_eq_ci(name, hdr_names[j].name))
            return true;
    return false;
}

/* known_headers - how many fields of h carry a well-known message header name */
static size_t known_headers(const bn_headers *h)
{
    size_t k = 0;
    for (size_t i = 0; i < h->n; i++)
        k += is_known_header(h->v[i].name);
    return k;
}

/* Phrases of the lines that announce a pasted copy of the original. */
static const char *const markers[] = {
    "copy of the message", "copy of your message", "original message",
    "message text follows", "unsent message", "returned message",
    "message headers follow", "headers of the original", "rejected message",
    "undelivered message", "text of the message", "message follows",
    "below this line", "original mail", "headers follow",
};

/* The last line of prose before the current one, and whether it names the
   copy of the original: asked only when a header block may start below it
   (a line that opens with a field name), so most texts are never searched
   for the markers at all. */
typedef struct prose_line {
    bn_str line;
    size_t start;     /* its offset in the text */
    int marker;       /* -1: not asked yet */
} prose_line;

/* prev_is_marker - the prose line pl is short and holds a marker phrase
   (one never spans lines: searching the line alone answers) */
static bool prev_is_marker(const bn_multi *m, prose_line *pl)
{
    if (!pl->line.n)
        return false;
    if (pl->marker < 0)
        pl->marker = pl->line.n <= 120 && bn_multi_find(m, pl->line, NULL);
    return pl->marker;
}

/* has_origin_field - a field only a real header block has (a summary has To/Subject/Date) */
static bool has_origin_field(const bn_headers *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (bn_str_eq_ci(h->v[i].name, "From") || bn_str_eq_ci(h->v[i].name, "Received") ||
            bn_str_eq_ci(h->v[i].name, "Return-Path") ||
            bn_str_eq_ci(h->v[i].name, "Message-ID"))
            return true;
    return false;
}

/* header_block_at - parse a header block at text[off]; true when it looks real:
   after a marker (the prose line prev names one: *marked) two well-known
   fields do, elsewhere three. The marker is looked for only once the block
   could pass: most blocks tried hold no well-known field at all */
static bool header_block_at(bn_xctx *x, bn_str text, size_t off, const bn_multi *m,
                            prose_line *prev, bool *marked, bn_headers *h, bn_str *body)
{
    bn_str rest = {text.p + off, text.n - off};
    if (bn_x_header_block(x->arena, rest, x->opts->max_headers, h, body))
        return false;
    size_t k = known_headers(h);
    if (k < 2 || k * 4 < h->n || !has_origin_field(h))
        return false;
    *marked = prev_is_marker(m, prev);
    if (k < (*marked ? 2u : 3u))
        return false;
    /* a forwarded bounce's own header block (From: MAILER-DAEMON) is no original */
    bn_str from = bn_x_field_value(x->arena, h, "From");
    return !(bn_str_find_ci(from, "mailer-daemon") || bn_str_find_ci(from, "postmaster") ||
             bn_str_find_ci(from, "mail delivery"));
}

/* is_separator - a line of punctuation only ("-----", "=====") */
static bool is_separator(bn_str line)
{
    bn_str t = bn_str_trim(line);
    for (size_t i = 0; i < t.n; i++)
        if (bn_is_alnum((unsigned char)t.p[i]) || (unsigned char)t.p[i] >= 0x80)
            return false;
    return t.n > 0;
}

/* What a line is to find_inline. */
enum line_kind { LINE_BLANK, LINE_SEPARATOR, LINE_TEXT };

/* kind_of - blank, punctuation only, or text: the first byte that is not
   a space settles most lines (a letter: text) in one look */
static enum line_kind kind_of(bn_str line)
{
    size_t i = 0;
    while (i < line.n && bn_is_space((unsigned char)line.p[i]))
        i++;
    if (i == line.n)
        return LINE_BLANK;
    unsigned char c = (unsigned char)line.p[i];
    if (bn_is_alnum(c) || c >= 0x80)
        return LINE_TEXT;
    return is_separator(line) ? LINE_SEPARATOR : LINE_TEXT;
}

/* is_mbox_from - an mbox separator line ("From sender  Sat Oct  4 08:00:07 2025") */
static bool is_mbox_from(bn_str line)
{
    if (line.n < 6 || line.p[0] != 'F' || !bn_str_starts_ci(line, "From "))
        return false;
    for (size_t i = 5; i < line.n && !bn_is_space((unsigned char)line.p[i]); i++)
        if (line.p[i] == ':')
            return false;
    return true;
}

/* may_be_field - the line's first byte may start a field name (not a
   space, a control, ':' or non-ASCII): indented lines fail here, before a call */
static bool may_be_field(bn_str line)
{
    unsigned char c = (unsigned char)line.p[0];
    return c > 32 && c < 127 && c != ':';
}

/* find_inline - a pasted original in text: returns where the text should end */
static size_t find_inline(bn_xctx *x, bn_str text, bn_orig *o)
{
    size_t pos = 0, start = 0;
    bool after_gap = true, seen_text = false;
    bn_str line;
    bn_multi scratch;
    _Static_assert(sizeof markers / sizeof markers[0] <= BN_MULTI_MAX, "markers: too many");
    const bn_multi *m = bn_x_multi(x, markers, sizeof markers / sizeof markers[0], &scratch);
    prose_line prev = {BN_STR_NULL, 0, -1};
    x->lines_of = text.p;
    x->lines_all = true;
    for (; bn_x_line(text, &pos, &line); start = pos) {
        bn_x_lines_keep(x, line); /* the later stages read these lines again */
        enum line_kind kind = kind_of(line);
        if (kind == LINE_BLANK || is_mbox_from(line)) {
            after_gap = true; /* an mbox "From " line may lead a pasted copy */
            continue;
        }
        /* a header block starts with a field line: parsing one anywhere else
           finds nothing (the check costs a few bytes, the parse a block);
           a header block before any prose is a summary, not a returned copy */
        bool may_mark = prev.line.n && prev.line.n <= 120 && prev.marker != 0;
        if (((after_gap && seen_text) || may_mark) && may_be_field(line) &&
            bn_x_field_name_len(line) && ((after_gap && seen_text) || prev_is_marker(m, &prev))) {
            bool marked = false;
            if (header_block_at(x, text, start, m, &prev, &marked, &o->hdrs, &o->body)) {
                o->found = true;
                o->part = -1;
                o->src = "inline";
                return marked ? prev.start : start;
            }
        }
        if (kind == LINE_SEPARATOR) {
            /* "-----" under the marker line, or a rule alone before the copy
               (au/EZweb: "-----...-----" then the original's header); a
               marker has letters, so no separator is one */
            after_gap = true;
            continue;
        }
        prev = (prose_line){line, start, -1};
        after_gap = false;
        seen_text = true;
    }
    return text.n;
}

/* quote_starts - how many lines of t start with '>' (a '>' at the start or
   after a CR or LF: where bn_x_line starts its lines) */
static size_t quote_starts(bn_str t)
{
    size_t k = 0;
    if (!t.n)
        return 0;
    const char *e = t.p + t.n;
    for (const char *p = t.p; p < e && (p = memchr(p, '>', (size_t)(e - p))) != NULL; p++)
        k += p == t.p || p[-1] == '\n' || p[-1] == '\r';
    return k;
}

/* mostly_quoted - at least 4 non-blank lines, three in four starting with
   ">"; the count of quoted lines is known first, so a text with fewer than
   3 (most: an address's '>' is not at a line start) is not walked at all,
   and a walk stops once its unquoted lines are more than a third of them */
static bool mostly_quoted(bn_str t)
{
    size_t pos = 0, q = 0, total = 0, qall = quote_starts(t);
    bn_str line;
    if (qall < 3)
        return false; /* 4 lines, 3 in 4 quoted: at least 3 quoted */
    while (bn_x_line(t, &pos, &line)) {
        if (bn_x_is_blank(line))
            continue;
        total++;
        if (line.p[0] == '>')
            q++;
        else if (3 * (total - q) > qall)
            return false; /* q * 4 >= total * 3 needs q >= 3 * unquoted */
    }
    return total >= 4 && q * 4 >= total * 3;
}

/*
 * unquote - a forwarded bounce quoted with "> ": drop one quote level so the
 * report inside reads as the server wrote it (only when most lines are quoted)
 */
static bn_str unquote(bn_arena *a, bn_str t)
{
    if (!mostly_quoted(t))
        return t;
    char *out = bn_arena_alloc(a, t.n + 1);
    if (!out)
        return t;
    size_t pos = 0, o = 0;
    bn_str line;
    while (bn_x_line(t, &pos, &line)) {
        if (line.n && line.p[0] == '>') {
            line.p++;
            line.n--;
            if (line.n && line.p[0] == ' ')
                line = (bn_str){line.p + 1, line.n - 1};
        }
        if (line.n)
            memcpy(out + o, line.p, line.n);
        o += line.n;
        out[o++] = '\n';
    }
    return (bn_str){out, o};
}

/* Entities that matter for addresses and replies. */
static const struct {
    const char *ent;
    char ch;
} entities[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&nbsp;", ' '},
                {"&quot;", '"'}, {"&#64;", '@'}, {"&#39;", '\''}};

/* block_tag - a tag that ends a line of text: one that starts "<br", "<p",
   "</p", "</h", "</div", "</tr", "</td", "</li" or "</table" (any case);
   the byte after "<" or "</" picks the one prefix to compare (a loop over
   the list was most of the cost of an HTML bounce's text) */
static bool block_tag(bn_str tag)
{
    unsigned char c = tag.n > 1 ? bn_lc((unsigned char)tag.p[1]) : 0;
    unsigned char d = tag.n > 2 ? bn_lc((unsigned char)tag.p[2]) : 0;
    if (c == 'p')
        return true;
    if (c == 'b')
        return d == 'r';
    if (c != '/')
        return false;
    switch (d) {
    case 'p':
    case 'h':
        return true;
    case 'd':
        return bn_str_starts_ci(tag, "</div");
    case 't':
        return bn_str_starts_ci(tag, "</tr") || bn_str_starts_ci(tag, "</table") ||
               bn_str_starts_ci(tag, "</td");
    case 'l':
        return bn_str_starts_ci(tag, "</li");
    default:
        return false;
    }
}

/* skip_tag - the tag at h.p[i] (block tags become a line end in out[*o]);
   returns where the text goes on: after the tag, or at the "</" that closes
   a <style> or <script> */
static size_t skip_tag(bn_str h, size_t i, char *out, size_t *o)
{
    bn_str rest = {h.p + i, h.n - i};
    const char *gt = bn_str_chr(rest, '>');
    size_t end = gt ? (size_t)(gt - h.p) + 1 : h.n;
    const char *close = NULL;
    unsigned char c = rest.n > 1 ? bn_lc((unsigned char)rest.p[1]) : 0;
    if (c == 's' && (bn_str_starts_ci(rest, "<style") || bn_str_starts_ci(rest, "<script")))
        close = bn_mem_find_ci(h.p + end, h.n - end, "</", 2);
    if (block_tag(rest))
        out[(*o)++] = '\n';
    return close ? (size_t)(close - h.p) : end;
}

/* next_at - the offset of the next byte c at or after i (h.n: none), kept
   in *at (SIZE_MAX: not looked for yet) and searched again only once i has
   passed it: every search starts where the last one ended, so a text of
   many '&' and one '<' at its end is read once, not once per '&' */
static size_t next_at(bn_str h, size_t i, char c, size_t *at)
{
    if (*at == SIZE_MAX || *at < i) {
        const char *p = memchr(h.p + i, c, h.n - i);
        *at = p ? (size_t)(p - h.p) : h.n;
    }
    return *at;
}

/* plain_run - how many bytes from h.p[i] on hold neither '<' nor '&' (they
   are copied at once); lt and amp keep where the next ones are */
static size_t plain_run(bn_str h, size_t i, size_t *lt, size_t *amp)
{
    size_t a = next_at(h, i, '<', lt), b = next_at(h, i, '&', amp);
    return (a < b ? a : b) - i;
}

/* html_to_text - an HTML-only bounce as plain lines: tags dropped (block tags
   become line ends), the entities above decoded, <style>/<script> skipped */
static bn_str html_to_text(bn_arena *a, bn_str h)
{
    char *out = bn_arena_alloc(a, h.n + 1);
    if (!out)
        return h;
    size_t o = 0, lt = SIZE_MAX, amp = SIZE_MAX;
    for (size_t i = 0; i < h.n;) {
        size_t run = plain_run(h, i, &lt, &amp);
        if (run) {
            memcpy(out + o, h.p + i, run);
            o += run;
            i += run;
            continue;
        }
        if (h.p[i] == '<') {
            i = skip_tag(h, i, out, &o);
            continue;
        }
        bn_str rest = {h.p + i, h.n - i};
        size_t k = 0;
        while (k < sizeof entities / sizeof entities[0] && !bn_str_starts_ci(rest, entities[k].ent))
            k++;
        if (k < sizeof entities / sizeof entities[0]) {
            out[o++] = entities[k].ch;
            i += strlen(entities[k].ent);
            continue;
        }
        out[o++] = h.p[i++];
    }
    out[o] = '\0';
    return (bn_str){out, o};
}

/* pick_text - the first human-readable part that is not in the original */
static void pick_text(bn_xctx *x)
{
    bn_msg *m = x->msg;
    int html = -1;
    for (size_t i = 0; i < m->nparts; i++) {
        bn_part *p = &m->parts[i];
        if (in_original(m, i) || is_original_type(p))
            continue;
        if (bn_part_is(p, "text/plain") && (!p->is_attachment || i == 0)) {
            x->text_part = (int)i;
            x->text = unquote(x->arena, bn_part_text(m, p));
            return;
        }
        if (html < 0 && bn_part_is(p, "text/html"))
            html = (int)i;
    }
    if (html >= 0) {
        x->text_part = html;
        x->text = html_to_text(x->arena, bn_part_text(m, &m->parts[html]));
        return;
    }
    /* a multipart whose boundaries never appear (or whose inner headers are
       broken): its raw body is all there is, unless it holds the original */
    bool has_original = false;
    for (size_t i = 0; i < m->nparts; i++)
        has_original |= is_original_type(&m->parts[i]);
    if (m->nparts && !has_original) {
        x->text_part = 0;
        x->text = bn_part_body(m, &m->parts[0]);
    }
}

/* from_part - the original's headers from a message/rfc822 or headers part */
static int from_part(bn_xctx *x, size_t i)
{
    bn_msg *m = x->msg;
    bn_orig *o = &x->orig;
    o->found = true;
    o->src = bn_part_is(&m->parts[i], "message/rfc822") ||
                     bn_part_is(&m->parts[i], "message/global")
                 ? "message/rfc822"
                 : "text/rfc822-headers";
    if (i + 1 < m->nparts && m->parts[i + 1].parent == (int)i) {
        o->part = (int)(i + 1);
        o->hdrs = m->parts[i + 1].hdrs;
        return BN_OK;
    }
    /* not parsed as an entity by the message layer: read the header block */
    o->part = -1;
    bn_str body = bn_part_body(m, &m->parts[i]);
    return bn_x_header_block(x->arena, body, x->opts->max_headers, &o->hdrs, &o->body);
}

/* bn_x_original - find the text of the bounce and the returned original */
int bn_x_original(bn_xctx *x)
{
    bn_msg *m = x->msg;
    x->text_part = -1;
    x->orig.part = -1;
    pick_text(x);
    for (size_t i = 1; i < m->nparts; i++) {
        if (is_original_type(&m->parts[i]) && !in_original(m, i)) {
            int rc = from_part(x, i);
            if (rc)
                return rc;
            if (x->orig.hdrs.n)
                break;
            x->orig.found = false;
        }
    }
    if (x->text.n) {
        bn_orig inl;
        memset(&inl, 0, sizeof inl);
        size_t cut = find_inline(x, x->text, &inl);
        if (inl.found && !x->orig.found)
            x->orig = inl;
        x->text.n = cut;
    }
    return BN_OK;
}
