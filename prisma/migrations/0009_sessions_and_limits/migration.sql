-- A deactivated agent cannot sign in and is offered no work; their history stays theirs.
ALTER TABLE agents ADD COLUMN deactivated_at timestamptz(3);

-- Chat files arrive over HTTP before their message (POST /chat/uploads): the uploading visitor is kept
-- so that only they can attach the file to a message.
ALTER TABLE attachments ADD COLUMN uploaded_by_visitor text;
