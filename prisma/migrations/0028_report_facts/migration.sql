-- What the reports need beyond the waits and handling periods (0025), kept by triggers in the same
-- transaction as the change: each conversation's first response, and for calls when the talk ended and
-- how long the agent then wrapped up (so handle time is talk + hold + wrap-up without joining messages).

-- One row per conversation that had an inbound text (SMS, chat, email): its first inbound and the first
-- reply an agent wrote (system and automatic messages carry no author, so they never count).
CREATE TABLE first_responses (
  conversation_id uuid PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  channel "Channel" NOT NULL,
  first_inbound_at timestamptz(3) NOT NULL,
  first_reply_at timestamptz(3),
  -- Where the conversation was when it was answered: the report groups it there.
  queue_id uuid REFERENCES queues(id) ON DELETE SET NULL,
  tier "CustomerTier",
  agent_id uuid REFERENCES agents(id) ON DELETE SET NULL
);
CREATE INDEX first_responses_reply_idx ON first_responses (first_reply_at) WHERE first_reply_at IS NOT NULL;

CREATE FUNCTION messages_record_first_response() RETURNS trigger AS $$
BEGIN
  IF NEW.direction = 'inbound' AND NEW.kind IN ('text', 'email') THEN
    INSERT INTO first_responses (conversation_id, channel, first_inbound_at)
    VALUES (NEW.conversation_id, NEW.channel, NEW.created_at) ON CONFLICT (conversation_id) DO NOTHING;
  ELSIF NEW.direction = 'outbound' AND NEW.author_agent_id IS NOT NULL AND NEW.kind IN ('text', 'email') THEN
    UPDATE first_responses f SET first_reply_at = NEW.created_at, agent_id = NEW.author_agent_id,
           queue_id = cv.queue_id, tier = COALESCE(cv.service_tier, c.tier, 'standard')
      FROM conversations cv JOIN customers c ON c.id = cv.customer_id
     WHERE f.conversation_id = NEW.conversation_id AND f.first_reply_at IS NULL AND cv.id = NEW.conversation_id;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER messages_record_first_response AFTER INSERT ON messages
  FOR EACH ROW EXECUTE FUNCTION messages_record_first_response();

-- A call's talk (and hold) ends with the call; the agent's wrap-up follows as a state period of its own.
ALTER TABLE handling_periods ADD COLUMN talk_ended_at timestamptz(3), ADD COLUMN wrap_up_ms integer;
CREATE INDEX handling_periods_done_idx ON handling_periods ((COALESCE(talk_ended_at, ended_at)));

CREATE FUNCTION messages_mark_talk_ended() RETURNS trigger AS $$
BEGIN
  IF NEW.kind = 'event' AND NEW.metadata->>'event' = 'call_ended' THEN
    UPDATE handling_periods SET talk_ended_at = NEW.created_at
     WHERE conversation_id = NEW.conversation_id AND ended_at IS NULL AND talk_ended_at IS NULL;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER messages_mark_talk_ended AFTER INSERT ON messages
  FOR EACH ROW EXECUTE FUNCTION messages_mark_talk_ended();

-- A wrap-up that ends belongs to the agent's last call whose talk ended before it began.
CREATE FUNCTION agent_state_periods_record_wrap_up() RETURNS trigger AS $$
BEGIN
  UPDATE handling_periods SET wrap_up_ms = (extract(epoch FROM NEW.ended_at - NEW.started_at) * 1000)::int
   WHERE id = (SELECT h.id FROM handling_periods h
                WHERE h.agent_id = NEW.agent_id AND h.channel = 'voice' AND h.talk_ended_at <= NEW.started_at
                  AND h.wrap_up_ms IS NULL
                ORDER BY h.talk_ended_at DESC LIMIT 1);
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER agent_state_periods_record_wrap_up AFTER UPDATE OF ended_at ON agent_state_periods
  FOR EACH ROW WHEN (NEW.state = 'wrap_up' AND OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL)
  EXECUTE FUNCTION agent_state_periods_record_wrap_up();

CREATE INDEX agent_state_periods_started_idx ON agent_state_periods (started_at);

-- History before this migration: first responses from the stored messages.
INSERT INTO first_responses (conversation_id, channel, first_inbound_at, first_reply_at, queue_id, tier, agent_id)
SELECT cv.id, cv.channel, i.at, r.created_at, CASE WHEN r.created_at IS NOT NULL THEN cv.queue_id END,
       CASE WHEN r.created_at IS NOT NULL THEN COALESCE(cv.service_tier, c.tier, 'standard') END, r.author_agent_id
  FROM conversations cv
  JOIN customers c ON c.id = cv.customer_id
  JOIN LATERAL (SELECT min(m.created_at) AS at FROM messages m
                 WHERE m.conversation_id = cv.id AND m.direction = 'inbound' AND m.kind IN ('text', 'email')) i ON i.at IS NOT NULL
  LEFT JOIN LATERAL (SELECT m.created_at, m.author_agent_id FROM messages m
                      WHERE m.conversation_id = cv.id AND m.direction = 'outbound' AND m.author_agent_id IS NOT NULL
                        AND m.kind IN ('text', 'email')
                      ORDER BY m.created_at LIMIT 1) r ON true;
