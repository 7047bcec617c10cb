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
 * Saved positions, one per log path (its absolute path), in the store
 * (bn_store_state_put): log_state_put writes in the open transaction, so a
 * position commits with the events read up to it.
 */
/* log_state_get - the saved position of a log path; false when none */
bool log_state_get(bn_store *s, const char *logpath, bn_tailpos *out);
/* log_state_put - a log's position, in the open transaction (if any) */
int log_state_put(bn_store *s, const char *logpath, const bn_tailpos *pos);
/* log_state_import - the "DB.logpos" file of an older version (SQLite only)
 * into the store, once; the file is renamed "DB.logpos.old" */
int log_state_import(bn_store *s, const char *db);

/*
 * Deferred recipients across a clean restart: Postfix's expiry line names
 * no recipient, so at a clean stop the recipients each log's reader saw
 * deferred are saved in the store, and the next start takes them back
 * (they are removed as they are read: after a crash they are not there,
 * and a stale list never names a recipient delivered meanwhile).
 */
typedef struct bn_qmap bn_qmap;
/* log_pending_take - a log's saved entries into map, removed from the store */
int log_pending_take(bn_store *s, const char *logpath, bn_qmap *map);
/* log_pending_save - a log's defer map into the store */
int log_pending_save(bn_store *s, const char *logpath, const bn_qmap *map);

#endif
