-- ingest(event) in one round trip (server/domain/ingest/ingest-inbound.ts calls it): under a lock per
-- sender, find the message by provider id (a retry returns it unchanged), find or create the customer
-- by identity, find the open conversation or open one, insert the message, record a consent keyword.
-- Everything commits together, so a webhook answered 2xx has its message stored, and stored once.
-- Policy stays in TypeScript: the routing priority per tier and the consent event's wording come in.

CREATE FUNCTION ingest_inbound_message(
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
  p_consent_text text,
  p_priority_by_tier jsonb
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
  customer_tier "CustomerTier"
) LANGUAGE plpgsql AS $$
-- The OUT columns share names with table columns (customer_id, …): in SQL here a name means the column.
#variable_conflict use_column
DECLARE
  v_message_id uuid;
  v_conversation_id uuid;
  v_customer_id uuid;
  v_tier "CustomerTier";
  v_display_name text;
  v_opened boolean := false;
  v_waiting boolean := false;
  v_priority integer := 0;
  v_created_at timestamptz;
  v_change_seq bigint;
  v_consent_event uuid;
  v_conv conversations%ROWTYPE;
BEGIN
  -- Serialise everything one sender does: parallel provider retries and first contacts cannot race.
  -- (Each statement below takes a fresh snapshot, so it sees what the lock holder committed.)
  PERFORM pg_advisory_xact_lock(hashtextextended(p_from_kind::text || ':' || p_from_value, 0));

  SELECT m.id, m.conversation_id, m.customer_id INTO v_message_id, v_conversation_id, v_customer_id
    FROM messages m WHERE m.channel = p_channel AND m.external_id = p_external_id;
  IF FOUND THEN
    RETURN QUERY SELECT v_message_id, v_conversation_id, v_customer_id, false, false, false, 0,
      NULL::timestamptz, NULL::bigint, NULL::uuid, NULL::"ConversationStatus", NULL::uuid, NULL::text, NULL::text, NULL::text,
      NULL::timestamptz, NULL::text, NULL::"CustomerTier";
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
    -- A resolved thread is not reopened: a new conversation starts (routed with the customer's whole
    -- timeline, last agent first). A bare consent keyword is recorded but is no work for anyone.
    v_waiting := p_consent IS NULL;
    v_priority := COALESCE((p_priority_by_tier ->> v_tier::text)::integer, 100);
    INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, business_address, subject,
                               priority, waiting_since, resolved_at, last_message_at)
    VALUES (v_customer_id, p_channel, CASE WHEN v_waiting THEN 'queued' ELSE 'resolved' END::"ConversationStatus",
            (SELECT q.id FROM queues q ORDER BY q.created_at LIMIT 1), p_from_value, p_to, p_subject,
            v_priority, CASE WHEN v_waiting THEN now() END, CASE WHEN v_waiting THEN NULL ELSE now() END, p_received_at)
    RETURNING * INTO v_conv;
    v_opened := true;
  ELSE
    -- The customer answered: the conversation is the agent's turn again.
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

  RETURN QUERY SELECT v_message_id, v_conv.id, v_customer_id, true, v_opened, v_waiting, v_priority,
    v_created_at, v_change_seq, v_consent_event, v_conv.status, v_conv.assigned_agent_id, v_conv.customer_address,
    v_conv.business_address, v_conv.subject, v_conv.created_at, v_display_name, v_tier;
END;
$$;
