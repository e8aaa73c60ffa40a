-- The whole schema for PostgreSQL/PostGIS, the same tables and rules as migrations/sqlite/
-- (0001–0005 together). Geometry is in PostGIS columns in WGS84 (SRID 4326) with GiST
-- indexes, so QGIS, ogr2ogr and other GIS tools read the tables directly. Area and line
-- layers keep the type each record arrived in (Polygon stays Polygon beside MultiPolygons),
-- so their columns are generic `geometry(Geometry, 4326)`; the import checks the shapes. (A
-- CHECK on GeometryType would make GDAL and geometry_columns report the first type listed,
-- wrongly, for the whole layer.)

CREATE EXTENSION IF NOT EXISTS postgis;

-- Every layer table has `seq`, its rows' order of first insertion (an update keeps it), so a
-- load gives the records back in the order they were imported, as SQLite's rowid does.

-- Layer references are DEFERRABLE: an import may list a micro-grid before its parent grid,
-- and the import checks them at commit (SET CONSTRAINTS ALL DEFERRED), as SQLite's
-- defer_foreign_keys does.

CREATE TABLE streets (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    geometry geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX streets_geometry ON streets USING gist (geometry);

CREATE TABLE communities (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    street_id TEXT NOT NULL REFERENCES streets (id) DEFERRABLE,
    geometry  geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX communities_street ON communities (street_id);
CREATE INDEX communities_geometry ON communities USING gist (geometry);

CREATE TABLE grids (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    level        TEXT NOT NULL CHECK (level IN ('grid', 'micro_grid')),
    community_id TEXT NOT NULL REFERENCES communities (id) DEFERRABLE,
    parent_id    TEXT REFERENCES grids (id) DEFERRABLE,
    households   BIGINT NOT NULL CHECK (households >= 0),
    geometry     geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX grids_community ON grids (community_id);
CREATE INDEX grids_parent ON grids (parent_id);
CREATE INDEX grids_geometry ON grids USING gist (geometry);

CREATE TABLE compounds (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('resettlement', 'old', 'super_large', 'commodity')),
    property_company TEXT,
    households       BIGINT NOT NULL CHECK (households >= 0),
    community_id     TEXT REFERENCES communities (id) DEFERRABLE,
    geometry         geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX compounds_community ON compounds (community_id);
CREATE INDEX compounds_geometry ON compounds USING gist (geometry);

CREATE TABLE buildings (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id           TEXT PRIMARY KEY,
    label        TEXT NOT NULL,
    compound_id  TEXT REFERENCES compounds (id) DEFERRABLE,
    grid_id      TEXT NOT NULL REFERENCES grids (id) DEFERRABLE,
    floors       BIGINT NOT NULL CHECK (floors >= 1),
    units        BIGINT NOT NULL CHECK (units >= 1),
    households   BIGINT NOT NULL CHECK (households >= 0),
    population   BIGINT NOT NULL CHECK (population >= 0),
    has_elevator BOOLEAN NOT NULL,
    geometry     geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX buildings_compound ON buildings (compound_id);
CREATE INDEX buildings_grid ON buildings (grid_id);
CREATE INDEX buildings_geometry ON buildings USING gist (geometry);

CREATE TABLE stations (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('party_mass_centre', 'community_centre', 'compound_station',
                      'elderly_day_care', 'canteen', 'clinic', 'library', 'disability_home', 'youth_space')),
    level         TEXT NOT NULL CHECK (level IN ('street', 'community', 'compound')),
    opening_hours TEXT,
    phone         TEXT,
    community_id  TEXT REFERENCES communities (id) DEFERRABLE,
    geometry      geometry(Point, 4326) NOT NULL
);
CREATE INDEX stations_community ON stations (community_id);
CREATE INDEX stations_geometry ON stations USING gist (geometry);

-- A contact serves exactly one street, community, grid, compound or building.
CREATE TABLE contacts (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id           TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('street_leader', 'police_officer', 'community_cadre',
                     'building_head', 'grid_worker', 'property_manager')),
    name         TEXT NOT NULL,
    phone        TEXT NOT NULL,
    street_id    TEXT REFERENCES streets (id) DEFERRABLE,
    community_id TEXT REFERENCES communities (id) DEFERRABLE,
    grid_id      TEXT REFERENCES grids (id) DEFERRABLE,
    compound_id  TEXT REFERENCES compounds (id) DEFERRABLE,
    building_id  TEXT REFERENCES buildings (id) DEFERRABLE,
    CHECK ((street_id IS NOT NULL)::int + (community_id IS NOT NULL)::int + (grid_id IS NOT NULL)::int
         + (compound_id IS NOT NULL)::int + (building_id IS NOT NULL)::int = 1)
);
CREATE INDEX contacts_street ON contacts (street_id);
CREATE INDEX contacts_community ON contacts (community_id);
CREATE INDEX contacts_grid ON contacts (grid_id);
CREATE INDEX contacts_compound ON contacts (compound_id);
CREATE INDEX contacts_building ON contacts (building_id);

-- The walking network: LineStrings or MultiLineStrings, noded on load.
CREATE TABLE walkways (
    seq      BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (length(kind) > 0),
    name     TEXT,
    geometry geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX walkways_geometry ON walkways USING gist (geometry);

-- Bumped in the same transaction as every layer write, so a running server can tell that
-- the data changed, also when another process wrote it.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('data_version', 0);

-- Case numbers: MS and the sequence's number. A sequence hands out distinct numbers to any
-- number of concurrent writers (a rolled-back submission leaves a gap, never a repeat).
CREATE SEQUENCE case_numbers;

-- Problem reports (GB/T 30428 cases). Times are Unix seconds (UTC). The reporter's name and
-- phone are private: only staff views may read them. `location` is derived from lon/lat
-- for GIS tools; the service itself reads lon/lat.
CREATE TABLE reports (
    id              BIGINT PRIMARY KEY DEFAULT nextval('case_numbers'),
    case_number     TEXT NOT NULL UNIQUE,
    category        TEXT NOT NULL,
    source          TEXT NOT NULL,
    description     TEXT NOT NULL,
    photo_url       TEXT,
    reporter_name   TEXT,
    reporter_phone  TEXT,
    lon             DOUBLE PRECISION NOT NULL,
    lat             DOUBLE PRECISION NOT NULL,
    location        geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
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
    duplicate_of    BIGINT REFERENCES reports (id),
    supporters      BIGINT NOT NULL DEFAULT 0 CHECK (supporters >= 0),
    created_at      BIGINT NOT NULL,
    dispatched_at   BIGINT,
    deadline_at     BIGINT,
    resolved_at     BIGINT,
    closed_at       BIGINT,
    on_time         BOOLEAN,
    -- A hotline or other system's own number for an imported case; unique so that importing
    -- the same file twice is refused instead of doubling the cases.
    external_id     TEXT,
    -- Bumped by every write to the row; a write names the version it read (the ETag).
    version         BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1)
);
ALTER SEQUENCE case_numbers OWNED BY reports.id;
CREATE INDEX reports_place ON reports (lat, lon);
CREATE INDEX reports_location ON reports USING gist (location);
CREATE INDEX reports_grid_state ON reports (grid_id, state);
CREATE INDEX reports_created ON reports (created_at);
CREATE UNIQUE INDEX reports_external_id ON reports (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX reports_state_deadline ON reports (state, deadline_at);
CREATE INDEX reports_category_created ON reports (category, created_at);

CREATE TABLE report_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id  BIGINT NOT NULL REFERENCES reports (id),
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT,
    to_state   TEXT,
    note       TEXT
);
CREATE INDEX report_events_report ON report_events (report_id, id);

-- Staff API tokens: only the SHA-256 of each secret is kept.
CREATE TABLE api_tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  BYTEA NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('grid_worker', 'official', 'admin')),
    grid_id     TEXT REFERENCES grids (id),
    label       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    CHECK ((role = 'grid_worker') = (grid_id IS NOT NULL))
);

-- A client's Idempotency-Key, written in the same transaction as the case it filed.
CREATE TABLE idempotency_keys (
    key         TEXT PRIMARY KEY,
    fingerprint BYTEA NOT NULL,
    report_id   BIGINT NOT NULL REFERENCES reports (id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
