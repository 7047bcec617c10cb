/*
 * lhost-notes.c - Lotus Notes (R4/R5 mail router) failure reports
 *
 * The Notes router writes "------- Failure Reasons --------", then per
 * failure the reason on one line and the address under it ("User not
 * listed in public Name & Address Book\nuser@dest"), and "------- Returned
 * Message --------" before the copy. The scanner reads a reason written
 * above an address that closes its paragraph.
 */
#include "extract/formats/formats.h"

/* The router's section rules. */
static const char *const notes_text[] = {
    "------- failure reasons",
    "------- returned message",
};
const bn_phrases bn_text_notes = BN_PHRASES(notes_text); /* in bn_family_texts */

/* notes_detect - the router's section rules */
static bool notes_detect(bn_xctx *x)
{
    return bn_x_text_has(x, notes_text, sizeof notes_text / sizeof notes_text[0]);
}

/* notes_decode - each address with the reason written above it */
static int notes_decode(bn_xctx *x)
{
    return bn_x_decode_family(x, "lhost-notes");
}

const bn_decoder bn_decoder_lhost_notes = {"lhost-notes", notes_detect, notes_decode, NULL};
