-- Responding units (处置单位, issue 15): the bodies a case is dispatched to. A unit has no
-- geometry; where it works is the set of compounds, communities and streets it serves, one
-- row of `unit_areas` each.

CREATE TABLE units (
    seq   BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL CHECK (length(name) > 0),
    kind  TEXT NOT NULL CHECK (kind IN ('property_company', 'community_office', 'street_department',
              'police_station', 'urban_management', 'owners_council', 'other')),
    phone TEXT
);

-- One row per unit × area served; exactly one of the area columns is set. `seq` keeps each
-- unit's areas in the order they were given. Re-importing a unit replaces its rows.
CREATE TABLE unit_areas (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    unit_id      TEXT NOT NULL REFERENCES units (id) ON DELETE CASCADE DEFERRABLE,
    compound_id  TEXT REFERENCES compounds (id) DEFERRABLE,
    community_id TEXT REFERENCES communities (id) DEFERRABLE,
    street_id    TEXT REFERENCES streets (id) DEFERRABLE,
    CHECK ((compound_id IS NOT NULL)::int + (community_id IS NOT NULL)::int + (street_id IS NOT NULL)::int = 1)
);
CREATE INDEX unit_areas_unit ON unit_areas (unit_id);
CREATE INDEX unit_areas_compound ON unit_areas (compound_id);
CREATE INDEX unit_areas_community ON unit_areas (community_id);
CREATE INDEX unit_areas_street ON unit_areas (street_id);
