-- Candidate sites (issue 17): places a new station could go — a compound's public room, an
-- idle site on the street, a vacant room — for the set-covering plan. Site kinds are the
-- Rust vocabulary (SiteKind), which the import checks before anything is written.

CREATE TABLE candidate_sites (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    area_m2       REAL CHECK (area_m2 > 0),
    community_id  TEXT REFERENCES communities (id),
    geometry      TEXT NOT NULL
);
CREATE INDEX candidate_sites_community ON candidate_sites (community_id);
