-- Follow-ups (issue 11): reminders fire once to their owner, and a conversation can be snoozed until a
-- time. Postgres holds both; the delayed jobs in Redis that fire them are re-derived by the sweep.

-- Reminders: the table dates from 0001 (unused until now). A bounded note; the sweep reads pending ones
-- by due time, the workspace lists an agent's and a customer's open ones.
ALTER TABLE reminders ADD CONSTRAINT reminders_note_check CHECK (char_length(note) BETWEEN 1 AND 500);
DROP INDEX reminders_due_at_idx;
CREATE INDEX reminders_pending_due_idx ON reminders (due_at) WHERE fired_at IS NULL AND done_at IS NULL;
CREATE INDEX reminders_agent_open_idx ON reminders (agent_id, due_at) WHERE done_at IS NULL;
CREATE INDEX reminders_customer_open_idx ON reminders (customer_id, due_at) WHERE done_at IS NULL;

-- Snooze: until when. Set exactly while the conversation is snoozed: leaving that status clears it.
ALTER TABLE conversations ADD COLUMN snoozed_until timestamptz(3);
-- Snoozed before this column existed (nothing set the status until now): they wake at the next sweep.
UPDATE conversations SET snoozed_until = now() WHERE status = 'snoozed';
CREATE FUNCTION conversations_clear_snooze() RETURNS trigger AS $$
BEGIN
  NEW.snoozed_until := NULL;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER conversations_clear_snooze BEFORE UPDATE OF status ON conversations
  FOR EACH ROW WHEN (NEW.status <> 'snoozed' AND NEW.snoozed_until IS NOT NULL) EXECUTE FUNCTION conversations_clear_snooze();
ALTER TABLE conversations ADD CONSTRAINT conversations_snoozed_until_check CHECK ((status = 'snoozed') = (snoozed_until IS NOT NULL));
CREATE INDEX conversations_snoozed_until_idx ON conversations (snoozed_until) WHERE status = 'snoozed';

-- Wakes a snoozed conversation: back in line in its queue, waiting from now, nobody assigned (routing
-- offers it to whoever can take it), and "Snooze ended" on its timeline. Every way of waking comes here:
-- the customer's next message (ingest below, and email threading), its time (p_until: only the snooze
-- that ends then, and only once it is due by this clock), or an agent waking it early. No row: it was
-- not snoozed (or not that snooze, or not due yet).
CREATE FUNCTION wake_snoozed_conversation(p_conversation uuid, p_until timestamptz, p_reason text, p_actor uuid, p_text text)
RETURNS TABLE (event_id uuid, previous_agent_id uuid, priority integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v record;
  v_event uuid;
  v_priority integer;
BEGIN
  SELECT cv.id, cv.customer_id, cv.channel, cv.assigned_agent_id, cv.snoozed_until INTO v
    FROM conversations cv
   WHERE cv.id = p_conversation AND cv.status = 'snoozed'
     AND (p_until IS NULL OR (cv.snoozed_until = p_until AND cv.snoozed_until <= now()))
   FOR UPDATE;
  IF NOT FOUND THEN RETURN; END IF;
  UPDATE conversations cv SET status = 'queued', assigned_agent_id = NULL, waiting_since = now(), updated_at = now()
   WHERE cv.id = v.id
  RETURNING cv.priority INTO v_priority;
  INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
  VALUES (v.id, v.customer_id, v.channel, 'internal', 'event', p_text, 'received', p_actor,
          jsonb_build_object('event', 'snooze_ended', 'reason', p_reason, 'snoozedUntil', v.snoozed_until, 'previousAgentId', v.assigned_agent_id))
  RETURNING id INTO v_event;
  RETURN QUERY SELECT v_event, v.assigned_agent_id, v_priority;
END $$;

-- Ingest as in 0014, but a customer's message on a snoozed conversation wakes it (and it then waits).
CREATE OR REPLACE FUNCTION ingest_inbound_message(
  p_channel "Channel",
  p_external_id text,
  p_from_kind "IdentityKind",
  p_from_value text,
  p_from_verified boolean,
  p_to text,
  p_body text,
  p_kind "MessageKind",
  p_media jsonb,
  p_subject text,
  p_metadata jsonb,
  p_received_at timestamptz,
  p_consent "ConsentStatus",
  p_consent_text text
) RETURNS TABLE (
  message_id uuid,
  conversation_id uuid,
  customer_id uuid,
  created boolean,
  opened boolean,
  waiting boolean,
  priority integer,
  message_created_at timestamptz,
  message_change_seq bigint,
  consent_event_id uuid,
  conversation_status "ConversationStatus",
  assigned_agent_id uuid,
  customer_address text,
  business_address text,
  subject text,
  conversation_created_at timestamptz,
  customer_display_name text,
  customer_tier "CustomerTier",
  queue_id uuid,
  queue_name text,
  due_at timestamptz
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_message_id uuid;
  v_conversation_id uuid;
  v_customer_id uuid;
  v_tier "CustomerTier";
  v_display_name text;
  v_opened boolean := false;
  v_waiting boolean := false;
  v_created_at timestamptz;
  v_change_seq bigint;
  v_consent_event uuid;
  v_conv conversations%ROWTYPE;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(p_from_kind::text || ':' || p_from_value, 0));

  SELECT m.id, m.conversation_id, m.customer_id INTO v_message_id, v_conversation_id, v_customer_id
    FROM messages m WHERE m.channel = p_channel AND m.external_id = p_external_id;
  IF FOUND THEN
    RETURN QUERY SELECT v_message_id, v_conversation_id, v_customer_id, false, false, false, 0,
      NULL::timestamptz, NULL::bigint, NULL::uuid, NULL::"ConversationStatus", NULL::uuid, NULL::text, NULL::text, NULL::text,
      NULL::timestamptz, NULL::text, NULL::"CustomerTier", NULL::uuid, NULL::text, NULL::timestamptz;
    RETURN;
  END IF;

  SELECT i.customer_id, c.tier, c.display_name INTO v_customer_id, v_tier, v_display_name
    FROM identities i JOIN customers c ON c.id = i.customer_id
   WHERE i.kind = p_from_kind AND i.value = p_from_value;
  IF NOT FOUND THEN
    INSERT INTO customers DEFAULT VALUES RETURNING id, tier INTO v_customer_id, v_tier;
    INSERT INTO identities (customer_id, kind, value, verified, source)
    VALUES (v_customer_id, p_from_kind, p_from_value, p_from_verified, 'inbound:' || p_channel::text);
  END IF;

  SELECT * INTO v_conv FROM conversations cv
   WHERE cv.customer_id = v_customer_id AND cv.channel = p_channel AND cv.status <> 'resolved'
   ORDER BY cv.created_at DESC LIMIT 1 FOR UPDATE;
  IF NOT FOUND THEN
    v_waiting := p_consent IS NULL;
    INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, business_address, subject,
                               waiting_since, resolved_at, last_message_at)
    VALUES (v_customer_id, p_channel, CASE WHEN v_waiting THEN 'queued' ELSE 'resolved' END::"ConversationStatus",
            entry_queue_id(p_channel, p_to), p_from_value, p_to, p_subject,
            CASE WHEN v_waiting THEN now() END, CASE WHEN v_waiting THEN NULL ELSE now() END, p_received_at)
    RETURNING * INTO v_conv;
    v_opened := true;
  ELSE
    -- The customer wrote again: a snoozed conversation wakes and goes back in line (an opt-out word does not wake it).
    IF v_conv.status = 'snoozed' AND p_consent IS NULL THEN
      PERFORM wake_snoozed_conversation(v_conv.id, NULL, 'customer_message', NULL, 'Snooze ended: the customer wrote again');
      v_waiting := true;
    END IF;
    UPDATE conversations cv SET last_message_at = p_received_at, updated_at = now(),
      status = CASE WHEN cv.status = 'pending_customer' THEN 'assigned'::"ConversationStatus" ELSE cv.status END
     WHERE cv.id = v_conv.id
    RETURNING * INTO v_conv;
  END IF;

  INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, media, external_id, status, metadata, created_at)
  VALUES (v_conv.id, v_customer_id, p_channel, 'inbound', p_kind, p_body, p_media, p_external_id, 'received', p_metadata, p_received_at)
  RETURNING id, created_at, change_seq INTO v_message_id, v_created_at, v_change_seq;

  IF p_consent IS NOT NULL THEN
    INSERT INTO consents (customer_id, channel, status, source) VALUES (v_customer_id, p_channel, p_consent, p_external_id)
    ON CONFLICT (customer_id, channel)
    DO UPDATE SET status = EXCLUDED.status, source = EXCLUDED.source, updated_at = now();
    INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, metadata)
    VALUES (v_conv.id, v_customer_id, p_channel, 'internal', 'event', p_consent_text, 'received', jsonb_build_object('consent', p_consent))
    RETURNING id INTO v_consent_event;
  END IF;

  RETURN QUERY SELECT v_message_id, v_conv.id, v_customer_id, true, v_opened, v_waiting, v_conv.priority,
    v_created_at, v_change_seq, v_consent_event, v_conv.status, v_conv.assigned_agent_id, v_conv.customer_address,
    v_conv.business_address, v_conv.subject, v_conv.created_at, v_display_name, v_tier,
    v_conv.queue_id, (SELECT q.name FROM queues q WHERE q.id = v_conv.queue_id), v_conv.due_at;
END;
$$;
