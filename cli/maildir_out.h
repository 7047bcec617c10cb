/*
 * maildir_out.h - deliver a message into a Maildir (ingest --keep-other)
 */
#ifndef BN_MAILDIR_OUT_H
#define BN_MAILDIR_OUT_H

#include <stddef.h>

/*
 * maildir_deliver - write buf into dir/new/ as one Maildir message (dir and
 * its tmp/, new/, cur/ are made when missing). 0 once the file and its name
 * are on disk (fsync), else an errno value and nothing in new/. name gets
 * the delivered file's path.
 */
int maildir_deliver(const char *dir, const char *buf, size_t len, char *name, size_t cap);

#endif
