-- Photos of a case (the resident's "before" ones, the handler's "after" ones) and the
-- moderation of what the public sees. Times are Unix seconds (UTC).

-- The re-encoded image and its thumbnail (no metadata survives re-encoding: no EXIF, no GPS).
-- `bytes` and `thumb` are NULL when the server keeps photos in a folder (--photo-dir); the
-- row keeps the metadata either way. `report_id` is NULL while a submission's photos wait
-- for their case to be stored (a crash in between leaves an unlinked row, never a case
-- without the photos it acknowledged).
CREATE TABLE photos (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id    INTEGER REFERENCES reports (id),
    stage        TEXT NOT NULL CHECK (stage IN ('before', 'after')),
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    thumb_width  INTEGER NOT NULL,
    thumb_height INTEGER NOT NULL,
    digest       TEXT NOT NULL,
    bytes        BLOB,
    thumb        BLOB,
    uploaded_by  TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX photos_report ON photos (report_id, id);

-- Who hid or redacted what, and why; reverted (by an admin) rows stay, with who and when.
CREATE TABLE moderations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id    INTEGER NOT NULL REFERENCES reports (id),
    target       TEXT NOT NULL CHECK (target IN ('description', 'photo', 'reply')),
    target_id    INTEGER,
    action       TEXT NOT NULL CHECK (action IN ('hide', 'redact')),
    reason       TEXT NOT NULL,
    moderated_by TEXT NOT NULL,
    moderated_at INTEGER NOT NULL,
    reverted_by  TEXT,
    reverted_at  INTEGER
);
CREATE INDEX moderations_report ON moderations (report_id, id);
