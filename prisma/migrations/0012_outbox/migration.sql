-- The outbox: each send attempt is recorded before the provider call, so an attempt whose outcome is
-- unknown (the worker died, the call timed out) is reconciled with the provider before any resend.
ALTER TABLE messages
  ADD COLUMN send_attempts integer NOT NULL DEFAULT 0,
  -- Start of the earliest attempt whose outcome is unknown; cleared once the outcome is known.
  ADD COLUMN send_started_at timestamptz(3),
  -- An attempt in flight holds the message until then, so two jobs never call the provider at once.
  ADD COLUMN send_lease_until timestamptz(3);

-- Outbound messages still to send: the outbox sweep reads these.
CREATE INDEX messages_outbox_idx ON messages (created_at) WHERE direction = 'outbound' AND status = 'queued';

-- A channel whose provider refuses our credentials is failing: its sends are held, not failed one by one.
CREATE TYPE "ChannelHealthStatus" AS ENUM ('ok', 'failing');
CREATE TABLE channel_health (
  channel "Channel" PRIMARY KEY,
  status "ChannelHealthStatus" NOT NULL,
  error_code text,
  reason text,
  since timestamptz(3) NOT NULL DEFAULT now(),
  checked_at timestamptz(3) NOT NULL DEFAULT now()
);
