-- Roles for every step of the workflow, tokens scoped to a unit or an area, and expiry.
-- A grid worker's grid_id becomes a "grid" scope and every other token's an "everywhere" one.

ALTER TABLE api_tokens
    ADD COLUMN scope_kind TEXT,
    ADD COLUMN scope_id TEXT,
    ADD COLUMN expires_at BIGINT;

UPDATE api_tokens SET scope_kind = CASE WHEN grid_id IS NULL THEN 'everywhere' ELSE 'grid' END, scope_id = grid_id;

-- The id names a row of a different layer per kind, so it has no foreign key: the service
-- checks it exists when the token is made.
ALTER TABLE api_tokens
    DROP CONSTRAINT api_tokens_check,
    DROP CONSTRAINT api_tokens_role_check,
    DROP COLUMN grid_id,
    ALTER COLUMN scope_kind SET NOT NULL,
    ADD CONSTRAINT api_tokens_role_check
        CHECK (role IN ('dispatcher', 'handler', 'supervisor', 'grid_worker', 'official', 'admin')),
    ADD CONSTRAINT api_tokens_scope_kind_check
        CHECK (scope_kind IN ('everywhere', 'unit', 'grid', 'community', 'street')),
    ADD CONSTRAINT api_tokens_scope_id_check CHECK ((scope_kind = 'everywhere') = (scope_id IS NULL)),
    -- The same pairs services::auth::create_token allows.
    ADD CONSTRAINT api_tokens_role_scope_check CHECK (CASE role
        WHEN 'handler' THEN scope_kind = 'unit'
        WHEN 'grid_worker' THEN scope_kind = 'grid'
        WHEN 'dispatcher' THEN scope_kind IN ('community', 'street')
        WHEN 'supervisor' THEN scope_kind IN ('community', 'street')
        WHEN 'official' THEN scope_kind IN ('everywhere', 'community', 'street')
        ELSE scope_kind = 'everywhere'
    END);
