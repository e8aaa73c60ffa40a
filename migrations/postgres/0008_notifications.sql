-- The notification outbox (issue 16, point 3). A row is written in the same transaction as
-- the case event it tells about; a delivery worker POSTs it and marks it. `key` is the
-- idempotency key the receiver sees (`Idempotency-Key`): unique, so a sweep or a replayed
-- write cannot queue the same message twice.
CREATE TABLE notifications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    attempts        BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at BIGINT NOT NULL,
    -- The lease of the worker delivering it: no other worker claims it before it expires.
    claimed_by      TEXT,
    claimed_until   BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT
);
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);

-- Admins' overrides of the built-in message texts, one per event word.
CREATE TABLE notify_templates (
    event      TEXT PRIMARY KEY,
    text       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

-- Staff webhook subscriptions to new cases and updates in an area: a compound, a grid or a
-- polygon (GeoJSON geometry text); `categories` is comma-separated words, empty for all.
CREATE TABLE subscriptions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    compound_id TEXT,
    grid_id     TEXT,
    polygon     TEXT,
    categories  TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    CHECK (num_nonnulls(compound_id, grid_id, polygon) = 1)
);
