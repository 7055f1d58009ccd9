-- A deactivated agent cannot sign in and is offered no work; their history stays theirs.
ALTER TABLE agents ADD COLUMN deactivated_at timestamptz(3);
