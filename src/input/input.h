/*
 * input.h - reading messages from files, directories, Maildir, mbox, stdin
 *
 * The public face is bn_source (bounce.h). Inside, bn_mbox is a streaming
 * splitter over any byte stream: it reads through a fixed 256 KiB window, so
 * memory does not grow with the size of a mailbox; only the current message
 * is kept, and never more than max bytes of it. A message that fits in the
 * window is returned from it; one that straddles the window's end is copied
 * out first, so the window is 256 KiB, not 64: a quarter of the copies (on
 * the corpus mbox, -0.9k instructions a message).
 */
#ifndef BN_INPUT_H
#define BN_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#define BN_MBOX_WINDOW (256u << 10)
/* Alignment of the window and of where read() writes into it. */
#define BN_MBOX_ALIGN 64u
/* Longest From_ line recognised as a separator; longer lines are text. */
#define BN_MBOX_FROM_MAX 1000u

/* bn_read_fn - read up to n bytes: the count, 0 at the end, -1 on error (errno) */
typedef long (*bn_read_fn)(void *ctx, char *buf, size_t n);

typedef struct bn_mbox {
    bn_read_fn read;
    void *ctx;
    char *mem;           /* the window's allocation */
    char *in;            /* the read window: BN_MBOX_WINDOW bytes in mem, aligned */
    size_t pos, end;     /* unread bytes are in[pos, end) */
    bool eof;
    int read_errno;      /* errno of a failed read */
    char *msg;           /* the current message, unless in_win */
    size_t msg_len, msg_cap, max;
    bool in_win;         /* the current message is in[win_off, win_off + win_len) */
    size_t win_off, win_len;
    bool probed;         /* first bytes seen: is_mbox decided */
    bool is_mbox;        /* the stream starts with a From_ line */
    bool at_bol;         /* next byte starts a line */
    bool prev_blank;     /* the previous line was empty */
    bool sep_here;       /* the line at pos is a From_ line (the last message ended there) */
    bool line_text;      /* the current line has a byte other than CR/LF */
    unsigned long count; /* messages returned so far */
    bool one;            /* the stream is one message: only a leading From_ line is read as one */
} bn_mbox;

/* bn_mbox_init - a splitter reading through fn(ctx); max bytes kept per message */
void bn_mbox_init(bn_mbox *m, bn_read_fn fn, void *ctx, size_t max);
/*
 * bn_mbox_next - the next message: BN_OK with (*buf, *len), *truncated when
 * it was longer than max, *more when another message follows in the same
 * stream. A stream that does not start with a From_ line is one message.
 * BN_ENOTFOUND at the end, BN_EIO when a read failed (errno in read_errno),
 * BN_ENOMEM.
 */
int bn_mbox_next(bn_mbox *m, const char **buf, size_t *len, bool *truncated,
                 bool *more);
/* bn_mbox_free - release the buffers (the stream is the caller's) */
void bn_mbox_free(bn_mbox *m);

/* bn_mbox_is_from_line - p starts with a From_ separator line ("From addr date") */
bool bn_mbox_is_from_line(const char *p, size_t n);

#endif
