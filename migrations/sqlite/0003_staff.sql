-- Staff API tokens and the link from imported historical cases to their source system.

-- Tokens are random 256-bit secrets; only their SHA-256 is kept, so a copy of the
-- database does not hand out working tokens.
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  BLOB NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('grid_worker', 'official', 'admin')),
    grid_id     TEXT REFERENCES grids (id),
    label       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    CHECK ((role = 'grid_worker') = (grid_id IS NOT NULL))
);

-- A hotline or other system's own number for a case imported from it; unique so that
-- importing the same file twice is refused instead of doubling the cases.
ALTER TABLE reports ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX reports_external_id ON reports (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX reports_state_deadline ON reports (state, deadline_at);
CREATE INDEX reports_category_created ON reports (category, created_at);
