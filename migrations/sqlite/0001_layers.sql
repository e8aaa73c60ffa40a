-- Layers of the district, parents before children. Geometry is RFC 7946 GeoJSON text in
-- WGS84: serde_json writes the shortest form that parses back to the same f64, so stored
-- geometry round-trips exactly. Ids come from the imported data and stay stable.

CREATE TABLE streets (
    id       TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    geometry TEXT NOT NULL
);

CREATE TABLE communities (
    id        TEXT PRIMARY KEY NOT NULL,
    name      TEXT NOT NULL,
    street_id TEXT NOT NULL REFERENCES streets (id),
    geometry  TEXT NOT NULL
);
CREATE INDEX communities_street ON communities (street_id);

CREATE TABLE grids (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('grid', 'micro_grid')),
    community_id TEXT NOT NULL REFERENCES communities (id),
    parent_id    TEXT REFERENCES grids (id),
    households   INTEGER NOT NULL CHECK (households >= 0),
    geometry     TEXT NOT NULL
);
CREATE INDEX grids_community ON grids (community_id);
CREATE INDEX grids_parent ON grids (parent_id);

CREATE TABLE compounds (
    id               TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('resettlement', 'old', 'super_large', 'commodity')),
    property_company TEXT,
    households       INTEGER NOT NULL CHECK (households >= 0),
    community_id     TEXT REFERENCES communities (id),
    geometry         TEXT NOT NULL
);
CREATE INDEX compounds_community ON compounds (community_id);

CREATE TABLE buildings (
    id           TEXT PRIMARY KEY NOT NULL,
    label        TEXT NOT NULL,
    compound_id  TEXT REFERENCES compounds (id),
    grid_id      TEXT NOT NULL REFERENCES grids (id),
    floors       INTEGER NOT NULL CHECK (floors >= 1),
    units        INTEGER NOT NULL CHECK (units >= 1),
    households   INTEGER NOT NULL CHECK (households >= 0),
    population   INTEGER NOT NULL CHECK (population >= 0),
    has_elevator INTEGER NOT NULL CHECK (has_elevator IN (0, 1)),
    geometry     TEXT NOT NULL
);
CREATE INDEX buildings_compound ON buildings (compound_id);
CREATE INDEX buildings_grid ON buildings (grid_id);

CREATE TABLE stations (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('party_mass_centre', 'community_centre', 'compound_station',
                      'elderly_day_care', 'canteen', 'clinic', 'library', 'disability_home', 'youth_space')),
    level         TEXT NOT NULL CHECK (level IN ('street', 'community', 'compound')),
    opening_hours TEXT,
    phone         TEXT,
    community_id  TEXT REFERENCES communities (id),
    geometry      TEXT NOT NULL
);
CREATE INDEX stations_community ON stations (community_id);

-- A contact serves exactly one street, community, grid, compound or building.
CREATE TABLE contacts (
    id           TEXT PRIMARY KEY NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('street_leader', 'police_officer', 'community_cadre',
                     'building_head', 'grid_worker', 'property_manager')),
    name         TEXT NOT NULL,
    phone        TEXT NOT NULL,
    street_id    TEXT REFERENCES streets (id),
    community_id TEXT REFERENCES communities (id),
    grid_id      TEXT REFERENCES grids (id),
    compound_id  TEXT REFERENCES compounds (id),
    building_id  TEXT REFERENCES buildings (id),
    CHECK ((street_id IS NOT NULL) + (community_id IS NOT NULL) + (grid_id IS NOT NULL)
         + (compound_id IS NOT NULL) + (building_id IS NOT NULL) = 1)
);
CREATE INDEX contacts_street ON contacts (street_id);
CREATE INDEX contacts_community ON contacts (community_id);
CREATE INDEX contacts_grid ON contacts (grid_id);
CREATE INDEX contacts_compound ON contacts (compound_id);
CREATE INDEX contacts_building ON contacts (building_id);

-- Bumped by every committed write, so a running server (and later the tile cache) can
-- tell that the data changed, even when another process wrote it.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('data_version', 0);
