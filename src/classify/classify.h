/*
 * classify.h - internal helpers of the classifier shared with the decoders
 *
 * Every decoder (RFC 3464, the MTA formats, the log readers) reads reply
 * codes and enhanced status codes out of free text with bn_reply_scan(), so
 * all of them agree on what counts as a code.
 */
#ifndef BN_CLASSIFY_H
#define BN_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "bounce.h"

/*
 * bn_reply_scan - find an SMTP reply code and/or an enhanced status code in
 * a diagnostic text.
 *
 * Accepts the code at the start ("550 5.1.1 <x@y>: ...", "550-5.7.1 ..."),
 * after a prefix ("smtp; 550 ...", "host mx said: 550-5.7.1 ..."), and a
 * status alone ("#5.1.1", "Status: 5.2.2", "(5.7.606)").
 *
 * - Reply code: the first 3-digit token of class 2, 4 or 5 (second digit
 *   0-5; a 2xx code only when it is a registered one and leads the text
 *   or follows "; " / ": ") standing alone: before it start, blank, ';', ':', '(', '"', '\'',
 *   '='; after it blank, end, or '-' (multi-line continuation). Numbers in
 *   IP addresses, ports ("]:25:") and longer numbers never count.
 * - Status: "c.s.d" with class 2/4/5, a one-digit subject 0-7 (all that
 *   is assigned; keeps "Exim 4.92.3" out) and a 1-3 digit detail, not part
 *   of a longer dotted number (so "192.0.2.1" and "4.16.55.1" are not
 *   codes). When a reply code was found, the status right after it is
 *   preferred; else the first 4/5 status anywhere; a 2.x.x one only where
 *   a reply would start.
 *   Unregistered details ("5.7.509", "5.1.351") are accepted.
 *
 * Either output may be NULL. *replycode is 0 and status is "" when nothing
 * was found. Returns true when at least one code was found. Reads at most
 * n bytes; never allocates.
 */
bool bn_reply_scan(const char *p, size_t n, int *replycode, char status[BN_STATUS_MAX]);

/*
 * bn_retry_after_scan - seconds the text asks to wait ("try again in 5
 * minutes", "retry after 300 seconds", "wait 1 hour"), or -1. The text is
 * expected lower-case (the classifier's normalised text).
 */
long bn_retry_after_scan(const char *p, size_t n);

/*
 * bn_ip_scan - the first IPv4 or IPv6 literal in the text into out (at
 * least BN_IP_MAX bytes), "" when none. Returns true when found.
 */
bool bn_ip_scan(const char *p, size_t n, char out[BN_IP_MAX]);

/* Bytes past the end of a text that bn_ip_scan_padded may read (not use). */
#define BN_SCAN_PAD 32

/*
 * bn_ip_scan_padded - bn_ip_scan for a text followed by BN_SCAN_PAD readable
 * bytes (any content): the classifier's own buffer, read without copying
 * its tail.
 */
bool bn_ip_scan_padded(const char *p, size_t n, char out[BN_IP_MAX]);

/*
 * bn_verdict_explain_json - the text of bn_verdict_explain, escaped as the
 * body of a JSON string (json.h's rules), written at o, which has room for
 * bn_verdict_explain_json_bound(v) bytes; its end. For the record writer:
 * no copy through a buffer of its own and one escaping pass only over the
 * verdict's own strings (ours, the reasons' words included, need none).
 * Not terminated.
 */
char *bn_verdict_explain_json(const bn_verdict *v, char *o);

/* bn_verdict_explain_json_bound - bytes bn_verdict_explain_json may write */
size_t bn_verdict_explain_json_bound(const bn_verdict *v);

/* bn_reason_action - what to do about reason r when the failure is on side f
   (data/reasons.tsv: the reason's own action, or its variant's for f) */
bn_action bn_reason_action(bn_reason r, bn_fault f);

#endif
