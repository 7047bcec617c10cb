/* names.c - names of the public enums and error codes */
#include <string.h>

#include "bounce.h"
#include "core/str.h"

static const char *const reason_names[] = {
#define BN_REASON_NAME_(id, name) name,
    BN_REASON_LIST(BN_REASON_NAME_)
#undef BN_REASON_NAME_
};

const char *bn_version(void)
{
    return BN_VERSION;
}

const char *bn_strerror(int err)
{
    switch (err) {
    case BN_OK: return "success";
    case BN_ENOMEM: return "out of memory";
    case BN_EINVAL: return "invalid argument";
    case BN_ETOOBIG: return "input too large";
    case BN_EIO: return "input/output error";
    case BN_ESTORE: return "store error";
    case BN_EBUSY: return "store locked";
    case BN_ENOTFOUND: return "not found";
    case BN_EFORMAT: return "not a mail message";
    case BN_EFULL: return "disk or database full";
    case BN_EUNAVAIL: return "store unavailable";
    default: return "unknown error";
    }
}

/* bn_reason_name - the reason's name ("userunknown"); "undefined" if out of range */
const char *bn_reason_name(bn_reason r)
{
    if ((unsigned)r >= BN_REASON_COUNT)
        return reason_names[BN_REASON_UNDEFINED];
    return reason_names[r];
}

/* bn_reason_from_name - parse a name (case-insensitive); BN_EINVAL if unknown */
int bn_reason_from_name(bn_reason *out, const char *name, size_t len)
{
    for (unsigned i = 0; i < BN_REASON_COUNT; i++) {
        if (bn_str_eq_ci((bn_str){name, len}, reason_names[i])) {
            *out = (bn_reason)i;
            return BN_OK;
        }
    }
    return BN_EINVAL;
}

const char *bn_permanence_name(bn_permanence p)
{
    switch (p) {
    case BN_PERM_PERMANENT: return "permanent";
    case BN_PERM_TRANSIENT: return "transient";
    default: return "unknown";
    }
}

const char *bn_fault_name(bn_fault f)
{
    switch (f) {
    case BN_FAULT_RECIPIENT: return "recipient";
    case BN_FAULT_SENDER: return "sender";
    case BN_FAULT_MESSAGE: return "message";
    case BN_FAULT_NETWORK: return "network";
    case BN_FAULT_REMOTE_SYSTEM: return "remote-system";
    case BN_FAULT_NONE: return "none";
    default: return "unknown";
    }
}

const char *bn_action_name(bn_action a)
{
    switch (a) {
    case BN_ACTION_SUPPRESS: return "suppress";
    case BN_ACTION_RETRY: return "retry";
    case BN_ACTION_FIX_SENDER: return "fix-sender";
    case BN_ACTION_FIX_MESSAGE: return "fix-message";
    case BN_ACTION_NONE: return "none";
    default: return "review";
    }
}

const char *bn_anomaly_name(unsigned flag)
{
    switch (flag) {
    case BN_ANOM_TRUNCATED: return "truncated";
    case BN_ANOM_HEADER_LIMIT: return "header-limit";
    case BN_ANOM_MIME_DEPTH: return "mime-depth";
    case BN_ANOM_MIME_PARTS: return "mime-parts";
    case BN_ANOM_NO_CLOSE_BOUNDARY: return "no-closing-boundary";
    case BN_ANOM_BAD_BASE64: return "bad-base64";
    case BN_ANOM_BAD_QP: return "bad-quoted-printable";
    case BN_ANOM_8BIT_HEADER: return "8bit-header";
    case BN_ANOM_BAD_CHARSET: return "bad-charset";
    case BN_ANOM_NUL: return "nul-bytes";
    case BN_ANOM_RECIPIENT_LIMIT: return "recipient-limit";
    case BN_ANOM_BAD_HEADER: return "bad-header";
    case BN_ANOM_DECODE_LIMIT: return "decode-limit";
    default: return NULL;
    }
}
