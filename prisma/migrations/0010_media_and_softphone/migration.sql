-- Voice goes only to agents who can take a call now: a browser softphone that told us it is registered
-- with Twilio (cleared when the agent's sockets are gone), or a forward phone.
ALTER TABLE agents ADD COLUMN softphone_ready_at timestamptz(3);
-- How a closed conversation ended when that is not "resolved by an agent": 'missed_call' for a caller who
-- hung up while waiting (shown as a missed call with a call-back action).
ALTER TABLE conversations ADD COLUMN outcome text;
-- MMS media still to fetch from Twilio (messages.media items with "state": "pending"): the media sweep
-- finds them here when their job was lost with Redis.
CREATE INDEX messages_pending_media ON messages (created_at) WHERE media @> '[{"state": "pending"}]'::jsonb;
