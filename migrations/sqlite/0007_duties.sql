-- Who is on the hook for a case and by when (see model::reports::Duty): the unit, the time
-- each stage allows (captured at filing, so a later change of a category's settings applies
-- to new cases), and the marks extensions, supervision (督办) and reopening (重办) leave.
ALTER TABLE reports ADD COLUMN subcategory TEXT;
ALTER TABLE reports ADD COLUMN unit_id TEXT REFERENCES units (id);
ALTER TABLE reports ADD COLUMN response_secs INTEGER NOT NULL DEFAULT 86400 CHECK (response_secs > 0);
ALTER TABLE reports ADD COLUMN resolution_secs INTEGER NOT NULL DEFAULT 259200 CHECK (resolution_secs > 0);
ALTER TABLE reports ADD COLUMN responded_at INTEGER;
ALTER TABLE reports ADD COLUMN due_at INTEGER;
ALTER TABLE reports ADD COLUMN original_deadline_at INTEGER;
ALTER TABLE reports ADD COLUMN extension_requested_to INTEGER;
ALTER TABLE reports ADD COLUMN supervised_at INTEGER;
ALTER TABLE reports ADD COLUMN resolved_by INTEGER;
ALTER TABLE reports ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0 CHECK (reopened >= 0);

-- Cases filed before: a dispatched case's allowance is what its deadline gave it; a case was
-- answered when it was dispatched or ended unworked; the stage due dates follow the rule of
-- services::reports::workflow (answer from receipt, resolution by the deadline, verification
-- within three days of the resolution).
UPDATE reports SET
    resolution_secs = COALESCE(NULLIF(deadline_at - dispatched_at, 0), resolution_secs),
    responded_at = CASE WHEN dispatched_at IS NOT NULL THEN dispatched_at
                        WHEN state IN ('rejected', 'duplicate') THEN closed_at END,
    original_deadline_at = deadline_at,
    due_at = CASE WHEN state IN ('received', 'accepted') THEN created_at + response_secs
                  WHEN state IN ('dispatched', 'in_progress') THEN deadline_at
                  WHEN state IN ('resolved', 'verified') THEN resolved_at + 259200 END;

CREATE INDEX reports_unit_state ON reports (unit_id, state);
CREATE INDEX reports_due ON reports (due_at) WHERE due_at IS NOT NULL;
