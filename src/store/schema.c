/*
 * schema.c - the store's schema as numbered migrations
 *
 * Migration i brings a database from version i to i + 1 (PRAGMA
 * user_version). Never edit a released migration: append a new one. The
 * same semantics are what a PostgreSQL backend implements in its dialect.
 */

/* bn_store_schema - the migrations, in order */
extern const char *const bn_store_schema[];
extern const unsigned bn_store_schema_count;

const char *const bn_store_schema[] = {
    /* 1: events, manual actions, the list, settings */
    "CREATE TABLE meta (\n"
    "  key TEXT PRIMARY KEY,\n"
    "  value TEXT NOT NULL\n"
    ") STRICT;\n"
    /* Every record ingested; dedup identifies one recipient of one bounce. */
    "CREATE TABLE event (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  dedup BLOB NOT NULL UNIQUE,\n"
    "  time INTEGER NOT NULL,\n"        /* of the bounce, unix seconds */
    "  ingested INTEGER NOT NULL,\n"
    "  class TEXT NOT NULL,\n"          /* hard, soft, sender, ... (policy) */
    "  address TEXT NOT NULL,\n"        /* normalised key, '' when none */
    "  recipient TEXT NOT NULL,\n"      /* as the bounce gave it */
    "  domain TEXT NOT NULL,\n"         /* receiving domain */
    "  reason TEXT NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  replycode INTEGER NOT NULL,\n"
    "  hardbounce INTEGER NOT NULL,\n"
    "  permanence TEXT NOT NULL,\n"
    "  fault TEXT NOT NULL,\n"
    "  diagnostic TEXT NOT NULL,\n"
    "  rule TEXT NOT NULL,\n"
    "  format TEXT NOT NULL,\n"
    "  dsn_action TEXT NOT NULL,\n"
    "  feedback_type TEXT NOT NULL,\n"
    "  addresser TEXT NOT NULL,\n"
    "  message_id TEXT NOT NULL,\n"     /* of the original message */
    "  source TEXT NOT NULL,\n"         /* input the bounce came from */
    "  ip TEXT NOT NULL,\n"             /* sending IP, when known */
    "  remote_mta TEXT NOT NULL,\n"
    "  blocklist TEXT NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX event_address ON event(address, time);\n"
    "CREATE INDEX event_time ON event(time);\n"
    /* What people did, with who and why (audit trail). */
    "CREATE TABLE manual (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  time INTEGER NOT NULL,\n"
    "  address TEXT NOT NULL,\n"
    "  recipient TEXT NOT NULL,\n"
    "  domain TEXT NOT NULL,\n"
    "  action TEXT NOT NULL CHECK (action IN ('suppress', 'unsuppress')),\n"
    "  until INTEGER NOT NULL,\n"
    "  note TEXT NOT NULL,\n"
    "  who TEXT NOT NULL\n"
    ") STRICT;\n"
    "CREATE INDEX manual_address ON manual(address, time);\n"
    /* The list: derived from events + manual by the policy (rebuildable). */
    "CREATE TABLE suppression (\n"
    "  address TEXT PRIMARY KEY,\n"
    "  domain TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  reason TEXT NOT NULL,\n"
    "  since INTEGER NOT NULL,\n"
    "  expires INTEGER NOT NULL,\n"     /* 0: for good */
    "  event_id INTEGER REFERENCES event(id),\n"
    "  manual_id INTEGER REFERENCES manual(id),\n"
    "  soft_count INTEGER NOT NULL,\n"
    "  updated INTEGER NOT NULL\n"
    ") STRICT, WITHOUT ROWID;\n",
    /* 2: the address index covers what the fold reads (time, id, class,
     * reason), in the order it reads it: ingest re-folds an address from
     * the index alone instead of one table lookup per item (the larger
     * part of ingest time once an address has a history). Same data, so
     * a version-1 database stays readable without this step. */
    "CREATE INDEX event_hist ON event(address, time, id, class, reason);\n"
    "DROP INDEX event_address;\n",
    /* 3: named state kept with the data, e.g. where each followed log was
     * left ("log:PATH"), written in the transaction of the events it
     * describes. A reader never needs it, so a version-2 database stays
     * readable without this step. */
    "CREATE TABLE state (\n"
    "  key TEXT PRIMARY KEY,\n"
    "  value BLOB NOT NULL,\n"
    "  updated INTEGER NOT NULL\n"      /* unix seconds */
    ") STRICT;\n",
    /* 4: a stored record is found by (time, dedup), not by dedup alone. The
     * dedup hash is random, so each new event went to a random page of its
     * unique index (a batch of 1000 dirtied most of them, and the WAL took
     * every dirty page at each commit); the bounce's own time mostly grows,
     * so (time, dedup) appends. It also serves the time-range reads of the
     * index event_time, dropped: one B-tree less per event. A record with a
     * plausible date is stored under that date at every ingest, so
     * (time, dedup) finds it; one stored under its ingest time (no date, or
     * a future one) is unique by dedup in the small partial index
     * event_untimed. UNIQUE(dedup) was a column constraint, which cannot be
     * dropped in place: the table is rebuilt (same columns, rows and ids).
     * In this order a new (empty) list reuses every page freed and keeps no
     * free page (which the size limit BOUNCE_DB_MAX_PAGES would not see),
     * and the indexes of a filled one are built once, from sorted keys. */
    "DROP INDEX IF EXISTS event_time;\n"
    "DROP INDEX IF EXISTS event_hist;\n"
    "CREATE TABLE event_v4 (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  dedup BLOB NOT NULL,\n"
    "  time INTEGER NOT NULL,\n"
    "  ingested INTEGER NOT NULL,\n"
    "  class TEXT NOT NULL,\n"
    "  address TEXT NOT NULL,\n"
    "  recipient TEXT NOT NULL,\n"
    "  domain TEXT NOT NULL,\n"
    "  reason TEXT NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  replycode INTEGER NOT NULL,\n"
    "  hardbounce INTEGER NOT NULL,\n"
    "  permanence TEXT NOT NULL,\n"
    "  fault TEXT NOT NULL,\n"
    "  diagnostic TEXT NOT NULL,\n"
    "  rule TEXT NOT NULL,\n"
    "  format TEXT NOT NULL,\n"
    "  dsn_action TEXT NOT NULL,\n"
    "  feedback_type TEXT NOT NULL,\n"
    "  addresser TEXT NOT NULL,\n"
    "  message_id TEXT NOT NULL,\n"
    "  source TEXT NOT NULL,\n"
    "  ip TEXT NOT NULL,\n"
    "  remote_mta TEXT NOT NULL,\n"
    "  blocklist TEXT NOT NULL\n"
    ") STRICT;\n"
    "INSERT INTO event_v4 SELECT id, dedup, time, ingested, class, address, "
    "recipient, domain, reason, status, replycode, hardbounce, permanence, "
    "fault, diagnostic, rule, format, dsn_action, feedback_type, addresser, "
    "message_id, source, ip, remote_mta, blocklist FROM event ORDER BY id;\n"
    "DROP TABLE event;\n"
    "ALTER TABLE event_v4 RENAME TO event;\n"
    "CREATE UNIQUE INDEX event_key ON event(time, dedup);\n"
    "CREATE UNIQUE INDEX event_untimed ON event(dedup) WHERE time = ingested;\n"
    "CREATE INDEX event_hist ON event(address, time, id, class, reason);\n"
    /* an event with time = ingested may have had a future date: from now on
     * a record is also looked for under its ingest time (store_sqlite.c,
     * FUTURE_KEY) */
    "INSERT INTO meta(key, value) SELECT 'dedup:future-dated', '1' "
    "WHERE EXISTS (SELECT 1 FROM event WHERE time = ingested);\n",
};

const unsigned bn_store_schema_count =
    sizeof bn_store_schema / sizeof bn_store_schema[0];
