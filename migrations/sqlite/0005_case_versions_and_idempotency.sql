-- No lost updates on cases, and submissions that a client may safely retry.

-- Bumped by every write to a case row. A write names the version it read and changes the
-- row only if it is still that one; clients see it as the ETag `"v<version>"`.
ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);

-- A client's Idempotency-Key, written in the same transaction as the case it filed, so a
-- retry after a lost answer finds that case instead of filing another. `fingerprint` is the
-- SHA-256 of who sent what, so a key reused for a different report is refused. Keys older
-- than 24 hours are deleted on a later keyed submission and may then be used again.
CREATE TABLE idempotency_keys (
    key         TEXT PRIMARY KEY,
    fingerprint BLOB NOT NULL,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
