/* records.c - the growing record array of one extraction */
#include <string.h>

#include "core/str.h"
#include "extract/extract.h"

/* bn_x_add - a new zeroed record (format set), or NULL when full / out of memory */
bn_xrec *bn_x_add(bn_xctx *x, const char *format)
{
    if (x->n >= x->opts->max_recipients) {
        x->over_limit = true;
        return NULL;
    }
    if (x->n == x->cap) {
        size_t ncap = x->cap ? x->cap * 2 : 8;
        bn_xrec *nv = bn_arena_alloc(x->arena, ncap * sizeof *nv);
        if (!nv) {
            x->oom = BN_ENOMEM;
            return NULL;
        }
        if (x->n)
            memcpy(nv, x->v, x->n * sizeof *nv);
        x->v = nv;
        x->cap = ncap;
    }
    bn_xrec *r = &x->v[x->n++];
    memset(r, 0, sizeof *r);
    r->r.format = format;
    r->reason = BN_REASON_UNDEFINED;
    return r;
}

/* bn_x_find - the record whose recipient equals addr (case-insensitive), or NULL */
bn_xrec *bn_x_find(bn_xctx *x, bn_str addr)
{
    for (size_t i = 0; i < x->n; i++) {
        bn_str r = x->v[i].r.recipient;
        if (r.n != addr.n)
            continue;
        size_t k = 0;
        while (k < r.n && bn_lc((unsigned char)r.p[k]) == bn_lc((unsigned char)addr.p[k]))
            k++;
        if (k == r.n)
            return &x->v[i];
    }
    return NULL;
}

/* bn_x_final_code - see extract.h */
bool bn_x_final_code(const bn_xrec *r)
{
    return (r->status.n && r->status.p[0] == '5') || (r->replycode >= 500 && r->replycode < 600);
}
