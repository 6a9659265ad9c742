"""The full-text index of what users typed (migration 0010): the messages that came in, beside
`messages_fts`, which indexes every message.

The review site's transcript search and `itb-screen search --typed` keep to typed lines, and the bot says
the questions' words in every case: filtered by direction, a search for such a word went through every
message of the transcript holding it (1.4 million at 100,000 cases, seconds, past the site's time limit).
Searched here, it goes through the typed lines only.

An FTS5 table over `messages` (external content: the text stays in `messages`) kept current by triggers
that act on typed lines only, as sqlite-utils' own keep `messages_fts`: a line purged (its text cleared by
`purge`) leaves the index with its old words removed and the new text indexed.
"""

from __future__ import annotations

import sqlite3

#: The index's table: `SELECT ... FROM messages_typed_fts WHERE messages_typed_fts MATCH ?`.
TYPED_FTS = "messages_typed_fts"

#: Its triggers on `messages`, by name (what the migration creates).
TYPED_TRIGGERS = {
    "messages_typed_ai": "CREATE TRIGGER messages_typed_ai AFTER INSERT ON messages "
    f"WHEN new.direction = 'in' BEGIN INSERT INTO {TYPED_FTS} (rowid, text) VALUES (new.id, new.text); END",
    "messages_typed_ad": "CREATE TRIGGER messages_typed_ad AFTER DELETE ON messages "
    f"WHEN old.direction = 'in' BEGIN INSERT INTO {TYPED_FTS} ({TYPED_FTS}, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
    "messages_typed_au": "CREATE TRIGGER messages_typed_au AFTER UPDATE ON messages BEGIN "
    f"INSERT INTO {TYPED_FTS} ({TYPED_FTS}, rowid, text) SELECT 'delete', old.id, old.text "
    "WHERE old.direction = 'in'; "
    f"INSERT INTO {TYPED_FTS} (rowid, text) SELECT new.id, new.text WHERE new.direction = 'in'; END",
}


def create_typed_index(conn: sqlite3.Connection) -> None:
    """Create the index (the same tokenizer as `messages_fts`: porter stemming), its triggers, and index
    the typed lines stored before it."""
    conn.execute(
        f"CREATE VIRTUAL TABLE {TYPED_FTS} USING fts5(text, tokenize='porter', content='messages', "
        "content_rowid='id')"
    )
    for sql in TYPED_TRIGGERS.values():
        conn.execute(sql)
    conn.execute(
        f"INSERT INTO {TYPED_FTS} (rowid, text) SELECT id, text FROM messages WHERE direction = 'in'"
    )
