-- Roles for every step of the workflow, tokens scoped to a unit or an area, and expiry.
-- SQLite cannot change a CHECK in place, so api_tokens is rebuilt; a grid worker's grid_id
-- becomes a "grid" scope and every other token's an "everywhere" one. Nothing references
-- api_tokens, so dropping the old table is safe with foreign keys on.

CREATE TABLE api_tokens_with_scope (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash  BLOB NOT NULL UNIQUE,
    role        TEXT NOT NULL
                CHECK (role IN ('dispatcher', 'handler', 'supervisor', 'grid_worker', 'official', 'admin')),
    -- The unit or area the token acts in; the id names a row of a different layer per kind,
    -- so it has no foreign key: the service checks it exists when the token is made.
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('everywhere', 'unit', 'grid', 'community', 'street')),
    scope_id    TEXT,
    label       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER,
    CHECK ((scope_kind = 'everywhere') = (scope_id IS NULL)),
    -- The same pairs services::auth::create_token allows.
    CHECK (CASE role
        WHEN 'handler' THEN scope_kind = 'unit'
        WHEN 'grid_worker' THEN scope_kind = 'grid'
        WHEN 'dispatcher' THEN scope_kind IN ('community', 'street')
        WHEN 'supervisor' THEN scope_kind IN ('community', 'street')
        WHEN 'official' THEN scope_kind IN ('everywhere', 'community', 'street')
        ELSE scope_kind = 'everywhere'
    END)
);

INSERT INTO api_tokens_with_scope (id, token_hash, role, scope_kind, scope_id, label, created_at, revoked_at)
SELECT id, token_hash, role, CASE WHEN grid_id IS NULL THEN 'everywhere' ELSE 'grid' END, grid_id, label, created_at, revoked_at
FROM api_tokens;

DROP TABLE api_tokens;
ALTER TABLE api_tokens_with_scope RENAME TO api_tokens;
