/* ingest_retry.h - the messages of the open batch, kept to store them again
 * when the server connection is lost mid-batch (cmd_ingest.c) */
#ifndef BN_INGEST_RETRY_H
#define BN_INGEST_RETRY_H

#include <stdbool.h>
#include <stddef.h>

#include "bounce.h"

#define INGEST_KEEP_MAX_BYTES (64u << 20) /* commit early past this */
#define INGEST_RETRIES 5                  /* default: waits 1+2+4+8+16 s */

typedef struct ingest_kept {
    char *name, *buf;
    size_t len;
    bool truncated; /* the source read only its start */
} ingest_kept;

typedef struct ingest_keep {
    ingest_kept *v;
    size_t n, cap, bytes;
} ingest_keep;

/* ingest_keep_add - copy a message into the batch's keep */
int ingest_keep_add(ingest_keep *k, const bn_source_msg *m);
/* ingest_keep_full - the kept bytes passed the bound: commit the batch */
bool ingest_keep_full(const ingest_keep *k);
/* ingest_keep_clear - forget the batch (it is committed) */
void ingest_keep_clear(ingest_keep *k);
/* ingest_keep_free - release everything */
void ingest_keep_free(ingest_keep *k);
/* ingest_retry_wait - sleep before attempt n (1, 2, 4, 8, 16 s...) */
void ingest_retry_wait(unsigned attempt);

#endif
