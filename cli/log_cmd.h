/*
 * log_cmd.h - MTA logs in the bounce tool: `parse --log`, `ingest --log`
 *
 * The commands keep their own option parsing and output; these functions
 * hold the log side (log_cmd.c) and the saved reading positions
 * (log_state.c).
 */
#ifndef BN_LOG_CMD_H
#define BN_LOG_CMD_H

#include <stdbool.h>

#include "bounce.h"
#include "logs/log_tail.h"

/* Receives each record of `parse --log` with its source ("path:LINE"). */
typedef void (*cli_log_emit_fn)(void *ctx, const bn_record *rec, const char *source);

/*
 * cli_log_parse - read MTA logs (paths, "-" for stdin) and hand every record
 * to emit. Prints the line counters on stderr. Returns 0, or 1 when a path
 * could not be read (the others are still read).
 */
int cli_log_parse(int npaths, char **paths, cli_log_emit_fn emit, void *ctx);

/* cli_log_wanted - argv (before "--") asks for logs: --log or --follow */
bool cli_log_wanted(int argc, char **argv);
/* cli_log_ingest - the whole `bounce ingest --log [--follow] FILE...` command */
int cli_log_ingest(int argc, char **argv);

/*
 * Saved positions, one per log path, in a small text file beside the store
 * (default "<db>.logpos"), written atomically (temporary file, fsync,
 * rename). The file is locked for as long as it is open, so two readers
 * cannot overwrite each other's positions.
 */
typedef struct log_state log_state;
/* log_state_open - load (or start) the file and lock it; prints errors */
int log_state_open(log_state **out, const char *file);
void log_state_close(log_state *s);
/* log_state_get - the saved position of a log path; false when none */
bool log_state_get(const log_state *s, const char *logpath, bn_tailpos *out);
/* log_state_put - remember a position (written by log_state_save) */
int log_state_put(log_state *s, const char *logpath, const bn_tailpos *pos);
/* log_state_save - write the file; BN_OK or BN_EIO (message printed) */
int log_state_save(log_state *s);

/*
 * Deferred recipients across a clean restart: Postfix's expiry line names
 * no recipient, so at a clean stop the recipients each log's reader saw
 * deferred are written to FILE, and the next start takes them back (they
 * are removed from FILE as they are read: after a crash they are not
 * there, and a stale list never names a recipient delivered meanwhile).
 * Lines of logs that are not being read are kept as they are.
 */
typedef struct bn_qmap bn_qmap;
/* log_pending_take - the saved entries of these logs, removed from FILE */
int log_pending_take(const char *file, const char *const *keys, bn_qmap *const *maps, int n);
/* log_pending_save - the defer maps of these logs into FILE (atomic) */
int log_pending_save(const char *file, const char *const *keys, bn_qmap *const *maps, int n);

#endif
