-- The life-circle check (issue 17): who lives in a building, what a station can take, and
-- facility kinds beyond the nine service stations.
--
-- Buildings gain optional counts of the over-60s and the under-6s (known or estimated by
-- the import). Stations gain an optional capacity (places, seats). The stations' kind list
-- is no longer repeated here: the kinds are the Rust vocabulary (FacilityKind), which the
-- import checks before anything is written; SQLite cannot drop a CHECK, so the table is
-- rebuilt without it (nothing references stations).

ALTER TABLE buildings ADD COLUMN elderly INTEGER CHECK (elderly >= 0);
ALTER TABLE buildings ADD COLUMN children INTEGER CHECK (children >= 0);

CREATE TABLE stations_new (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('street', 'community', 'compound')),
    opening_hours TEXT,
    phone         TEXT,
    community_id  TEXT REFERENCES communities (id),
    geometry      TEXT NOT NULL,
    capacity      INTEGER CHECK (capacity >= 0)
);
INSERT INTO stations_new (rowid, id, name, kind, level, opening_hours, phone, community_id, geometry)
    SELECT rowid, id, name, kind, level, opening_hours, phone, community_id, geometry FROM stations;
DROP TABLE stations;
ALTER TABLE stations_new RENAME TO stations;
CREATE INDEX stations_community ON stations (community_id);
