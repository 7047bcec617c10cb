/*
 * gentables.c - compile data/NAME.tsv into C tables (host tool, run at build time)
 *
 * usage: gentables <datadir> <outdir>   -> <outdir>/tables.c, <outdir>/tables.h
 *
 * Inputs (tab-separated, '#' starts a comment line, see each file's header):
 *   reasons.tsv      reason  fault  action  what  advice (a reason again: another fault's words)
 *   reply_codes.tsv  code  reason|-  permanence  fault  meaning
 *   status_codes.tsv status(X.s.d|4.s.d|5.s.d)  reason|-  strength  permanence  fault  meaning
 *   providers.tsv    rule  provider  kind(host|marker|status|gstatus)  key  reason|-  meaning
 *   blocklists.tsv   rule  name  marker
 *   phrases.tsv      rule  reason|-  priority  flags  phrase
 *
 * Every text marker (phrases, provider hosts and markers, blocklist markers)
 * goes into one Aho-Corasick automaton. The automaton is built here, once,
 * and emitted as a full DFA (state x byte class) so the library does no work
 * at start-up and needs no lock: c-design.md §2.2 measured 1 ms to build,
 * which is cheap, but a DFA in .rodata is also shared between processes.
 *
 * Matching folds ASCII case and turns whitespace runs into one space; the
 * library's normaliser does the same to the text, so patterns are folded
 * identically here. Any error in the data stops the build with file:line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../include/bounce.h"

#define MAXF 8
#define MAXLINE 4096

static const char *reason_names[] = {
#define R_(id, name) name,
    BN_REASON_LIST(R_)
#undef R_
};

/* ---- small helpers ---------------------------------------------------- */

static const char *cur_file;
static int cur_line;

/* die - report a data error with its position and stop */
__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gentables: %s:%d: ", cur_file ? cur_file : "-", cur_line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* xmalloc - allocate or stop (host tool: failure ends the build) */
static void *xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "gentables: out of memory\n");
        exit(1);
    }
    return p;
}

/* xstrdup - copy a string */
static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

/* reason_id - index of a reason name, -1 for "-", stop when unknown */
static int reason_id(const char *s)
{
    if (strcmp(s, "-") == 0)
        return -1;
    for (unsigned i = 0; i < BN_REASON_COUNT; i++)
        if (strcmp(s, reason_names[i]) == 0)
            return (int)i;
    die("unknown reason '%s'", s);
    return -1;
}

/* fault_id - bn_fault value of a name */
static int fault_id(const char *s)
{
    static const char *n[] = {"unknown", "recipient", "sender", "message",
                              "network", "remote-system", "none"};
    for (int i = 0; i < 7; i++)
        if (strcmp(s, n[i]) == 0)
            return i;
    die("unknown fault '%s'", s);
    return 0;
}

/* action_id - bn_action value of a name */
static int action_id(const char *s)
{
    static const char *n[] = {"review", "suppress", "retry", "fix-sender",
                              "fix-message", "none"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, n[i]) == 0)
            return i;
    die("unknown action '%s'", s);
    return 0;
}

/* perm_id - 0 class (from the code's first digit), 1 permanent, 2 transient */
static int perm_id(const char *s)
{
    if (strcmp(s, "class") == 0 || strcmp(s, "-") == 0)
        return 0;
    if (strcmp(s, "permanent") == 0)
        return 1;
    if (strcmp(s, "transient") == 0)
        return 2;
    die("unknown permanence '%s'", s);
    return 0;
}

/* fold - the byte as the matcher sees it: ASCII lower case, whitespace = ' ' */
static unsigned char fold(unsigned char c)
{
    if (c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v')
        return ' ';
    if (c >= 'A' && c <= 'Z')
        return (unsigned char)(c + 32);
    return c;
}

/* fold_text - fold a pattern and collapse whitespace runs (as the library does) */
static char *fold_text(const char *s)
{
    size_t n = strlen(s);
    char *o = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = fold((unsigned char)s[i]);
        if (c == ' ' && (j == 0 || o[j - 1] == ' '))
            continue;
        o[j++] = (char)c;
    }
    while (j > 0 && o[j - 1] == ' ')
        j--;
    o[j] = 0;
    if (j == 0)
        die("empty pattern");
    if (j > 200)
        die("pattern longer than 200 bytes");
    return o;
}

/* ---- TSV reading ------------------------------------------------------ */

typedef struct row {
    int nf;
    char *f[MAXF];
    int line;
} row;

typedef struct table {
    row *rows;
    int n, cap;
    const char *name;
} table;

/* split - cut a line at tabs into fields */
static int split(char *line, char **f)
{
    int nf = 0;
    char *p = line;
    for (;;) {
        if (nf == MAXF)
            die("too many fields");
        f[nf++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = 0;
        p = t + 1;
    }
    return nf;
}

/* read_tsv - read every non-comment line of dir/name with exactly nf fields */
static table read_tsv(const char *dir, const char *name, int nf)
{
    table t = {0};
    char path[1024], buf[MAXLINE];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "r");
    cur_file = name;
    cur_line = 0;
    if (!fp)
        die("cannot open %s: %s", path, strerror(errno));
    t.name = name;
    while (fgets(buf, sizeof buf, fp)) {
        cur_line++;
        size_t l = strlen(buf);
        while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r'))
            buf[--l] = 0;
        if (l == 0 || buf[0] == '#')
            continue;
        if (t.n == t.cap) {
            t.cap = t.cap ? t.cap * 2 : 64;
            row *nr = xmalloc(sizeof *nr * (size_t)t.cap);
            if (t.n)
                memcpy(nr, t.rows, sizeof *nr * (size_t)t.n);
            free(t.rows);
            t.rows = nr;
        }
        row *r = &t.rows[t.n++];
        char *copy = xstrdup(buf);
        r->nf = split(copy, r->f);
        r->line = cur_line;
        if (r->nf != nf)
            die("%d fields, want %d", r->nf, nf);
        for (int i = 0; i < nf; i++)
            if (!r->f[i][0])
                die("empty field %d", i + 1);
    }
    fclose(fp);
    return t;
}

/* at - position a table row for error messages */
static row *at(table *t, int i)
{
    cur_file = t->name;
    cur_line = t->rows[i].line;
    return &t->rows[i];
}

/* ---- C output helpers ------------------------------------------------- */

/* put_str - write a C string literal, escaping what C needs */
static void put_str(FILE *o, const char *s)
{
    if (!s || strcmp(s, "-") == 0) {
        fputs("NULL", o);
        return;
    }
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(o, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(o, "\\%03o", *p);
        else
            fputc(*p, o);
    }
    fputc('"', o);
}

/* ---- rule ids ---------------------------------------------------------- */

static char **rule_ids;
static int n_rule_ids, cap_rule_ids;

/* check_rule_id - a rule id is [a-z0-9.-]+ and unique over all tables */
static void check_rule_id(const char *id)
{
    for (const char *p = id; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' ||
              *p == '-' || *p == '_'))
            die("bad character in rule id '%s'", id);
    for (int i = 0; i < n_rule_ids; i++)
        if (strcmp(rule_ids[i], id) == 0)
            die("duplicate rule id '%s'", id);
    if (n_rule_ids == cap_rule_ids) {
        cap_rule_ids = cap_rule_ids ? cap_rule_ids * 2 : 256;
        char **n = xmalloc(sizeof *n * (size_t)cap_rule_ids);
        if (n_rule_ids)
            memcpy(n, rule_ids, sizeof *n * (size_t)n_rule_ids);
        free(rule_ids);
        rule_ids = n;
    }
    rule_ids[n_rule_ids++] = xstrdup(id);
}

/* ---- Aho-Corasick ------------------------------------------------------ */

enum { PK_PHRASE = 0, PK_PROVIDER = 1, PK_BLOCKLIST = 2 };

typedef struct pattern {
    char *text; /* folded */
    int kind, index;
} pattern;

static pattern *pats;
static int n_pats, cap_pats;

/* add_pattern - queue a folded text marker for the automaton */
static void add_pattern(const char *text, int kind, int index)
{
    if (n_pats == cap_pats) {
        cap_pats = cap_pats ? cap_pats * 2 : 512;
        pattern *n = xmalloc(sizeof *n * (size_t)cap_pats);
        if (n_pats)
            memcpy(n, pats, sizeof *n * (size_t)n_pats);
        free(pats);
        pats = n;
    }
    char *f = fold_text(text);
    for (int i = 0; i < n_pats; i++)
        if (strcmp(pats[i].text, f) == 0)
            die("pattern '%s' appears twice", text);
    pats[n_pats++] = (pattern){f, kind, index};
}

typedef struct acstate {
    int next[256]; /* trie edges by folded byte, -1 none; DFA after build */
    int fail;
    int parent, depth; /* in the trie (the root: -1, 0) */
    int *out, n_out;
} acstate;

static acstate *st;
static int n_st, cap_st;

/* new_state - a fresh trie node */
static int new_state(void)
{
    if (n_st == cap_st) {
        cap_st = cap_st ? cap_st * 2 : 1024;
        acstate *n = xmalloc(sizeof *n * (size_t)cap_st);
        if (n_st)
            memcpy(n, st, sizeof *n * (size_t)n_st);
        free(st);
        st = n;
    }
    acstate *s = &st[n_st];
    memset(s, 0, sizeof *s);
    s->parent = -1;
    for (int i = 0; i < 256; i++)
        s->next[i] = -1;
    return n_st++;
}

/* add_out - append a pattern id to a state's output list */
static void add_out(int s, int pid)
{
    for (int i = 0; i < st[s].n_out; i++)
        if (st[s].out[i] == pid)
            return;
    int *n = xmalloc(sizeof *n * (size_t)(st[s].n_out + 1));
    if (st[s].n_out)
        memcpy(n, st[s].out, sizeof *n * (size_t)st[s].n_out);
    free(st[s].out);
    n[st[s].n_out++] = pid;
    st[s].out = n;
}

/* is_high - the pattern has a non-ASCII byte (it goes to the second automaton) */
static int is_high(const char *t)
{
    for (const unsigned char *c = (const unsigned char *)t; *c; c++)
        if (*c >= 0x80)
            return 1;
    return 0;
}

/* build_trie - insert every pattern of one automaton (high: non-ASCII ones) */
static void build_trie(int high)
{
    new_state();
    for (int p = 0; p < n_pats; p++) {
        if (is_high(pats[p].text) != high)
            continue;
        int s = 0;
        for (const unsigned char *c = (const unsigned char *)pats[p].text; *c; c++) {
            if (st[s].next[*c] < 0) {
                int ns = new_state();
                st[s].next[*c] = ns;
                st[ns].parent = s;
                st[ns].depth = st[s].depth + 1;
            }
            s = st[s].next[*c];
        }
        add_out(s, p);
    }
}

/* Breadth-first order of the states (root first), from build_dfa: the
   order scan_order numbers the shallow states in. */
static int *bfs_order;

/* build_dfa - breadth-first failure links, then complete every transition */
static void build_dfa(void)
{
    int *queue = xmalloc(sizeof *queue * (size_t)n_st);
    int qh = 0, qt = 0;
    free(bfs_order);
    bfs_order = xmalloc(sizeof *bfs_order * (size_t)n_st);
    bfs_order[0] = 0;
    for (int c = 0; c < 256; c++) {
        int t = st[0].next[c];
        if (t < 0) {
            st[0].next[c] = 0;
        } else {
            st[t].fail = 0;
            queue[qt++] = t;
        }
    }
    while (qh < qt) {
        int s = queue[qh++];
        int f = st[s].fail;
        for (int i = 0; i < st[f].n_out; i++)
            add_out(s, st[f].out[i]);
        for (int c = 0; c < 256; c++) {
            int t = st[s].next[c];
            if (t < 0) {
                st[s].next[c] = st[f].next[c];
            } else {
                st[t].fail = st[f].next[c];
                queue[qt++] = t;
            }
        }
    }
    if (qt != n_st - 1)
        die("automaton: %d of %d states reached", qt + 1, n_st);
    memcpy(bfs_order + 1, queue, sizeof *queue * (size_t)qt);
    free(queue);
}

/* States up to this depth are numbered breadth-first, the deeper ones
   depth-first (scan_order). */
#define HOT_DEPTH 2

/*
 * scan_order - the order the DFA rows are laid out in: the shallow states
 * breadth-first (ordinary text keeps visiting them: their rows pack
 * together), then every deeper subtree depth-first, so the states of one
 * marker follow each other. A text that runs along a marker then walks
 * through neighbouring rows, a few pages, instead of one row per depth
 * level scattered over the whole table (one TLB entry per byte).
 */
static int *scan_order(void)
{
    int *ord = xmalloc(sizeof *ord * (size_t)n_st), k = 0;
    int *first = xmalloc(sizeof *first * (size_t)n_st), *sib = xmalloc(sizeof *sib * (size_t)n_st);
    int *stack = xmalloc(sizeof *stack * (size_t)n_st);
    for (int i = 0; i < n_st; i++)
        first[i] = sib[i] = -1;
    for (int i = n_st - 1; i > 0; i--) /* children in creation order */
        sib[i] = first[st[i].parent], first[st[i].parent] = i;
    for (int i = 0; i < n_st; i++)
        if (st[bfs_order[i]].depth <= HOT_DEPTH)
            ord[k++] = bfs_order[i];
    for (int i = 0; i < n_st; i++) {
        if (st[bfs_order[i]].depth != HOT_DEPTH + 1)
            continue;
        int sp = 0;
        stack[sp++] = bfs_order[i];
        while (sp > 0) {
            int v = stack[--sp], nc = 0;
            ord[k++] = v;
            for (int c = first[v]; c >= 0; c = sib[c])
                stack[sp + nc++] = c;
            for (int a = 0, b = nc - 1; a < b; a++, b--) { /* first child on top */
                int t = stack[sp + a];
                stack[sp + a] = stack[sp + b], stack[sp + b] = t;
            }
            sp += nc;
        }
    }
    if (k != n_st)
        die("automaton: %d of %d states ordered", k, n_st);
    free(first);
    free(sib);
    free(stack);
    return ord;
}

/* ---- emitting ---------------------------------------------------------- */

/* A DFA row holds the transitions on PLANE_W byte classes (emit_ac). Rows
   of 8 entries (16 bytes) measured fastest on the bench mix (3.2 M replies/s
   against 3.16 M with 16, 3.0 M with 32, 3.1 M with 4). */
#define PLANE_BITS 3
#define PLANE_W (1 << PLANE_BITS)

static int byte_class[256];
static int n_classes;

/*
 * make_classes - one class per byte used in a pattern, class 0 for the rest.
 * The most frequent bytes of ordinary text get the lowest classes: they
 * share the first planes (emit_ac), so the rows that text visits most are
 * the same few short rows.
 */
static void make_classes(int high)
{
    /* roughly by frequency in English and in replies */
    static const char common[] = " etaoinsrlcdumhpgfyvbkw.,:-/xqjz";
    int used[256] = {0};
    for (int p = 0; p < n_pats; p++)
        if (is_high(pats[p].text) == high)
            for (const unsigned char *c = (const unsigned char *)pats[p].text; *c; c++)
                used[*c] = 1;
    memset(byte_class, 0, sizeof byte_class);
    n_classes = 1;
    for (const char *c = common; *c; c++)
        if (used[(unsigned char)*c])
            byte_class[(unsigned char)*c] = n_classes++;
    for (int c = 0; c < 256; c++)
        if (used[c] && !byte_class[c])
            byte_class[c] = n_classes++;
}

/* ---- per-state summaries ---------------------------------------------- */

/* The tables the patterns come from (set by main before build_and_emit). */
static table *src_phrases, *src_providers, *src_blocklists;

static int phrase_flags(const char *s);
static int provider_kind(const char *s);

/* What noting every output of a state adds to the scan's hits (knowledge.c
   note_state): the winner of each kind among the outputs, as noting them in
   order would choose it. */
typedef struct summary {
    int phrase, prio, flags, marker, wording, blocklist, list;
} summary;

/* sum_keep - the candidate of length len replaces *best (length *best_len)
   when it is the first or longer: the first of the longest wins, as in
   note_provider and note_blocklist */
static void sum_keep(int *best, size_t *best_len, int cand, size_t len)
{
    if (*best < 0 || len > *best_len)
        *best = cand, *best_len = len;
}

/*
 * state_summary - the summary of state s. An output whose effect depends on
 * the text around it (a word-bounded phrase, a host name that must stand
 * alone) makes the state a "list" state: the scanner then notes its
 * outputs one by one, in order, so ties resolve exactly as before.
 */
static summary state_summary(int s)
{
    summary m = {-1, 0, 0, -1, -1, -1, 0};
    size_t mk_len = 0, wd_len = 0, bl_len = 0;
    for (int i = 0; i < st[s].n_out; i++) {
        const pattern *p = &pats[st[s].out[i]];
        if (p->kind == PK_PHRASE) {
            row *r = &src_phrases->rows[p->index];
            int flags = phrase_flags(r->f[3]), prio = atoi(r->f[2]);
            m.list |= flags & 1;
            m.flags |= flags & 30; /* the hints: t, r, f, m */
            if (!(flags & 1) && reason_id(r->f[1]) >= 0 && (m.phrase < 0 || prio > m.prio))
                m.phrase = p->index, m.prio = prio;
        } else if (p->kind == PK_PROVIDER) {
            row *r = &src_providers->rows[p->index];
            int kind = provider_kind(r->f[2]);
            if (kind == 0)
                m.list = 1;
            else if (kind == 4)
                sum_keep(&m.wording, &wd_len, p->index, strlen(r->f[3]));
            else
                sum_keep(&m.marker, &mk_len, p->index, strlen(r->f[3]));
        } else {
            sum_keep(&m.blocklist, &bl_len, p->index, strlen(src_blocklists->rows[p->index].f[2]));
        }
    }
    return m;
}

/* emit_summaries - pfx_sum[state - first_out] for every state with output,
   in the emitted numbering (order[]) */
static void emit_summaries(FILE *o, FILE *h, const char *pfx, const int *order, int first_out)
{
    fprintf(h, "extern const bn_kb_sum %s_sum[%d];\n", pfx, n_st - first_out);
    fprintf(o, "const bn_kb_sum %s_sum[%d] = {\n", pfx, n_st - first_out);
    for (int i = first_out; i < n_st; i++) {
        summary m = state_summary(order[i]);
        fprintf(o, " {%d,%d,%d,%d,%d,%d,%d,%d},\n", m.phrase, m.marker, m.wording, m.blocklist,
                m.prio, m.flags, m.list, m.marker >= 0 || m.wording >= 0 || m.blocklist >= 0);
    }
    fprintf(o, "};\n\n");
}

/*
 * emit_ac - one automaton: byte columns, DFA and per-state output lists,
 * named pfx_*. The DFA is stored in planes of PLANE_W classes: plane p holds,
 * for every state in turn, its transitions on classes PLANE_W*p... A state's
 * row in a plane is 16 bytes: four states share a cache line, and with
 * scan_order's numbering the states along one marker are neighbours, so a
 * text running along a marker touches a line every few bytes instead of
 * every byte: the bench mix (2,010 bytes) visits 679 lines, 42 KiB, where
 * 64-byte rows took 949 lines (more than the L1).
 *
 * A state is stored pre-scaled, as v = state * STATE_SCALE with the row's
 * byte offset v * 8, and pfx_col[byte] points at the byte's column in the
 * first row of its plane: the transition is pfx_col[byte][v * ROW_MUL],
 * one load addressed as column pointer + v * 8 (x86's largest scale), with
 * no shift or add on the chain of dependent loads the scan is bound by.
 * The ASCII automaton (high 0) also gets a summary per state with output
 * (emit_summaries).
 */
static void emit_ac(FILE *o, FILE *h, const char *pfx, int high)
{
    int wide = n_st * 2 >= 65536; /* 16-bit values hold states * 2 */
    const char *stype = wide ? "uint32_t" : "uint16_t";
    int scale = PLANE_W * (wide ? 4 : 2) / 8, planes = (n_classes + PLANE_W - 1) / PLANE_W;
    long plane_size = (long)n_st * PLANE_W;
    fprintf(h, "extern const %s *const %s_col[256];\n", stype, pfx);
    fprintf(h, "#define %s_STATE_SCALE %d\n#define %s_ROW_MUL %d\n", pfx, scale, pfx,
            PLANE_W / scale);
    fprintf(h, "#define %s_NSTATES %d\n", pfx, n_st);
    fprintf(h, "extern const %s %s_delta[%ld];\n", stype, pfx, plane_size * planes);
    fprintf(h, "extern const uint32_t %s_out_start[%d];\n", pfx, n_st + 1);
    fprintf(h, "extern const uint16_t %s_out[];\n", pfx);
    /*
     * Renumber: states without output first, so the scanner tests "state >=
     * first_out" instead of loading the output table on every byte. The
     * root (no output) stays 0.
     */
    int *newid = xmalloc(sizeof *newid * (size_t)n_st), *order = xmalloc(sizeof *order * (size_t)n_st);
    int k = 0, first_out, *so = scan_order();
    for (int i = 0; i < n_st; i++)
        if (st[so[i]].n_out == 0)
            order[k] = so[i], newid[so[i]] = k++;
    first_out = k;
    for (int i = 0; i < n_st; i++)
        if (st[so[i]].n_out > 0)
            order[k] = so[i], newid[so[i]] = k++;
    free(so);
    fprintf(h, "/* stored state values >= this have output */\n#define %s_FIRST_OUT %d\n", pfx,
            first_out * scale);
    /* a row of a plane is one cache line: rows start on line boundaries */
    fprintf(o, "_Alignas(64) const %s %s_delta[%ld] = {\n", stype, pfx, plane_size * planes);
    int rep[256];
    for (int c = 0; c < 256; c++)
        rep[byte_class[c]] = c;
    rep[0] = 0x01; /* a byte no pattern uses */
    for (int p = 0; p < planes; p++) {
        for (int i = 0; i < n_st; i++) {
            /* state i's row of plane p: entries p * plane_size + i * PLANE_W.. */
            fputs(" ", o);
            for (int c = PLANE_W * p; c < PLANE_W * p + PLANE_W; c++)
                /* padding columns are never indexed: no byte maps to them */
                fprintf(o, "%d,", c < n_classes ? newid[st[order[i]].next[rep[c]]] * scale : 0);
            fputs("\n", o);
        }
    }
    fprintf(o, "};\n\nconst %s *const %s_col[256] = {", stype, pfx);
    for (int c = 0; c < 256; c++) {
        int kc = byte_class[fold((unsigned char)c)];
        fprintf(o, "%s%s_delta + %ld", c == 0 ? "\n  " : c % 8 ? ", " : ",\n  ", pfx,
                (long)(kc / PLANE_W) * plane_size + kc % PLANE_W);
    }
    fprintf(o, "};\n\nconst uint32_t %s_out_start[%d] = {", pfx, n_st + 1);
    long total = 0;
    for (int i = 0; i < n_st; i++) {
        fprintf(o, "%s%ld", i == 0 ? "\n  " : i % 16 ? "," : ",\n  ", total);
        total += st[order[i]].n_out;
    }
    /* the trailing 0 keeps the array non-empty; out_start never points at it */
    fprintf(o, ",%ld};\n\nconst uint16_t %s_out[] = {", total, pfx);
    for (int i = 0; i < n_st; i++)
        for (int j = 0; j < st[order[i]].n_out; j++)
            fprintf(o, "%d,", st[order[i]].out[j]);
    fprintf(o, "0};\n\n");
    if (!high) /* the non-ASCII automaton notes its few hits one by one */
        emit_summaries(o, h, pfx, order, first_out);
    free(newid);
    free(order);
}

/* emit_patterns - every text marker with its table and row, and the fold table */
static void emit_patterns(FILE *o, FILE *h)
{
    fprintf(h, "extern const unsigned char bn_kb_fold_table[256];\n");
    fprintf(o, "const unsigned char bn_kb_fold_table[256] = {");
    for (int c = 0; c < 256; c++)
        fprintf(o, "%s%d", c == 0 ? "\n  " : c % 16 ? "," : ",\n  ", fold((unsigned char)c));
    fprintf(o, "};\n\n");
    fprintf(h, "#define BN_AC_NPATTERNS %d\n", n_pats);
    fprintf(h, "extern const bn_kb_pattern bn_kb_patterns[BN_AC_NPATTERNS];\n");
    fprintf(o, "const bn_kb_pattern bn_kb_patterns[BN_AC_NPATTERNS] = {\n");
    for (int p = 0; p < n_pats; p++) {
        fprintf(o, " {%d,%d,%zu,", pats[p].kind, pats[p].index, strlen(pats[p].text));
        put_str(o, pats[p].text);
        fputs("},\n", o);
    }
    fputs("};\n", o);
}

/* reset_states - drop the automaton just emitted */
static void reset_states(void)
{
    for (int i = 0; i < n_st; i++)
        free(st[i].out);
    n_st = 0;
}

/* build_and_emit - the ASCII automaton (bn_ac) and the non-ASCII one (bn_acu) */
static void build_and_emit(FILE *o, FILE *h)
{
    const char *pfx[2] = {"bn_ac", "bn_acu"};
    for (int high = 0; high < 2; high++) {
        build_trie(high);
        build_dfa();
        make_classes(high);
        emit_ac(o, h, pfx[high], high);
        reset_states();
    }
    emit_patterns(o, h);
}

/* ---- the tables -------------------------------------------------------- */

/* put_reason - one bn_kb_reason initializer from a row's fault, action, what, advice */
static void put_reason(FILE *o, const char *const f[4], const char *name)
{
    if (strlen(f[2]) > UINT16_MAX || strlen(f[3]) > UINT16_MAX)
        die("reason '%s': text longer than %u bytes", name, UINT16_MAX);
    fprintf(o, "{%d,%d,", fault_id(f[0]), action_id(f[1]));
    put_str(o, f[2]);
    fputc(',', o);
    put_str(o, f[3]);
    fprintf(o, ",%zu,%zu}", strlen(f[2]), strlen(f[3]));
}

/*
 * emit_reasons - per-reason fault, action and explanation. Every reason has
 * its own row first; after them, a row of a reason again with another fault
 * is a variant: its action and words apply when the evidence puts the
 * failure on that side (a rate limit of the recipient's mailbox, not the
 * sender's).
 */
static void emit_reasons(FILE *o, FILE *h, table *t)
{
    int seen[BN_REASON_COUNT] = {0}, nvar = 0, nown = 0;
    unsigned varseen[BN_REASON_COUNT] = {0}; /* bit f: a variant for fault f */
    const char *line[BN_REASON_COUNT][4] = {{0}};
    fprintf(o, "const bn_kb_variant bn_kb_variants[] = {\n");
    for (int i = 0; i < t->n; i++) {
        row *r = at(t, i);
        int id = reason_id(r->f[0]);
        if (id < 0)
            die("reason '%s' unknown", r->f[0]);
        int f = fault_id(r->f[1]);
        if (seen[id] && (f == fault_id(line[id][0]) || (varseen[id] >> f & 1)))
            die("reason '%s' repeated with the same fault", r->f[0]);
        if (seen[id])
            varseen[id] |= 1u << f;
        /* the variants follow every reason's own row: a sorted file would
           otherwise make a variant ("expired sender") the reason's own */
        if (seen[id] && nown < (int)BN_REASON_COUNT)
            die("variant row of '%s' before every reason has its own row", r->f[0]);
        if (!seen[id] && nvar)
            die("reason '%s': its own row after the variants", r->f[0]);
        action_id(r->f[2]);
        if (seen[id]) {
            fprintf(o, " {%d,", id);
            put_reason(o, (const char *const *)&r->f[1], r->f[0]);
            fputs("},\n", o);
            nvar++;
            continue;
        }
        seen[id] = 1;
        nown++;
        for (int k = 0; k < 4; k++)
            line[id][k] = r->f[k + 1];
    }
    fputs(" {-1,{0,0,\"\",\"\",0,0}}\n};\n\n", o); /* never empty */
    fprintf(o, "const bn_kb_reason bn_kb_reasons[BN_REASON_COUNT] = {\n");
    for (int id = 0; id < (int)BN_REASON_COUNT; id++) {
        if (!seen[id]) {
            cur_line = 0;
            die("reason '%s' has no row", reason_names[id]);
        }
        fputc(' ', o);
        put_reason(o, line[id], reason_names[id]);
        fputs(",\n", o);
    }
    fputs("};\n\n", o);
    fprintf(h, "extern const bn_kb_reason bn_kb_reasons[BN_REASON_COUNT];\n"
               "#define BN_KB_NVARIANTS %d\nextern const bn_kb_variant bn_kb_variants[];\n",
            nvar);
}

/* advice_for - the reply_advice.tsv text of a code; every code must have one */
static const char *advice_for(const table *advice, const char *code)
{
    for (int i = 0; i < advice->n; i++)
        if (!strcmp(at((table *)advice, i)->f[0], code))
            return at((table *)advice, i)->f[1];
    die("reply code %s has no row in reply_advice.tsv", code);
    return NULL;
}

/* emit_reply_lut - direct index [code - 200] (codes 200-599) -> row or -1:
   the classifier looks up every reply code, often twice */
static void emit_reply_lut(FILE *o, FILE *h, table *t)
{
    fprintf(h, "extern const int16_t bn_kb_reply_lut[400];\n");
    fprintf(o, "const int16_t bn_kb_reply_lut[400] = {");
    for (int code = 200; code < 600; code++) {
        int idx = -1;
        for (int i = 0; i < t->n; i++)
            if (atoi(t->rows[i].f[0]) == code)
                idx = i;
        fprintf(o, "%s%d", code == 200 ? "\n  " : code % 20 ? "," : ",\n  ", idx);
    }
    fprintf(o, "};\n\n");
}

/* emit_replies - reply code rows, sorted by code for binary search */
static void emit_replies(FILE *o, FILE *h, table *t, const table *advice)
{
    if (advice->n != t->n)
        die("reply_advice.tsv has %d rows, reply_codes.tsv %d", advice->n, t->n);
    int last = 0;
    fprintf(o, "const bn_kb_reply bn_kb_replies[] = {\n");
    for (int i = 0; i < t->n; i++) {
        row *r = at(t, i);
        char *end;
        long code = strtol(r->f[0], &end, 10);
        if (*end || code < 200 || code > 599 || code <= last)
            die("reply code '%s' invalid or out of order", r->f[0]);
        last = (int)code;
        char rule[32];
        snprintf(rule, sizeof rule, "reply.%ld", code);
        check_rule_id(rule);
        fprintf(o, " {%ld,%d,%d,%d,\"%s\",", code, reason_id(r->f[1]), perm_id(r->f[2]),
                fault_id(r->f[3]), rule);
        put_str(o, r->f[4]);
        fputc(',', o);
        put_str(o, advice_for(advice, r->f[0]));
        fputs("},\n", o);
    }
    fputs("};\n\n", o);
    fprintf(h, "#define BN_KB_NREPLIES %d\nextern const bn_kb_reply bn_kb_replies[];\n", t->n);
    emit_reply_lut(o, h, t);
}

/* parse_status - "X.1.1" / "5.7.26" -> class char, subject, detail */
static void parse_status(const char *s, char *cls, int *sub, int *det)
{
    char c;
    int a, b, n = 0;
    if (sscanf(s, "%c.%d.%d%n", &c, &a, &b, &n) != 3 || s[n] ||
        !(c == 'X' || c == '2' || c == '4' || c == '5') || a < 0 || a > 999 || b < 0 ||
        b > 999)
        die("bad status '%s'", s);
    *cls = c;
    *sub = a;
    *det = b;
}

/* status_row_for - index of the row for class cls ('2'/'4'/'5'): its own row, else the X row */
static int status_row_for(table *t, char cls, int sub, int det)
{
    int any = -1;
    for (int i = 0; i < t->n; i++) {
        char c;
        int a, b;
        parse_status(t->rows[i].f[0], &c, &a, &b);
        if (a != sub || b != det)
            continue;
        if (c == cls)
            return i;
        if (c == 'X')
            any = i;
    }
    return any;
}

/*
 * emit_status_lut - direct index [class 2/4/5][subject 0-7][detail 0-31] ->
 * row or -1, so the classifier's status lookup is one load instead of a scan;
 * and the largest subject and detail of any row: a status beyond them has
 * no row, without a scan either.
 */
static void emit_status_lut(FILE *o, FILE *h, table *t)
{
    static const char cls[3] = {'2', '4', '5'};
    int max_sub = 0, max_det = 0;
    for (int i = 0; i < t->n; i++) {
        char c;
        int a, b;
        parse_status(t->rows[i].f[0], &c, &a, &b);
        max_sub = a > max_sub ? a : max_sub;
        max_det = b > max_det ? b : max_det;
    }
    fprintf(h, "#define BN_KB_STATUS_LUT_SUB 8\n#define BN_KB_STATUS_LUT_DET 32\n");
    fprintf(h, "#define BN_KB_STATUS_MAX_SUB %d\n#define BN_KB_STATUS_MAX_DET %d\n", max_sub,
            max_det);
    fprintf(h, "extern const int16_t bn_kb_status_lut[3][8][32];\n");
    fprintf(o, "const int16_t bn_kb_status_lut[3][8][32] = {\n");
    for (int k = 0; k < 3; k++) {
        fputs(" {", o);
        for (int a = 0; a < 8; a++) {
            fputs("{", o);
            for (int b = 0; b < 32; b++)
                fprintf(o, "%s%d", b ? "," : "", status_row_for(t, cls[k], a, b));
            fputs(a < 7 ? "},\n  " : "}", o);
        }
        fputs(k < 2 ? "},\n" : "}\n", o);
    }
    fprintf(o, "};\n\n");
}

/* emit_status - enhanced status rows, unique per (class, subject, detail) */
static void emit_status(FILE *o, FILE *h, table *t)
{
    fprintf(o, "const bn_kb_status bn_kb_statuses[] = {\n");
    for (int i = 0; i < t->n; i++) {
        row *r = at(t, i);
        char c;
        int a, b;
        parse_status(r->f[0], &c, &a, &b);
        for (int j = 0; j < i; j++)
            if (strcmp(t->rows[j].f[0], r->f[0]) == 0)
                die("status '%s' twice", r->f[0]);
        int strength = atoi(r->f[2]);
        if (strength < 0 || strength > 9)
            die("strength must be 0..9");
        char rule[64];
        snprintf(rule, sizeof rule, "status.%s", r->f[0]);
        for (char *p = rule; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        check_rule_id(rule);
        fprintf(o, " {'%c',%d,%d,%d,%d,%d,%d,", c, a, b, reason_id(r->f[1]), strength,
                perm_id(r->f[3]), fault_id(r->f[4]));
        put_str(o, rule);
        fputc(',', o);
        put_str(o, r->f[5]);
        fputs("},\n", o);
    }
    fputs("};\n\n", o);
    fprintf(h, "#define BN_KB_NSTATUSES %d\nextern const bn_kb_status bn_kb_statuses[];\n",
            t->n);
    emit_status_lut(o, h, t);
}

/* provider_kind - host 0, marker 1, status 2, gstatus 3, wording 4 */
static int provider_kind(const char *s)
{
    static const char *n[] = {"host", "marker", "status", "gstatus", "wording"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, n[i]) == 0)
            return i;
    die("unknown provider kind '%s'", s);
    return 0;
}

/* status_key - sortable number of a provider status row, -1 for other rows */
static long status_key(row *r)
{
    char c;
    int a, b;
    int kind = provider_kind(r->f[2]);
    if (kind != 2 && kind != 3)
        return -1;
    parse_status(r->f[3], &c, &a, &b);
    return (long)(c - '0') * 1000000L + a * 1000L + b;
}

/*
 * emit_status_index_lut - direct index [class 4/5][subject 0-7][detail 0-31]
 * -> position in bn_kb_provider_status_index of the first row with that code,
 * -1 when no provider row has it: most statuses are not a provider's, and
 * the classifier asks for every one. Positions follow the sort of
 * emit_status_index (by code, then row order).
 */
static void emit_status_index_lut(FILE *o, FILE *h, table *t)
{
    fprintf(h, "extern const int16_t bn_kb_provider_status_lut[2][8][32];\n");
    fprintf(o, "const int16_t bn_kb_provider_status_lut[2][8][32] = {\n");
    for (int k = 0; k < 2; k++) {
        fputs(" {", o);
        for (int a = 0; a < 8; a++) {
            fputs("{", o);
            for (int b = 0; b < 32; b++) {
                long key = (long)(k ? 5 : 4) * 1000000L + a * 1000L + b;
                int before = 0, found = 0;
                for (int i = 0; i < t->n; i++) {
                    long ki = status_key(&t->rows[i]);
                    before += ki >= 0 && ki < key;
                    found |= ki == key;
                }
                fprintf(o, "%s%d", b ? "," : "", found ? before : -1);
            }
            fputs(a < 7 ? "},\n  " : "}", o);
        }
        fputs(k < 1 ? "},\n" : "}\n", o);
    }
    fprintf(o, "};\n\n");
}

/* emit_status_index - provider status rows sorted by code, for binary
   search, with the code of each as one number (status_key): the search and
   the walk over one code's rows compare those, not three fields per row */
static void emit_status_index(FILE *o, FILE *h, table *t)
{
    int n = 0, *rows = xmalloc(sizeof *rows * (size_t)(t->n + 1));
    long *keys = xmalloc(sizeof *keys * (size_t)(t->n + 1));
    for (long key = -1;;) {
        long next = -1;
        for (int i = 0; i < t->n; i++) {
            long k = status_key(&t->rows[i]);
            if (k > key && (next < 0 || k < next))
                next = k;
        }
        if (next < 0)
            break;
        for (int i = 0; i < t->n; i++)
            if (status_key(&t->rows[i]) == next)
                rows[n] = i, keys[n++] = next;
        key = next;
    }
    fprintf(o, "const uint16_t bn_kb_provider_status_index[] = {");
    for (int i = 0; i < n; i++)
        fprintf(o, "%s%d", i ? "," : "", rows[i]);
    fprintf(o, "};\n\nconst uint32_t bn_kb_provider_status_key[] = {");
    for (int i = 0; i < n; i++)
        fprintf(o, "%s%ld", i ? "," : "", keys[i]);
    fprintf(o, "};\n\n");
    fprintf(h, "#define BN_KB_NPROVIDER_STATUS %d\n", n);
    fprintf(h, "extern const uint16_t bn_kb_provider_status_index[BN_KB_NPROVIDER_STATUS];\n");
    fprintf(h, "/* the code of each row of the index: class * 1000000 + subject * 1000 + detail */\n");
    fprintf(h, "extern const uint32_t bn_kb_provider_status_key[BN_KB_NPROVIDER_STATUS];\n");
    free(rows);
    free(keys);
    emit_status_index_lut(o, h, t);
}

/* emit_providers - provider rows; hosts and markers also feed the automaton */
static void emit_providers(FILE *o, FILE *h, table *t)
{
    fprintf(o, "const bn_kb_provider bn_kb_providers[] = {\n");
    for (int i = 0; i < t->n; i++) {
        row *r = at(t, i);
        check_rule_id(r->f[0]);
        int kind = provider_kind(r->f[2]);
        int reason = reason_id(r->f[4]);
        char c = '0';
        int a = 0, b = 0;
        if (kind == 0 && reason >= 0)
            die("host rows identify a provider, they carry no reason");
        if (kind != 0 && reason < 0)
            die("marker and status rows need a reason");
        if (kind == 2 || kind == 3) {
            parse_status(r->f[3], &c, &a, &b);
            if (c == 'X' || c == '2')
                die("provider status rows name a class 4 or 5 code");
        } else {
            add_pattern(r->f[3], PK_PROVIDER, i);
        }
        fprintf(o, " {");
        put_str(o, r->f[0]);
        fputc(',', o);
        put_str(o, r->f[1]);
        fprintf(o, ",%d,", kind);
        put_str(o, r->f[3]);
        fprintf(o, ",%d,", reason);
        put_str(o, r->f[5]);
        fprintf(o, ",%zu,%d,%d,%d},\n", strlen(r->f[3]), c - '0', a, b);
    }
    fputs("};\n\n", o);
    fprintf(h, "#define BN_KB_NPROVIDERS %d\nextern const bn_kb_provider bn_kb_providers[];\n",
            t->n);
    emit_status_index(o, h, t);
}

/* emit_blocklists - blocklist names and the markers that name them */
static void emit_blocklists(FILE *o, FILE *h, table *t)
{
    fprintf(o, "const bn_kb_blocklist bn_kb_blocklists[] = {\n");
    for (int i = 0; i < t->n; i++) {
        row *r = at(t, i);
        check_rule_id(r->f[0]);
        add_pattern(r->f[2], PK_BLOCKLIST, i);
        fprintf(o, " {");
        put_str(o, r->f[0]);
        fputc(',', o);
        put_str(o, r->f[1]);
        fputc(',', o);
        put_str(o, r->f[2]);
        fputs("},\n", o);
    }
    fputs("};\n\n", o);
    fprintf(h,
            "#define BN_KB_NBLOCKLISTS %d\nextern const bn_kb_blocklist bn_kb_blocklists[];\n",
            t->n);
}

/*
 * phrase_flags - 'w' word boundaries, 't' transient hint, 'r' retry-delay
 * marker, 'f' failure evidence (a delivery failed, cause unknown), 'm' the
 * text speaks of the recipient's mailbox, '-' none
 */
static int phrase_flags(const char *s)
{
    int f = 0;
    if (strcmp(s, "-") == 0)
        return 0;
    for (; *s; s++) {
        if (*s == 'w')
            f |= 1;
        else if (*s == 't')
            f |= 2;
        else if (*s == 'r')
            f |= 4;
        else if (*s == 'f')
            f |= 8;
        else if (*s == 'm')
            f |= 16;
        else
            die("unknown phrase flag '%c'", *s);
    }
    return f;
}

/* emit_phrases - diagnostic phrases with their reason and priority */
static void emit_phrases(FILE *o, FILE *h, table *t)
{
    fprintf(o, "const bn_kb_phrase bn_kb_phrases[] = {\n");
    for (int i = 0; i < t->n; i++) {
        row *r = at(t, i);
        check_rule_id(r->f[0]);
        if (strncmp(r->f[0], "phrase.", 7) != 0)
            die("phrase rule ids start with 'phrase.'");
        int reason = reason_id(r->f[1]);
        int prio = atoi(r->f[2]);
        int flags = phrase_flags(r->f[3]);
        if (prio < 0 || prio > 9)
            die("priority must be 0..9");
        if (reason < 0 && !(flags & 14))
            die("a phrase without a reason must be a hint (t, r or f flag)");
        add_pattern(r->f[4], PK_PHRASE, i);
        fprintf(o, " {");
        put_str(o, r->f[0]);
        fprintf(o, ",%d,%d,%d,", reason, prio, flags);
        put_str(o, r->f[4]);
        fputs("},\n", o);
    }
    fputs("};\n\n", o);
    fprintf(h, "#define BN_KB_NPHRASES %d\nextern const bn_kb_phrase bn_kb_phrases[];\n", t->n);
}

static const char header_types[] =
    "#include <stdint.h>\n#include \"bounce.h\"\n\n"
    "/* what_len, advice_len: strlen of what and advice (explain.c copies them) */\n"
    "typedef struct bn_kb_reason { uint8_t fault, action; const char *what, *advice; "
    "uint16_t what_len, advice_len; } bn_kb_reason;\n"
    "/* a reason's words when the failure is on another side than its own */\n"
    "typedef struct bn_kb_variant { int8_t reason; bn_kb_reason r; } bn_kb_variant;\n"
    "/* perm: 0 from the code's class, 1 permanent, 2 transient */\n"
    "typedef struct bn_kb_reply { int16_t code; int8_t reason; uint8_t perm, fault; "
    "const char *rule, *meaning, *advice; } bn_kb_reply;\n"
    "typedef struct bn_kb_status { char cls; int16_t subject, detail; int8_t reason; "
    "uint8_t strength, perm, fault; const char *rule, *meaning; } bn_kb_status;\n"
    "enum { BN_PK_HOST = 0, BN_PK_MARKER = 1, BN_PK_STATUS = 2, BN_PK_GSTATUS = 3, "
    "BN_PK_WORDING = 4 };\n"
    "/* scls/ssub/sdet: the parsed key of status rows (0 otherwise) */\n"
    "typedef struct bn_kb_provider { const char *rule, *provider; uint8_t kind; "
    "const char *key; int8_t reason; const char *meaning; uint16_t key_len; "
    "int16_t scls, ssub, sdet; } bn_kb_provider;\n"
    "typedef struct bn_kb_blocklist { const char *rule, *name, *marker; } bn_kb_blocklist;\n"
    "enum { BN_PF_WORD = 1, BN_PF_TRANSIENT = 2, BN_PF_RETRY = 4, BN_PF_FAILURE = 8, "
    "BN_PF_MAILBOX = 16 };\n"
    "typedef struct bn_kb_phrase { const char *rule; int8_t reason; uint8_t prio, flags; "
    "const char *text; } bn_kb_phrase;\n"
    "enum { BN_PAT_PHRASE = 0, BN_PAT_PROVIDER = 1, BN_PAT_BLOCKLIST = 2 };\n"
    "typedef struct bn_kb_pattern { uint8_t kind; uint16_t index; uint16_t len; "
    "const char *text; } bn_kb_pattern;\n"
    "/* what every output of a state with output adds (-1: nothing of that kind);\n"
    "   list: some output depends on the text around it, note them one by one;\n"
    "   other: a marker, wording or blocklist (most states add a phrase only) */\n"
    "typedef struct bn_kb_sum { int16_t phrase, marker, wording, blocklist; "
    "uint8_t prio, flags, list, other; } bn_kb_sum;\n\n";

/* free_table - release a table's rows and line copies */
static void free_table(table *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->rows[i].f[0]);
    free(t->rows);
}

/* free_all - release the automaton, patterns and rule ids (keeps ASan quiet) */
static void free_all(void)
{
    reset_states();
    free(st);
    for (int i = 0; i < n_pats; i++)
        free(pats[i].text);
    free(pats);
    for (int i = 0; i < n_rule_ids; i++)
        free(rule_ids[i]);
    free(rule_ids);
}

/* open_out - open an output file or stop */
static FILE *open_out(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gentables: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return f;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gentables <datadir> <outdir>\n");
        return 2;
    }
    table reasons = read_tsv(argv[1], "reasons.tsv", 5);
    table replies = read_tsv(argv[1], "reply_codes.tsv", 5);
    table advice = read_tsv(argv[1], "reply_advice.tsv", 2);
    table statuses = read_tsv(argv[1], "status_codes.tsv", 6);
    table providers = read_tsv(argv[1], "providers.tsv", 6);
    table blocklists = read_tsv(argv[1], "blocklists.tsv", 3);
    table phrases = read_tsv(argv[1], "phrases.tsv", 5);

    FILE *o = open_out(argv[2], "tables.c.tmp");
    FILE *h = open_out(argv[2], "tables.h.tmp");
    fprintf(h, "/* tables.h - generated by tools/gentables.c from data/NAME.tsv; do not edit */\n"
               "#ifndef BN_TABLES_H\n#define BN_TABLES_H\n%s", header_types);
    fprintf(o, "/* tables.c - generated by tools/gentables.c from data/NAME.tsv; do not edit */\n"
               "#include \"tables.h\"\n\n");
    emit_reasons(o, h, &reasons);
    emit_replies(o, h, &replies, &advice);
    emit_status(o, h, &statuses);
    emit_providers(o, h, &providers);
    emit_blocklists(o, h, &blocklists);
    emit_phrases(o, h, &phrases);
    src_phrases = &phrases, src_providers = &providers, src_blocklists = &blocklists;
    build_and_emit(o, h);
    fprintf(h, "#endif\n");
    if (fclose(o) || fclose(h)) {
        fprintf(stderr, "gentables: write failed\n");
        return 1;
    }
    table *all[] = {&reasons, &replies, &advice, &statuses, &providers, &blocklists, &phrases};
    for (int i = 0; i < 7; i++)
        free_table(all[i]);
    free_all();
    char a[1024], b[1024];
    const char *names[] = {"tables.c", "tables.h"};
    for (int i = 0; i < 2; i++) {
        snprintf(a, sizeof a, "%s/%s.tmp", argv[2], names[i]);
        snprintf(b, sizeof b, "%s/%s", argv[2], names[i]);
        if (rename(a, b) != 0) {
            fprintf(stderr, "gentables: rename %s: %s\n", a, strerror(errno));
            return 1;
        }
    }
    return 0;
}
