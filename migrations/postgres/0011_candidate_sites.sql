-- Candidate sites (issue 17), as migrations/sqlite/0014_candidate_sites.sql: places a new
-- station could go, for the set-covering plan. Site kinds are the Rust vocabulary (SiteKind).

CREATE TABLE candidate_sites (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    area_m2       DOUBLE PRECISION CHECK (area_m2 > 0),
    community_id  TEXT REFERENCES communities (id) DEFERRABLE,
    geometry      geometry(Point, 4326) NOT NULL
);
CREATE INDEX candidate_sites_community ON candidate_sites (community_id);
CREATE INDEX candidate_sites_geometry ON candidate_sites USING gist (geometry);
