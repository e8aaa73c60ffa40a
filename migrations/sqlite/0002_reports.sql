-- Problem reports (GB/T 30428 cases) and their audit trail. Times are Unix seconds (UTC).
-- The reporter's name and phone are private: only staff views may read them.

CREATE TABLE reports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    case_number     TEXT NOT NULL UNIQUE,
    category        TEXT NOT NULL,
    source          TEXT NOT NULL,
    description     TEXT NOT NULL,
    photo_url       TEXT,
    reporter_name   TEXT,
    reporter_phone  TEXT,
    lon             REAL NOT NULL,
    lat             REAL NOT NULL,
    building_id     TEXT REFERENCES buildings (id),
    compound_id     TEXT REFERENCES compounds (id),
    micro_grid_id   TEXT REFERENCES grids (id),
    grid_id         TEXT NOT NULL REFERENCES grids (id),
    community_id    TEXT NOT NULL REFERENCES communities (id),
    street_id       TEXT NOT NULL REFERENCES streets (id),
    tier            TEXT NOT NULL CHECK (tier IN ('neighbourhood', 'property', 'public', 'community')),
    responder       TEXT NOT NULL,
    responder_phone TEXT,
    state           TEXT NOT NULL CHECK (state IN ('received', 'accepted', 'dispatched', 'in_progress',
                        'resolved', 'verified', 'closed', 'rejected', 'duplicate')),
    duplicate_of    INTEGER REFERENCES reports (id),
    supporters      INTEGER NOT NULL DEFAULT 0 CHECK (supporters >= 0),
    created_at      INTEGER NOT NULL,
    dispatched_at   INTEGER,
    deadline_at     INTEGER,
    resolved_at     INTEGER,
    closed_at       INTEGER,
    on_time         INTEGER CHECK (on_time IN (0, 1))
);
CREATE INDEX reports_place ON reports (lat, lon);
CREATE INDEX reports_grid_state ON reports (grid_id, state);
CREATE INDEX reports_created ON reports (created_at);

CREATE TABLE report_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT,
    note       TEXT
);
CREATE INDEX report_events_report ON report_events (report_id, id);
