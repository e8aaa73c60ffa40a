-- Responding units (处置单位, issue 15): the bodies a case is dispatched to. A unit has no
-- geometry; where it works is the set of compounds, communities and streets it serves, one
-- row of `unit_areas` each. Row order (rowid) is the order of first insertion, as for the
-- other layers.

CREATE TABLE units (
    id    TEXT PRIMARY KEY NOT NULL,
    name  TEXT NOT NULL CHECK (length(name) > 0),
    kind  TEXT NOT NULL CHECK (kind IN ('property_company', 'community_office', 'street_department',
              'police_station', 'urban_management', 'owners_council', 'other')),
    phone TEXT
);

-- One row per unit × area served; exactly one of the area columns is set. Re-importing a
-- unit replaces its rows, so they go with it.
CREATE TABLE unit_areas (
    unit_id      TEXT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    compound_id  TEXT REFERENCES compounds (id),
    community_id TEXT REFERENCES communities (id),
    street_id    TEXT REFERENCES streets (id),
    CHECK ((compound_id IS NOT NULL) + (community_id IS NOT NULL) + (street_id IS NOT NULL) = 1)
);
CREATE INDEX unit_areas_unit ON unit_areas (unit_id);
CREATE INDEX unit_areas_compound ON unit_areas (compound_id);
CREATE INDEX unit_areas_community ON unit_areas (community_id);
CREATE INDEX unit_areas_street ON unit_areas (street_id);
