-- The walking network (issue 6): streets, footpaths and compound gates as GeoJSON
-- LineStrings or MultiLineStrings in WGS84. The graph is rebuilt from these lines on load,
-- noded where lines share a coordinate, so no topology is stored.

CREATE TABLE walkways (
    id       TEXT PRIMARY KEY NOT NULL,
    kind     TEXT NOT NULL CHECK (length(kind) > 0),
    name     TEXT,
    geometry TEXT NOT NULL
);
