-- The audit log screen reads newest first by keyset on (created_at, id): an index in that order keeps a
-- page cheap however long the log grows, instead of sorting the whole table.
CREATE INDEX audit_events_created_at_id_idx ON audit_events (created_at DESC, id DESC);
