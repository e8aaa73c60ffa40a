-- The life-circle check (issue 17), as migrations/sqlite/0013_life_circle.sql: optional
-- counts of the over-60s and under-6s per building, an optional capacity per station, and
-- the stations' kind list left to the Rust vocabulary (FacilityKind), which the import
-- checks before anything is written.

ALTER TABLE buildings ADD COLUMN elderly BIGINT CHECK (elderly >= 0);
ALTER TABLE buildings ADD COLUMN children BIGINT CHECK (children >= 0);
ALTER TABLE stations ADD COLUMN capacity BIGINT CHECK (capacity >= 0);
ALTER TABLE stations DROP CONSTRAINT stations_kind_check;
