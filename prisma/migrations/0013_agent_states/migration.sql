-- Agent states with reasons (issue 9): why an agent is away, chosen from reasons an admin keeps, and every
-- change of state recorded as a period with its start and end, for the supervisor board and reports.
CREATE TABLE away_reasons (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  active boolean NOT NULL DEFAULT true,
  position integer NOT NULL DEFAULT 0,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
INSERT INTO away_reasons (name, position) VALUES ('Break', 1), ('Lunch', 2), ('Training', 3), ('Meeting', 4);

ALTER TABLE agents ADD COLUMN away_reason_id uuid REFERENCES away_reasons(id);

CREATE TABLE agent_state_periods (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents(id),
  state "Presence" NOT NULL,
  away_reason_id uuid REFERENCES away_reasons(id),
  started_at timestamptz(3) NOT NULL DEFAULT now(),
  ended_at timestamptz(3)
);
-- One open period per agent: the state they are in now.
CREATE UNIQUE INDEX agent_state_periods_open_idx ON agent_state_periods (agent_id) WHERE ended_at IS NULL;
CREATE INDEX agent_state_periods_agent_id_started_at_idx ON agent_state_periods (agent_id, started_at);

-- A reason belongs to "away" only: any other state clears it, whichever code path changed the state.
CREATE FUNCTION agents_clear_away_reason() RETURNS trigger AS $$
BEGIN
  IF NEW.presence <> 'away' THEN NEW.away_reason_id := NULL; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER agents_clear_away_reason BEFORE INSERT OR UPDATE OF presence, away_reason_id ON agents
  FOR EACH ROW EXECUTE FUNCTION agents_clear_away_reason();

-- Every change of state, by any code path, closes the open period and opens the next in the same transaction.
CREATE FUNCTION agents_record_state() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.presence IS DISTINCT FROM OLD.presence OR NEW.away_reason_id IS DISTINCT FROM OLD.away_reason_id THEN
    UPDATE agent_state_periods SET ended_at = now() WHERE agent_id = NEW.id AND ended_at IS NULL;
    INSERT INTO agent_state_periods (agent_id, state, away_reason_id, started_at) VALUES (NEW.id, NEW.presence, NEW.away_reason_id, now());
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER agents_record_state AFTER INSERT OR UPDATE OF presence, away_reason_id ON agents
  FOR EACH ROW EXECUTE FUNCTION agents_record_state();

-- Agents who exist already: their current state is open since it last changed.
INSERT INTO agent_state_periods (agent_id, state, started_at) SELECT id, presence, presence_changed_at FROM agents;
