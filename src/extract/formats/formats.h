/*
 * formats.h - the format decoders (one file per bounce-format family).
 * Each file defines one `const bn_decoder bn_decoder_<name>`; declare it
 * here and list it in table.c.
 */
#ifndef BN_FORMATS_H
#define BN_FORMATS_H

#include "extract/extract.h"

extern const bn_decoder bn_decoder_lhost_amazonses; /* lhost-amazonses.c: SES JSON */
extern const bn_decoder bn_decoder_lhost_fml;       /* lhost-fml.c: fml list notices */
extern const bn_decoder bn_decoder_lhost_zoho;      /* lhost-zoho.c: Zoho ERROR_CODE lines */
extern const bn_decoder bn_decoder_lhost_yahoo;     /* lhost-yahoo.c: Yahoo! Mail text bounces */
extern const bn_decoder bn_decoder_lhost_gmail;     /* lhost-gmail.c: Gmail text bounces */
extern const bn_decoder bn_decoder_lhost_x6;        /* lhost-x6.c: "We had trouble delivering" */
extern const bn_decoder bn_decoder_lhost_exchange2007; /* lhost-exchange2007.c: Exchange/O365 text NDR */

extern const bn_decoder bn_decoder_lhost_gmx; /* lhost-gmx.c: GMX/web.de (Exim-derived) */
extern const bn_decoder bn_decoder_lhost_einsundeins; /* lhost-einsundeins.c: 1&1 (Exim-derived) */
extern const bn_decoder bn_decoder_lhost_mfilter; /* lhost-mfilter.c: m-FILTER gateway */
extern const bn_decoder bn_decoder_lhost_apachejames; /* lhost-apachejames.c: Apache James mailets */
extern const bn_decoder bn_decoder_lhost_qmail; /* lhost-qmail.c: qmail-send (QSBMF) */
extern const bn_decoder bn_decoder_lhost_courier; /* lhost-courier.c: Courier text */
extern const bn_decoder bn_decoder_lhost_opensmtpd; /* lhost-opensmtpd.c: OpenSMTPD */
extern const bn_decoder bn_decoder_lhost_exchange2003; /* lhost-exchange2003.c: Exchange 2000/2003 NDR */
extern const bn_decoder bn_decoder_lhost_domino; /* lhost-domino.c: Domino reports */
extern const bn_decoder bn_decoder_lhost_notes; /* lhost-notes.c: Lotus Notes router */
extern const bn_decoder bn_decoder_lhost_postfix; /* lhost-postfix.c: Postfix text (no DSN part) */
extern const bn_decoder bn_decoder_lhost_sendmail; /* lhost-sendmail.c: Sendmail text (V5, old 8.x) */
extern const bn_decoder bn_decoder_lhost_exim; /* lhost-exim.c: Exim (last: shared sentences) */

/*
 * The sentences the families' detect() look for with bn_x_text_has, listed
 * in bn_family_texts (table.c): one pass over the bounce's text answers
 * them all (most bounces without a report part ask most of them). A
 * family's file defines its entry next to its table with BN_PHRASES.
 * Together they hold at most BN_MULTI_MAX phrases (test_xtext checks).
 */
extern const bn_phrases bn_text_einsundeins, bn_text_mfilter, bn_text_apachejames_error_below,
    bn_text_apachejames_details, bn_text_qmail, bn_text_courier, bn_text_opensmtpd,
    bn_text_exchange2003, bn_text_domino_not_delivered, bn_text_domino_because, bn_text_notes,
    bn_text_postfix, bn_text_sendmail, bn_text_exim;
extern const bn_phrases *const bn_family_texts[];
extern const size_t bn_family_texts_count;

#endif
