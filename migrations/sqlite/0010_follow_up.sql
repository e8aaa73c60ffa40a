-- The reporter's follow-up (issue 16): the consent to be told, the hash of the follow-up
-- secret (the secret itself is derived from the case number with the server key below and
-- never stored), the rating of the current resolution and the 不满意 count.
ALTER TABLE reports ADD COLUMN notify INTEGER NOT NULL DEFAULT 0 CHECK (notify IN (0, 1));
ALTER TABLE reports ADD COLUMN follow_hash BLOB CHECK (follow_hash IS NULL OR length(follow_hash) = 32);
ALTER TABLE reports ADD COLUMN rating TEXT CHECK (rating IN ('satisfied', 'basically_satisfied', 'unsatisfied', 'unrated'));
ALTER TABLE reports ADD COLUMN rated_at INTEGER;
ALTER TABLE reports ADD COLUMN unsatisfied INTEGER NOT NULL DEFAULT 0 CHECK (unsatisfied >= 0);
CREATE UNIQUE INDEX reports_follow_hash ON reports (follow_hash) WHERE follow_hash IS NOT NULL;

-- 公开答复 beside the internal note, and the rating an event recorded.
ALTER TABLE report_events ADD COLUMN reply TEXT;
ALTER TABLE report_events ADD COLUMN rating TEXT CHECK (rating IN ('satisfied', 'basically_satisfied', 'unsatisfied', 'unrated'));

-- Random keys made once per database (at first open), so every instance derives the same
-- follow-up secrets. `follow` is the HMAC key of the follow-up links.
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    key  BLOB NOT NULL CHECK (length(key) = 32)
);
