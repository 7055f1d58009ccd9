-- Queues, teams and service levels (issue 9): many queues with members and overflow, entry points that
-- name their queue, a due time for every waiting conversation from its queue's target for the customer's
-- tier and channel, service-level alerts recorded once, and each agent's load per channel kept in rows
-- that the router locks one agent at a time instead of one lock for the whole system.

-- Queues -----------------------------------------------------------------------------------------------
ALTER TABLE queues
  ADD COLUMN is_default boolean NOT NULL DEFAULT false,
  ADD COLUMN overflow_queue_id uuid REFERENCES queues(id) ON DELETE SET NULL,
  ADD COLUMN overflow_after_seconds integer CHECK (overflow_after_seconds > 0),
  ADD COLUMN overflow_when_unstaffed boolean NOT NULL DEFAULT false,
  -- What a customer waiting past max_wait_seconds is offered: voicemail, a callback, or leaving a message.
  ADD COLUMN after_max_wait text NOT NULL DEFAULT 'callback' CHECK (after_max_wait IN ('voicemail', 'callback', 'message')),
  ADD CONSTRAINT queues_overflow_not_self CHECK (overflow_queue_id IS DISTINCT FROM id);
CREATE UNIQUE INDEX queues_one_default ON queues (is_default) WHERE is_default;
UPDATE queues SET is_default = true WHERE id = (SELECT id FROM queues ORDER BY created_at, id LIMIT 1);

CREATE TABLE queue_members (
  queue_id uuid NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  -- 1 to 10: the router offers to the highest level first among equally placed agents.
  level integer NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 10),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (queue_id, agent_id)
);
CREATE INDEX queue_members_agent_id_idx ON queue_members (agent_id);
-- Until now every agent served the one queue in use: keep it that way.
INSERT INTO queue_members (queue_id, agent_id) SELECT q.id, a.id FROM queues q CROSS JOIN agents a;

-- The first queue of an install is the default (the catch-all for entry points without a queue) and
-- takes every agent there is; a new agent joins the default queue. Admins change membership after.
CREATE FUNCTION queues_first_is_default() RETURNS trigger AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM queues WHERE is_default AND id <> NEW.id) THEN
    UPDATE queues SET is_default = true WHERE id = NEW.id;
    INSERT INTO queue_members (queue_id, agent_id) SELECT NEW.id, a.id FROM agents a ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER queues_first_is_default AFTER INSERT ON queues FOR EACH ROW EXECUTE FUNCTION queues_first_is_default();

-- Targets: seconds to answer per queue, tier and channel. Without a row the built-in default applies.
CREATE TABLE service_targets (
  queue_id uuid NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  tier "CustomerTier" NOT NULL,
  channel "Channel" NOT NULL,
  seconds integer NOT NULL CHECK (seconds > 0),
  PRIMARY KEY (queue_id, tier, channel)
);
-- The per-tier seconds the seed kept as JSON become voice targets; the column goes.
INSERT INTO service_targets (queue_id, tier, channel, seconds)
SELECT q.id, t.key::"CustomerTier", 'voice', (t.value #>> '{}')::integer
  FROM queues q, jsonb_each(q.service_levels) t
 WHERE t.key IN ('standard', 'gold', 'platinum') AND jsonb_typeof(t.value) = 'number' AND (t.value #>> '{}')::numeric >= 1;
ALTER TABLE queues DROP COLUMN service_levels;

-- Built-in defaults: standard voice 60 s, chat 2 min, SMS 15 min, email 4 h; gold two thirds, platinum one third.
CREATE FUNCTION service_target_seconds(p_queue uuid, p_tier "CustomerTier", p_channel "Channel") RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT COALESCE(
    (SELECT seconds FROM service_targets WHERE queue_id = p_queue AND tier = p_tier AND channel = p_channel),
    (CASE p_channel WHEN 'voice' THEN 60 WHEN 'chat' THEN 120 WHEN 'sms' THEN 900 ELSE 14400 END)
      * (CASE p_tier WHEN 'platinum' THEN 1 WHEN 'gold' THEN 2 ELSE 3 END) / 3)
$$;

-- Customer tiers: set on the record, or derived from lifetime value by the admin's thresholds -----------
CREATE TABLE tier_thresholds (
  tier "CustomerTier" PRIMARY KEY CHECK (tier <> 'standard'),
  min_lifetime_value numeric(12, 2) NOT NULL CHECK (min_lifetime_value >= 0),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
ALTER TABLE customers ADD COLUMN tier_source text NOT NULL DEFAULT 'derived' CHECK (tier_source IN ('set', 'derived'));
UPDATE customers SET tier_source = 'set' WHERE tier <> 'standard';

CREATE FUNCTION derived_tier(p_value numeric) RETURNS "CustomerTier" LANGUAGE sql STABLE AS $$
  SELECT COALESCE((SELECT t.tier FROM tier_thresholds t WHERE p_value IS NOT NULL AND t.min_lifetime_value <= p_value
                    ORDER BY t.min_lifetime_value DESC LIMIT 1), 'standard'::"CustomerTier")
$$;
-- A derived tier follows the lifetime value; a new customer without one keeps the tier it was given.
CREATE FUNCTION customers_derive_tier() RETURNS trigger AS $$
BEGIN
  IF NEW.tier_source = 'derived' AND (TG_OP = 'UPDATE' OR NEW.lifetime_value IS NOT NULL) THEN
    NEW.tier := derived_tier(NEW.lifetime_value);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER customers_derive_tier BEFORE INSERT OR UPDATE OF lifetime_value, tier_source ON customers
  FOR EACH ROW EXECUTE FUNCTION customers_derive_tier();

-- Entry points: each Twilio number names its SMS and voice queues; chat widgets already name theirs -------
CREATE TABLE phone_numbers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE CHECK (number ~ '^\+[1-9][0-9]{6,14}$'),
  label text,
  sms_queue_id uuid REFERENCES queues(id) ON DELETE SET NULL,
  voice_queue_id uuid REFERENCES queues(id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
ALTER TABLE chat_widgets DROP CONSTRAINT IF EXISTS chat_widgets_queue_id_fkey,
  ADD CONSTRAINT chat_widgets_queue_id_fkey FOREIGN KEY (queue_id) REFERENCES queues(id) ON DELETE SET NULL;

-- The queue new work from this entry point joins: the number's or widget's, else the default queue.
CREATE FUNCTION entry_queue_id(p_channel "Channel", p_to text) RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT COALESCE(
    CASE
      WHEN p_channel = 'sms' THEN (SELECT n.sms_queue_id FROM phone_numbers n WHERE n.number = p_to)
      WHEN p_channel = 'voice' THEN (SELECT n.voice_queue_id FROM phone_numbers n WHERE n.number = p_to)
      WHEN p_channel = 'chat' THEN (SELECT w.queue_id FROM chat_widgets w WHERE w.public_key = p_to)
    END,
    (SELECT q.id FROM queues q WHERE q.is_default),
    (SELECT q.id FROM queues q ORDER BY q.created_at, q.id LIMIT 1))
$$;

-- Due times ----------------------------------------------------------------------------------------------
ALTER TABLE conversations
  -- When the current wait breaches its target; routing serves the earliest first.
  ADD COLUMN due_at timestamptz(3),
  -- When it joined its current queue (overflow by time counts from here; the wait counts from waiting_since).
  ADD COLUMN queue_entered_at timestamptz(3),
  -- The tier and target the due time was computed from, kept with the alerts.
  ADD COLUMN service_tier "CustomerTier",
  ADD COLUMN target_seconds integer;
UPDATE conversations SET queue_id = entry_queue_id(channel, business_address) WHERE queue_id IS NULL;

-- Whichever code path starts a wait or moves a waiting conversation, its due time follows: from the same
-- waiting_since (a move keeps its place by waiting time) and the new queue's target.
CREATE FUNCTION conversations_due_time() RETURNS trigger AS $$
DECLARE v_tier "CustomerTier";
BEGIN
  IF NEW.waiting_since IS NULL THEN
    NEW.due_at := NULL;
    NEW.queue_entered_at := NULL;
  ELSIF TG_OP = 'INSERT' OR OLD.waiting_since IS DISTINCT FROM NEW.waiting_since OR OLD.queue_id IS DISTINCT FROM NEW.queue_id THEN
    SELECT c.tier INTO v_tier FROM customers c WHERE c.id = NEW.customer_id;
    NEW.service_tier := COALESCE(v_tier, 'standard');
    NEW.target_seconds := service_target_seconds(NEW.queue_id, NEW.service_tier, NEW.channel);
    NEW.due_at := NEW.waiting_since + make_interval(secs => NEW.target_seconds);
    -- The routing job's order (BullMQ: lower first) follows the target, as the match follows the due time.
    NEW.priority := LEAST(NEW.target_seconds, 2097151);
    IF TG_OP = 'INSERT' OR OLD.waiting_since IS NULL OR OLD.queue_id IS DISTINCT FROM NEW.queue_id THEN
      NEW.queue_entered_at := now();
    END IF;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER conversations_due_time BEFORE INSERT OR UPDATE OF waiting_since, queue_id ON conversations
  FOR EACH ROW EXECUTE FUNCTION conversations_due_time();
UPDATE conversations cv SET service_tier = c.tier, target_seconds = service_target_seconds(cv.queue_id, c.tier, cv.channel),
       due_at = cv.waiting_since + make_interval(secs => service_target_seconds(cv.queue_id, c.tier, cv.channel)),
       queue_entered_at = cv.waiting_since
  FROM customers c WHERE c.id = cv.customer_id AND cv.waiting_since IS NOT NULL;
CREATE INDEX conversations_queued_due_idx ON conversations (due_at, waiting_since, id) WHERE status = 'queued';

-- Service-level alerts: a warning at 80% of the target and a breach at the due time, once per wait.
CREATE TABLE service_level_alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations(id),
  queue_id uuid REFERENCES queues(id) ON DELETE SET NULL,
  kind text NOT NULL CHECK (kind IN ('warning', 'breach')),
  tier "CustomerTier" NOT NULL,
  channel "Channel" NOT NULL,
  waiting_since timestamptz(3) NOT NULL,
  due_at timestamptz(3) NOT NULL,
  target_seconds integer NOT NULL,
  -- How long after its own moment (80% of the target, or the due time) the alert was raised.
  late_ms integer NOT NULL,
  raised_at timestamptz(3) NOT NULL DEFAULT now(),
  UNIQUE (conversation_id, kind, waiting_since)
);
CREATE INDEX service_level_alerts_raised_at_idx ON service_level_alerts (raised_at);

-- Each agent's load per channel, kept by triggers in the transaction of every offer and assignment ---------
CREATE TABLE agent_loads (
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  channel "Channel" NOT NULL,
  -- Open conversations assigned to them (assigned or waiting on the customer) and pending offers.
  assigned integer NOT NULL DEFAULT 0 CHECK (assigned >= 0),
  offered integer NOT NULL DEFAULT 0 CHECK (offered >= 0),
  -- "Longest idle" counts from the last offer on the channel.
  last_offered_at timestamptz(3),
  PRIMARY KEY (agent_id, channel)
);
INSERT INTO agent_loads (agent_id, channel, assigned, offered, last_offered_at)
SELECT a.id, ch.channel,
       (SELECT count(*) FROM conversations cv WHERE cv.assigned_agent_id = a.id AND cv.channel = ch.channel
           AND cv.status IN ('assigned', 'pending_customer')),
       (SELECT count(*) FROM offers o WHERE o.agent_id = a.id AND o.channel = ch.channel AND o.status = 'pending'),
       a.last_assigned_at
  FROM agents a CROSS JOIN (SELECT unnest(enum_range(NULL::"Channel")) AS channel) ch;
-- Idle time lives with the load rows now: a match touches only the agent's row it locked.
ALTER TABLE agents DROP COLUMN last_assigned_at;

CREATE FUNCTION agents_create_loads() RETURNS trigger AS $$
BEGIN
  INSERT INTO agent_loads (agent_id, channel) SELECT NEW.id, ch FROM unnest(enum_range(NULL::"Channel")) ch ON CONFLICT DO NOTHING;
  INSERT INTO queue_members (queue_id, agent_id) SELECT q.id, NEW.id FROM queues q WHERE q.is_default ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER agents_create_loads AFTER INSERT ON agents FOR EACH ROW EXECUTE FUNCTION agents_create_loads();

CREATE FUNCTION agent_loads_add(p_agent uuid, p_channel "Channel", p_assigned integer, p_offered integer) RETURNS void
LANGUAGE sql AS $$
  UPDATE agent_loads SET assigned = assigned + p_assigned, offered = offered + p_offered,
         last_offered_at = CASE WHEN p_offered > 0 THEN now() ELSE last_offered_at END
   WHERE agent_id = p_agent AND channel = p_channel
$$;

CREATE FUNCTION offers_count_load() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'pending' THEN PERFORM agent_loads_add(OLD.agent_id, OLD.channel, 0, -1); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'pending' THEN PERFORM agent_loads_add(NEW.agent_id, NEW.channel, 0, 1); END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER offers_count_load AFTER INSERT OR DELETE OR UPDATE OF status, agent_id, channel ON offers
  FOR EACH ROW EXECUTE FUNCTION offers_count_load();

CREATE FUNCTION conversations_count_load() RETURNS trigger AS $$
DECLARE
  v_old boolean := TG_OP IN ('UPDATE', 'DELETE') AND OLD.assigned_agent_id IS NOT NULL AND OLD.status IN ('assigned', 'pending_customer');
  v_new boolean := TG_OP IN ('INSERT', 'UPDATE') AND NEW.assigned_agent_id IS NOT NULL AND NEW.status IN ('assigned', 'pending_customer');
BEGIN
  IF v_old AND v_new AND OLD.assigned_agent_id = NEW.assigned_agent_id AND OLD.channel = NEW.channel THEN RETURN NULL; END IF;
  -- Two agents' rows (a transfer): always in id order, so two opposite transfers cannot deadlock.
  IF v_old AND v_new AND NEW.assigned_agent_id < OLD.assigned_agent_id THEN
    PERFORM agent_loads_add(NEW.assigned_agent_id, NEW.channel, 1, 0);
    PERFORM agent_loads_add(OLD.assigned_agent_id, OLD.channel, -1, 0);
    RETURN NULL;
  END IF;
  IF v_old THEN PERFORM agent_loads_add(OLD.assigned_agent_id, OLD.channel, -1, 0); END IF;
  IF v_new THEN PERFORM agent_loads_add(NEW.assigned_agent_id, NEW.channel, 1, 0); END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER conversations_count_load AFTER INSERT OR DELETE OR UPDATE OF status, assigned_agent_id, channel ON conversations
  FOR EACH ROW EXECUTE FUNCTION conversations_count_load();

-- Ingest names the queue from the entry point (the number or widget written to); the routing order now
-- comes from the due-time trigger, so the per-tier priorities are no longer passed in.
DROP FUNCTION ingest_inbound_message("Channel", text, "IdentityKind", text, boolean, text, text, "MessageKind", jsonb, text, jsonb,
  timestamptz, "ConsentStatus", text, jsonb);
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

-- What the match filters on, beside each load row, so it reads neither the agents table nor the rows of agents
-- who cannot take work now (a partial index holds the ready ones). A trigger on agents keeps the copy.
ALTER TABLE agent_loads
  ADD COLUMN capacity integer NOT NULL DEFAULT 0,
  -- Available, and for voice somewhere to ring (a registered softphone or a forward phone).
  ADD COLUMN ready boolean NOT NULL DEFAULT false,
  ADD COLUMN skills text[] NOT NULL DEFAULT '{}';
CREATE FUNCTION agent_loads_sync_agent(p_agent uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- In channel order, as every other locker of an agent's rows takes them: an UPDATE alone would take
  -- them in storage order and could deadlock with an agent pulling work.
  PERFORM 1 FROM agent_loads WHERE agent_id = p_agent ORDER BY channel FOR UPDATE;
  UPDATE agent_loads l SET
    capacity = CASE l.channel WHEN 'voice' THEN a.capacity_voice WHEN 'chat' THEN a.capacity_chat
                              WHEN 'sms' THEN a.capacity_sms ELSE a.capacity_email END,
    ready = a.presence = 'available' AND (l.channel <> 'voice' OR a.forward_phone IS NOT NULL OR a.softphone_ready_at IS NOT NULL),
    skills = a.skills
    FROM agents a WHERE a.id = p_agent AND l.agent_id = a.id;
END $$;
SELECT agent_loads_sync_agent(id) FROM agents;
CREATE FUNCTION agents_sync_loads() RETURNS trigger AS $$
BEGIN
  PERFORM agent_loads_sync_agent(NEW.id);
  RETURN NULL;
END $$ LANGUAGE plpgsql;
-- After agents_create_loads (triggers of one event run in name order), so a new agent's rows exist.
CREATE TRIGGER agents_sync_loads AFTER INSERT OR UPDATE OF presence, capacity_voice, capacity_chat, capacity_sms, capacity_email,
  forward_phone, softphone_ready_at, skills ON agents FOR EACH ROW EXECUTE FUNCTION agents_sync_loads();
-- Load changes stay HOT updates: the index holds who is ready, not how loaded they are.
CREATE INDEX agent_loads_ready_idx ON agent_loads (channel, agent_id) WHERE ready;
-- An agent pulling work reads the earliest due of each of their queues and channels.
CREATE INDEX conversations_queued_by_queue_idx ON conversations (queue_id, channel, due_at, waiting_since, id) WHERE status = 'queued';

-- The match in one round trip each, as ingest is (server/domain/routing/match.ts calls these) ------------
-- The best agent for a waiting conversation, their load row locked (SKIP LOCKED: a row another match holds
-- is passed over, and the lock re-checks room on the newest row). Members of the queue with its skills and
-- room on the channel: the customer's last agent first; then the highest level; then the least loaded share
-- of capacity; then the longest idle. Whoever declined or let it lapse in the last 60 s is left out.
-- The last agent is one lookup; the rest reads members by level (an index), so it stops within the first
-- level that has someone ready instead of sorting the whole queue. PL/pgSQL: plans kept per connection.
CREATE INDEX queue_members_queue_level_idx ON queue_members (queue_id, level DESC, agent_id);
CREATE FUNCTION best_agent_for(p_channel "Channel", p_customer uuid, p_conversation uuid, p_skills text[], p_queue uuid)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
  v_declined uuid[];
  v_last uuid;
  v_agent uuid;
BEGIN
  v_declined := COALESCE((SELECT array_agg(d.agent_id) FROM offers d
                           WHERE d.conversation_id = p_conversation AND d.status IN ('rejected', 'timed_out')
                             AND d.responded_at > now() - interval '60 seconds'), '{}');
  v_last := (SELECT p.assigned_agent_id FROM conversations p
              WHERE p.customer_id = p_customer AND p.assigned_agent_id IS NOT NULL AND p.id <> p_conversation
              ORDER BY p.last_message_at DESC LIMIT 1);
  IF v_last IS NOT NULL AND v_last <> ALL (v_declined) THEN
    SELECT l.agent_id INTO v_agent
      FROM agent_loads l JOIN queue_members m ON m.agent_id = l.agent_id AND m.queue_id = p_queue
     WHERE l.agent_id = v_last AND l.channel = p_channel AND l.ready AND l.assigned + l.offered < l.capacity AND l.skills @> p_skills
       FOR UPDATE OF l SKIP LOCKED;
    IF v_agent IS NOT NULL THEN RETURN v_agent; END IF;
  END IF;
  SELECT l.agent_id INTO v_agent
    FROM queue_members m
    JOIN agent_loads l ON l.agent_id = m.agent_id AND l.channel = p_channel
   WHERE m.queue_id = p_queue AND l.ready AND l.assigned + l.offered < l.capacity AND l.skills @> p_skills
     AND l.agent_id <> ALL (v_declined)
   ORDER BY m.level DESC, (l.assigned + l.offered)::float / l.capacity ASC, l.last_offered_at ASC NULLS FIRST, l.agent_id
   LIMIT 1
   FOR UPDATE OF l SKIP LOCKED;
  RETURN v_agent;
END $$;

-- The offer and the conversation's new status; the offers trigger raises the agent's load row.
CREATE FUNCTION make_offer(p_conversation uuid, p_agent uuid, p_channel "Channel", p_timeout_ms integer)
RETURNS SETOF offers LANGUAGE sql AS $$
  WITH offered AS (UPDATE conversations SET status = 'offered', updated_at = now() WHERE id = p_conversation RETURNING id)
  INSERT INTO offers (conversation_id, agent_id, channel, expires_at)
  SELECT offered.id, p_agent, p_channel, now() + make_interval(secs => p_timeout_ms::float / 1000) FROM offered
  RETURNING *
$$;

-- Routes one waiting conversation. outcome: 'offered' (with the offer), 'no_agent', 'not_waiting', or
-- 'overflow_rules' when its queue overflows and the caller has not applied the overflow rules yet.
CREATE FUNCTION route_conversation(p_conversation uuid, p_timeout_ms integer, p_overflow_checked boolean)
RETURNS TABLE (outcome text, id uuid, conversation_id uuid, agent_id uuid, channel "Channel", status "OfferStatus",
               created_at timestamptz, expires_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v record;
  v_agent uuid;
  v_offer offers%ROWTYPE;
BEGIN
  SELECT cv.id, cv.channel, cv.customer_id, cv.queue_id, COALESCE(q.required_skills, '{}') AS required_skills,
         q.overflow_queue_id IS NOT NULL AS overflows
    INTO v FROM conversations cv LEFT JOIN queues q ON q.id = cv.queue_id
   WHERE cv.id = p_conversation AND cv.status = 'queued' FOR UPDATE OF cv;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_waiting'::text, NULL::uuid, NULL::uuid, NULL::uuid, NULL::"Channel", NULL::"OfferStatus", NULL::timestamptz, NULL::timestamptz;
    RETURN;
  END IF;
  IF v.overflows AND NOT p_overflow_checked THEN
    RETURN QUERY SELECT 'overflow_rules'::text, NULL::uuid, NULL::uuid, NULL::uuid, NULL::"Channel", NULL::"OfferStatus", NULL::timestamptz, NULL::timestamptz;
    RETURN;
  END IF;
  v_agent := best_agent_for(v.channel, v.customer_id, v.id, v.required_skills, v.queue_id);
  IF v_agent IS NULL THEN
    RETURN QUERY SELECT 'no_agent'::text, NULL::uuid, NULL::uuid, NULL::uuid, NULL::"Channel", NULL::"OfferStatus", NULL::timestamptz, NULL::timestamptz;
    RETURN;
  END IF;
  SELECT * INTO v_offer FROM make_offer(v.id, v_agent, v.channel, p_timeout_ms);
  RETURN QUERY SELECT 'offered'::text, v_offer.id, v_offer.conversation_id, v_offer.agent_id, v_offer.channel, v_offer.status,
                      v_offer.created_at::timestamptz, v_offer.expires_at::timestamptz;
END $$;

-- An agent with room pulls the earliest-due conversation of their queues (whose skills they have) on a
-- channel where they have room: the first few of each queue and channel by index, then the first of those
-- no other match holds. Their load rows are locked first (a brief wait behind a match), the conversation
-- with SKIP LOCKED, so the two lock orders never wait on each other. No row: nothing for them now.
-- (Every load row of an agent carries the same skills: min() takes them.)
CREATE FUNCTION offer_work_to_agent(p_agent uuid, p_timeout_ms integer)
RETURNS TABLE (id uuid, conversation_id uuid, agent_id uuid, channel "Channel", status "OfferStatus",
               created_at timestamptz, expires_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_channels "Channel"[];
  v_skills text[];
  v_candidates uuid[];
  v_conv record;
  v_offer offers%ROWTYPE;
BEGIN
  SELECT array_agg(l.channel) FILTER (WHERE l.ready AND l.assigned + l.offered < l.capacity), min(l.skills)
    INTO v_channels, v_skills
    FROM (SELECT * FROM agent_loads WHERE agent_loads.agent_id = p_agent ORDER BY agent_loads.channel FOR UPDATE) l;
  IF v_channels IS NULL THEN RETURN; END IF;
  FOR attempt IN 1..3 LOOP
    SELECT array_agg(c.id ORDER BY c.due_at, c.waiting_since, c.id) INTO v_candidates
      FROM (SELECT c.id, c.due_at, c.waiting_since
              FROM queue_members m
              JOIN queues q ON q.id = m.queue_id
             CROSS JOIN unnest(v_channels) ch
             CROSS JOIN LATERAL (
               SELECT cv.id, cv.due_at, cv.waiting_since FROM conversations cv
                WHERE cv.status = 'queued' AND cv.queue_id = m.queue_id AND cv.channel = ch
                  AND cv.id <> ALL (COALESCE((SELECT array_agg(d.conversation_id) FROM offers d
                                               WHERE d.agent_id = p_agent AND d.status IN ('rejected', 'timed_out')
                                                 AND d.responded_at > now() - interval '60 seconds'), '{}'))
                ORDER BY cv.due_at, cv.waiting_since, cv.id LIMIT 4) c
             WHERE m.agent_id = p_agent AND v_skills @> q.required_skills
             ORDER BY c.due_at, c.waiting_since, c.id
             LIMIT 8) c;
    IF v_candidates IS NULL THEN RETURN; END IF;
    SELECT cv.id, cv.channel INTO v_conv FROM conversations cv
     WHERE cv.id = ANY (v_candidates) AND cv.status = 'queued'
     ORDER BY cv.due_at ASC NULLS LAST, cv.waiting_since, cv.id
     LIMIT 1 FOR UPDATE OF cv SKIP LOCKED;
    IF FOUND THEN
      SELECT * INTO v_offer FROM make_offer(v_conv.id, p_agent, v_conv.channel, p_timeout_ms);
      RETURN QUERY SELECT v_offer.id, v_offer.conversation_id, v_offer.agent_id, v_offer.channel, v_offer.status,
                          v_offer.created_at::timestamptz, v_offer.expires_at::timestamptz;
      RETURN;
    END IF;
  END LOOP;
END $$;
