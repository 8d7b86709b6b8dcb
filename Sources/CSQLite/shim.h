#ifndef KVSH_CSQLITE_SHIM_H
#define KVSH_CSQLITE_SHIM_H

/*
 * The system SQLite (libsqlite3) for KeyValueEmbedded. SQLITE_TRANSIENT is a macro casting -1
 * to a function pointer, which Swift cannot import: the bind wrappers below pass it, so SQLite
 * copies the bytes before the call returns and Swift buffers need not outlive the call.
 */

#include <sqlite3.h>

static inline int kvsh_sqlite3_bind_blob_copy(sqlite3_stmt *stmt, int index, const void *bytes, int count) {
    return sqlite3_bind_blob(stmt, index, bytes, count, SQLITE_TRANSIENT);
}

static inline int kvsh_sqlite3_bind_text_copy(sqlite3_stmt *stmt, int index, const char *text, int count) {
    return sqlite3_bind_text(stmt, index, text, count, SQLITE_TRANSIENT);
}

/* sqlite3_db_config is variadic, which Swift cannot call. */
static inline int kvsh_sqlite3_no_checkpoint_on_close(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}

#endif
