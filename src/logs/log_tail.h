/*
 * log_tail.h - following a growing log file across rotations (internal)
 *
 * A tail reads a log file by name, the way `tail -F` does, and hands out
 * its bytes; the caller says how many it handled (whole lines), and the
 * tail keeps the position of the handled bytes: file identity (device,
 * inode, and a hash of the file's first bytes against inode reuse), offset
 * and line number. Saved and given back to bn_tail_open, the position
 * resumes the reading: nothing handled twice, nothing skipped, including
 * when the log was rotated while nobody was reading (the rotated file is
 * found by its inode in the same directory and finished first).
 *
 * Rotation while following:
 *   - rename + new file (logrotate's default, syslog reopening): at the end
 *     of the old file, once the name points to another inode, the tail
 *     keeps reading the old file (the writer goes on writing through its
 *     open descriptor until it reopens) until the new file has bytes or the
 *     old one has been neither written nor renamed for BN_TAIL_GRACE_MS;
 *     then the old file is read to its end once more (an unterminated last
 *     line is a line then, not before) and the tail moves to the new file.
 *     A one-shot reading whose position is saved (BN_TAIL_SAVED) that finds
 *     the old file not done stops there: the next run goes on;
 *   - copytruncate: the file shrinks below the position; the tail starts
 *     over at offset 0 of the same file. (Lines written between logrotate's
 *     copy and its truncation are in the copy only: a limit of copytruncate
 *     itself, reported in the counters.)
 */
#ifndef BN_LOG_TAIL_H
#define BN_LOG_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BN_TAIL_HEAD 1024 /* bytes of the file start that identify it */
/* a rotated-away file neither written nor renamed for this long is done */
#define BN_TAIL_GRACE_MS 5000

typedef struct bn_tailpos {
    uint64_t dev, ino;  /* file identity; 0/0 when unknown */
    uint64_t offset;    /* bytes handled: always just after a newline */
    uint64_t line;      /* lines handled */
    uint64_t head;      /* FNV-1a 64 of the first head_len bytes */
    uint32_t head_len;  /* bytes hashed, at most BN_TAIL_HEAD */
} bn_tailpos;

typedef enum bn_tail_state {
    BN_TAIL_DATA = 0,   /* bytes are waiting in the buffer */
    BN_TAIL_IDLE,       /* nothing new: wait and call again */
    BN_TAIL_END         /* not following and the file is read (with
                           BN_TAIL_SAVED, up to an unterminated last line,
                           which may still be in the buffer: left unread) */
} bn_tail_state;

typedef struct bn_tail_stats {
    uint64_t rotations;   /* moves to a new file after a rename */
    uint64_t truncations; /* copytruncate (or a truncation) seen */
    uint64_t resumed;     /* 1 when a saved position was used */
    uint64_t lost_resume; /* saved position that could not be found */
} bn_tail_stats;

typedef struct bn_tail bn_tail;

/* flags of bn_tail_open */
enum {
    BN_TAIL_FOLLOW = 1u, /* keep reading as the file grows and rotates */
    BN_TAIL_SAVED = 2u   /* the position is saved for a next run, which reads
                            what this one leaves: not following, an
                            unterminated last line of a regular file stays
                            unread (it may still be being written) */
};

/*
 * bn_tail_open - read path (flags: BN_TAIL_FOLLOW, BN_TAIL_SAVED).
 * resume: a position saved earlier, or NULL to start at the beginning.
 * BN_EIO when the file cannot be opened (in follow mode a missing file is
 * waited for instead); BN_ENOMEM.
 */
int bn_tail_open(bn_tail **out, const char *path, unsigned flags, const bn_tailpos *resume);
void bn_tail_free(bn_tail *t);
/*
 * bn_tail_read - make new bytes available: (*p, *n) are the bytes not yet
 * handled (the last line may be partial). eof is set when the bytes end
 * for good (not following; with BN_TAIL_SAVED not for an unterminated last
 * line of a regular file, which is left to the next run) or a rotated-away
 * file ends without a newline: the caller then reads a partial last line
 * too. BN_TAIL_IDLE: nothing new
 * now (following: wait a little; not following: call again at once, the
 * tail moved from a rotated file to the current one). BN_EIO on a read
 * error.
 */
int bn_tail_read(bn_tail *t, bn_tail_state *state, const char **p, size_t *n, bool *eof);
/* bn_tail_consume - the first n bytes of the last read were handled */
void bn_tail_consume(bn_tail *t, size_t n);
/* bn_tail_pos - the position after the handled bytes */
void bn_tail_pos(bn_tail *t, bn_tailpos *out);
void bn_tail_stats_get(const bn_tail *t, bn_tail_stats *out);
/* bn_tail_pread - n bytes of the current file at off; count, or -1 */
long bn_tail_pread(bn_tail *t, char *buf, size_t n, uint64_t off);
/* bn_tail_hash - FNV-1a 64 of bytes (continues from h; start with 0) */
uint64_t bn_tail_hash(uint64_t h, const void *p, size_t n);
/* bn_tail_set_clock - test hook: the wall clock, in ms since the epoch, the
   grace period is measured with (NULL: the real one) */
void bn_tail_set_clock(int64_t (*now_ms)(void));

#endif
