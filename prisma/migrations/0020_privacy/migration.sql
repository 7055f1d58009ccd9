-- Privacy: a ledger of every consent change, and erasure of a customer.
--
-- consents keeps the current status per customer and channel; consent_changes keeps each change with
-- where it came from (the ledger). A trigger on consents writes the ledger, so no path that writes
-- consent can forget it. The paths say who and why in consents' own columns (changed_by,
-- evidence_message_id, evidence); the SQL ingest function (migration 0014) predates them and writes the
-- keyword's MessageSid as the source, which the BEFORE trigger turns into 'sms_stop' / 'sms_start'.

ALTER TABLE customers
  ADD COLUMN erased_at timestamptz(3),
  ADD COLUMN erased_by uuid REFERENCES agents(id);

ALTER TABLE consents
  ADD COLUMN changed_by uuid REFERENCES agents(id),
  ADD COLUMN evidence_message_id uuid REFERENCES messages(id),
  ADD COLUMN evidence text;

CREATE TABLE consent_changes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id uuid NOT NULL REFERENCES customers(id),
  channel "Channel" NOT NULL,
  status "ConsentStatus" NOT NULL,
  -- 'sms_stop', 'sms_start', 'email_unsubscribe', 'agent', 'do_not_call', or 'backfill' (before this ledger).
  source text NOT NULL,
  actor_id uuid REFERENCES agents(id),
  -- The message that carried the customer's request (their STOP, their unsubscribe mail).
  evidence_message_id uuid REFERENCES messages(id),
  -- What the customer wrote, or the header that asked ("STOP", "List-Unsubscribe"); cleared by erasure.
  evidence text,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX consent_changes_customer_id_created_at_idx ON consent_changes (customer_id, created_at);

-- What is already there: each current consent as one ledger row, its source normalised.
UPDATE consents SET changed_by = substring(source FROM 7)::uuid, source = 'agent'
 WHERE source ~ '^agent:[0-9a-f-]{36}$' AND EXISTS (SELECT 1 FROM agents a WHERE a.id::text = substring(consents.source FROM 7));
UPDATE consents SET evidence = substring(source FROM 7), source = 'email_unsubscribe' WHERE source LIKE 'email:%';
UPDATE consents s SET evidence_message_id = m.id, evidence = left(m.body, 200),
       source = CASE WHEN s.status = 'opted_out' THEN 'sms_stop' ELSE 'sms_start' END
  FROM messages m WHERE s.channel = 'sms' AND m.channel = 'sms' AND m.external_id = s.source;
INSERT INTO consent_changes (customer_id, channel, status, source, actor_id, evidence_message_id, evidence, created_at)
SELECT customer_id, channel, status, 'backfill', changed_by, evidence_message_id, evidence, updated_at FROM consents;

-- A merge and its undo (server/domain/customers/) carry a consent from one record to the other, with its
-- ledger rows: that is no new change, so they say so with this transaction-local setting.
CREATE FUNCTION consent_copy_in_progress() RETURNS boolean AS $$
  SELECT coalesce(current_setting('switchboard.consent_copy', true), '') = 'on'
$$ LANGUAGE sql STABLE;

CREATE FUNCTION consents_normalise_source() RETURNS trigger AS $$
DECLARE
  v_message_id uuid;
  v_body text;
BEGIN
  IF consent_copy_in_progress() OR NEW.source IN ('sms_stop', 'sms_start', 'email_unsubscribe', 'agent', 'do_not_call') THEN
    RETURN NEW;
  END IF;
  -- The ingest function's keyword: its source is the inbound message's provider id. Any other source
  -- (a writer that names its own) is kept as written.
  SELECT m.id, left(m.body, 200) INTO v_message_id, v_body
    FROM messages m WHERE m.channel = NEW.channel AND m.external_id = NEW.source;
  IF FOUND THEN
    NEW.changed_by := NULL;
    NEW.evidence_message_id := v_message_id;
    NEW.evidence := v_body;
    IF NEW.channel = 'sms' THEN
      NEW.source := CASE WHEN NEW.status = 'opted_out' THEN 'sms_stop' ELSE 'sms_start' END;
    END IF;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER consents_normalise_source BEFORE INSERT OR UPDATE OF status, source ON consents
  FOR EACH ROW EXECUTE FUNCTION consents_normalise_source();

-- Every write of a status is a ledger row, a repeated STOP too: it is what the customer said, and when.
-- (A merge moving consents to another customer changes neither column and writes nothing.)
CREATE FUNCTION consents_record_change() RETURNS trigger AS $$
BEGIN
  IF consent_copy_in_progress() THEN RETURN NULL; END IF;
  INSERT INTO consent_changes (customer_id, channel, status, source, actor_id, evidence_message_id, evidence)
  VALUES (NEW.customer_id, NEW.channel, NEW.status, NEW.source, NEW.changed_by, NEW.evidence_message_id, NEW.evidence);
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER consents_record_change AFTER INSERT OR UPDATE OF status, source ON consents
  FOR EACH ROW EXECUTE FUNCTION consents_record_change();

-- The timeline event of a consent change says what changed in its metadata: {event, channel, status,
-- source}. The ingest function writes only {"consent": status}; this completes it from the consent row
-- it wrote just before, in the same transaction. The WHEN clause keeps every other insert free of it.
CREATE FUNCTION messages_complete_consent_event() RETURNS trigger AS $$
BEGIN
  NEW.metadata := jsonb_build_object(
    'event', 'consent_changed',
    'channel', NEW.channel,
    'status', NEW.metadata->>'consent',
    'source', (SELECT s.source FROM consents s WHERE s.customer_id = NEW.customer_id AND s.channel = NEW.channel));
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER messages_complete_consent_event BEFORE INSERT ON messages
  FOR EACH ROW WHEN (NEW.kind = 'event' AND NEW.metadata ? 'consent' AND NOT NEW.metadata ? 'event')
  EXECUTE FUNCTION messages_complete_consent_event();
