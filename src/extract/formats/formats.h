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

#endif
