-- The notification outbox (issue 16, point 3). A row is written in the same transaction as
-- the case event it tells about; a delivery worker POSTs it and marks it. `key` is the
-- idempotency key the receiver sees (`Idempotency-Key`): unique, so a sweep or a replayed
-- write cannot queue the same message twice.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT NOT NULL UNIQUE,
    case_number     TEXT NOT NULL,
    event           TEXT NOT NULL,
    recipient       TEXT NOT NULL CHECK (recipient IN ('reporter', 'unit', 'subscriber')),
    -- A phone, a unit id or a subscription id.
    address         TEXT NOT NULL,
    -- Where to POST: a subscription's webhook; NULL for the gateway (--notify-webhook).
    url             TEXT,
    text            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    -- The lease of the worker delivering it: no other worker claims it before it expires.
    claimed_by      TEXT,
    claimed_until   INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);

-- Admins' overrides of the built-in message texts, one per event word.
CREATE TABLE notify_templates (
    event      TEXT PRIMARY KEY,
    text       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

-- Staff webhook subscriptions to new cases and updates in an area: a compound, a grid or a
-- polygon (GeoJSON geometry text); `categories` is comma-separated words, empty for all.
CREATE TABLE subscriptions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    compound_id TEXT,
    grid_id     TEXT,
    polygon     TEXT,
    categories  TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    CHECK ((compound_id IS NOT NULL) + (grid_id IS NOT NULL) + (polygon IS NOT NULL) = 1)
);
