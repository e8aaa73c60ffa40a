-- The cases as the public sees them (the fields of services::reports::view::PublicReport): no
-- reporter's name or phone, no hotline ticket number, no audit trail. GIS analysts' database
-- roles get this view, never the reports table (README "Running in production"). Times are
-- timestamps here, for GIS tools' time filters.
CREATE VIEW reports_public AS
SELECT r.case_number,
       r.category,
       r.source,
       r.description,
       r.photo_url,
       r.location,
       r.building_id,
       r.compound_id,
       r.grid_id,
       r.community_id,
       r.street_id,
       r.tier,
       r.responder,
       r.responder_phone,
       r.state,
       d.case_number AS duplicate_of,
       r.supporters,
       to_timestamp(r.created_at) AS created_at,
       to_timestamp(r.deadline_at) AS deadline_at,
       to_timestamp(r.closed_at) AS closed_at,
       r.on_time
FROM reports r
LEFT JOIN reports d ON d.id = r.duplicate_of;
