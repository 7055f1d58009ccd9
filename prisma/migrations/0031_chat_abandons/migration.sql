-- A chat visitor who ends the chat while it still waits for an agent abandoned it, as a caller who hangs
-- up in the queue does: the conversation's outcome 'abandoned' ends its wait as abandoned (as in 0025,
-- which counted only a missed call). The rest of the trigger function is unchanged.
CREATE OR REPLACE FUNCTION conversations_record_history() RETURNS trigger AS $$
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
      WHEN NEW.outcome IN ('missed_call', 'abandoned') THEN 'abandoned'
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
