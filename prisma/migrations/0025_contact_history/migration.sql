-- The stored events the board and the reports count from: every wait of a conversation in a queue, and
-- every period an agent handled one. Triggers on conversations write them, so every code path that
-- queues, answers, moves, transfers or resolves work records it in its own transaction.

CREATE TABLE queue_waits (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  queue_id uuid REFERENCES queues(id) ON DELETE SET NULL,
  channel "Channel" NOT NULL,
  tier "CustomerTier" NOT NULL,
  target_seconds integer NOT NULL,
  -- When the wait began (service level counts from here; a move to another queue keeps it).
  waiting_since timestamptz(3) NOT NULL,
  -- When it joined this queue (the offered count of the queue counts from here).
  entered_at timestamptz(3) NOT NULL,
  ended_at timestamptz(3),
  -- answered: an agent took it; abandoned: the customer left; moved: to another queue (a transfer or an
  -- overflow, counted again there); closed: resolved by the business while it waited.
  outcome text CHECK (outcome IN ('answered', 'abandoned', 'moved', 'closed')),
  agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
  -- The customer left a voicemail or asked for a callback during this wait.
  callback boolean NOT NULL DEFAULT false,
  -- The wait reopened a resolved conversation (the reopen rate).
  reopened boolean NOT NULL DEFAULT false,
  CHECK ((ended_at IS NULL) = (outcome IS NULL))
);
CREATE UNIQUE INDEX queue_waits_one_open_idx ON queue_waits (conversation_id) WHERE ended_at IS NULL;
CREATE INDEX queue_waits_entered_idx ON queue_waits (entered_at);
CREATE INDEX queue_waits_ended_idx ON queue_waits (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX queue_waits_conversation_idx ON queue_waits (conversation_id, entered_at);

CREATE TABLE handling_periods (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  queue_id uuid REFERENCES queues(id) ON DELETE SET NULL,
  channel "Channel" NOT NULL,
  tier "CustomerTier" NOT NULL,
  started_at timestamptz(3) NOT NULL,
  ended_at timestamptz(3),
  -- resolved; transferred (to another agent); requeued (back in line, or to a queue); snoozed.
  end_reason text CHECK (end_reason IN ('resolved', 'transferred', 'requeued', 'snoozed')),
  CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE UNIQUE INDEX handling_periods_one_open_idx ON handling_periods (conversation_id) WHERE ended_at IS NULL;
CREATE INDEX handling_periods_started_idx ON handling_periods (started_at);
CREATE INDEX handling_periods_agent_idx ON handling_periods (agent_id, started_at);

-- How the metrics count (one row): the board and the reports read the same settings.
CREATE TABLE metric_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  -- A customer who left within this many seconds is a short abandon: in neither count.
  short_abandon_seconds integer NOT NULL DEFAULT 5 CHECK (short_abandon_seconds BETWEEN 0 AND 600),
  -- An abandon after the short threshold but within the target: 'neither' (default), 'against' or 'for'.
  abandons_within_target text NOT NULL DEFAULT 'neither' CHECK (abandons_within_target IN ('neither', 'against', 'for')),
  -- A wait in which the customer left a voicemail or asked for a callback: 'excluded' from the service
  -- level (default) or 'included' (its answer time counts like any other).
  callbacks text NOT NULL DEFAULT 'excluded' CHECK (callbacks IN ('excluded', 'included')),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
INSERT INTO metric_settings DEFAULT VALUES;

CREATE FUNCTION conversations_record_history() RETURNS trigger AS $$
DECLARE
  was_waiting boolean := TG_OP = 'UPDATE' AND OLD.waiting_since IS NOT NULL;
  was_handling boolean := TG_OP = 'UPDATE' AND OLD.assigned_agent_id IS NOT NULL AND OLD.status IN ('assigned', 'pending_customer');
  is_handling boolean := NEW.assigned_agent_id IS NOT NULL AND NEW.status IN ('assigned', 'pending_customer');
  v_outcome text;
BEGIN
  -- The wait: ends when waiting_since clears, or moves on when the queue changes while it waits.
  IF was_waiting AND (NEW.waiting_since IS NULL OR OLD.queue_id IS DISTINCT FROM NEW.queue_id) THEN
    v_outcome := CASE
      WHEN NEW.waiting_since IS NOT NULL THEN 'moved'
      WHEN NEW.status IN ('assigned', 'pending_customer') THEN 'answered'
      WHEN NEW.outcome = 'missed_call' THEN 'abandoned'
      ELSE 'closed' END;
    -- A wait opened by this same transaction (handled work sent back in line, then to another queue)
    -- never waited in its first queue: it is not counted there.
    DELETE FROM queue_waits WHERE v_outcome = 'moved' AND conversation_id = NEW.id AND ended_at IS NULL
       AND entered_at = now()::timestamptz(3);
    UPDATE queue_waits SET ended_at = now(), outcome = v_outcome,
           agent_id = CASE WHEN v_outcome = 'answered' THEN NEW.assigned_agent_id END
     WHERE conversation_id = NEW.id AND ended_at IS NULL;
  END IF;
  IF NEW.waiting_since IS NOT NULL AND NOT (was_waiting AND OLD.queue_id IS NOT DISTINCT FROM NEW.queue_id AND OLD.waiting_since = NEW.waiting_since) THEN
    -- A wait already open (a voicemail reopened a call that had just been closed as abandoned) goes on.
    -- Its start is the earlier of the two (a reopened call keeps the wait it began with).
    UPDATE queue_waits SET queue_id = NEW.queue_id, tier = COALESCE(NEW.service_tier, tier), target_seconds = COALESCE(NEW.target_seconds, target_seconds),
           waiting_since = LEAST(waiting_since, NEW.waiting_since)
     WHERE conversation_id = NEW.id AND ended_at IS NULL;
    IF NOT FOUND THEN
      INSERT INTO queue_waits (conversation_id, queue_id, channel, tier, target_seconds, waiting_since, entered_at, reopened)
      VALUES (NEW.id, NEW.queue_id, NEW.channel, COALESCE(NEW.service_tier, 'standard'), COALESCE(NEW.target_seconds, 0),
              NEW.waiting_since, COALESCE(NEW.queue_entered_at, now()), TG_OP = 'UPDATE' AND OLD.status = 'resolved');
    END IF;
  END IF;

  -- The handling period: one per agent stint on the conversation.
  IF was_handling AND (NOT is_handling OR OLD.assigned_agent_id IS DISTINCT FROM NEW.assigned_agent_id) THEN
    UPDATE handling_periods SET ended_at = now(), end_reason = CASE
        WHEN is_handling THEN 'transferred'
        WHEN NEW.status = 'resolved' THEN 'resolved'
        WHEN NEW.status = 'snoozed' THEN 'snoozed'
        ELSE 'requeued' END
     WHERE conversation_id = NEW.id AND ended_at IS NULL;
  END IF;
  IF is_handling AND NOT (was_handling AND OLD.assigned_agent_id IS NOT DISTINCT FROM NEW.assigned_agent_id) THEN
    INSERT INTO handling_periods (conversation_id, agent_id, queue_id, channel, tier, started_at)
    VALUES (NEW.id, NEW.assigned_agent_id, NEW.queue_id, NEW.channel,
            COALESCE(NEW.service_tier, (SELECT c.tier FROM customers c WHERE c.id = NEW.customer_id), 'standard'), now());
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER conversations_record_history AFTER INSERT OR UPDATE OF status, assigned_agent_id, waiting_since, queue_id ON conversations
  FOR EACH ROW EXECUTE FUNCTION conversations_record_history();

-- A voicemail or a callback request marks the wait it was left in (and reopens one just closed as
-- abandoned: Twilio's "completed" can arrive before the recording).
CREATE FUNCTION messages_mark_callback_wait() RETURNS trigger AS $$
BEGIN
  IF NEW.kind = 'voicemail' OR NEW.metadata->>'event' = 'callback_requested' THEN
    UPDATE queue_waits SET callback = true WHERE conversation_id = NEW.conversation_id AND ended_at IS NULL;
    IF NOT FOUND THEN
      UPDATE queue_waits SET callback = true, ended_at = NULL, outcome = NULL
       WHERE id = (SELECT w.id FROM queue_waits w WHERE w.conversation_id = NEW.conversation_id
                    ORDER BY w.entered_at DESC LIMIT 1)
         AND outcome = 'abandoned' AND ended_at > now() - interval '10 minutes';
    END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER messages_mark_callback_wait AFTER INSERT ON messages
  FOR EACH ROW EXECUTE FUNCTION messages_mark_callback_wait();

-- What is open now starts its history here (earlier history was not recorded).
INSERT INTO queue_waits (conversation_id, queue_id, channel, tier, target_seconds, waiting_since, entered_at)
SELECT id, queue_id, channel, COALESCE(service_tier, 'standard'), COALESCE(target_seconds, 0), waiting_since, COALESCE(queue_entered_at, waiting_since)
  FROM conversations WHERE waiting_since IS NOT NULL;
INSERT INTO handling_periods (conversation_id, agent_id, queue_id, channel, tier, started_at)
SELECT cv.id, cv.assigned_agent_id, cv.queue_id, cv.channel, COALESCE(cv.service_tier, c.tier, 'standard'), cv.updated_at
  FROM conversations cv JOIN customers c ON c.id = cv.customer_id
 WHERE cv.assigned_agent_id IS NOT NULL AND cv.status IN ('assigned', 'pending_customer');
