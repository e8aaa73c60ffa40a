-- Category settings as data (issue 15, point 4): each category's default tier, the time it
-- allows to answer and to resolve, and its labels. The twelve built-in categories are seeded
-- from the Rust built-ins when the store opens (insert if missing), not copied here, so the
-- built-ins are written once. A second-level category (GB/T 30428.2 style event subtype) is
-- keyed `parent/child`; its NULL tier or times fall back to its parent's.
CREATE TABLE category_settings (
    key             TEXT PRIMARY KEY,
    parent          TEXT REFERENCES category_settings (key),
    tier            TEXT CHECK (tier IN ('neighbourhood', 'property', 'public', 'community')),
    response_secs   BIGINT CHECK (response_secs > 0),
    resolution_secs BIGINT CHECK (resolution_secs > 0),
    label_zh        TEXT NOT NULL,
    label_en        TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    -- A top-level category has every value of its own; a subcategory lies under one.
    CHECK (parent IS NOT NULL OR (tier IS NOT NULL AND response_secs IS NOT NULL AND resolution_secs IS NOT NULL)),
    CHECK ((parent IS NULL) = (strpos(key, '/') = 0))
);

-- Every change an admin made, written in the same transaction as the change. `before` is
-- NULL when the change created the category; both are the settings as JSON text.
CREATE TABLE category_changes (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    key    TEXT NOT NULL REFERENCES category_settings (key),
    before TEXT,
    after  TEXT NOT NULL
);
