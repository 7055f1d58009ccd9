-- The reports' figures pre-summed per 15-minute interval (UTC-aligned: every zone's offset is a multiple
-- of 15 minutes, so a local hour or day is a union of whole intervals), one row per interval and group
-- (queue, channel, tier or agent; '' for none); and the same summed per UTC hour (minutes = 60), which
-- a report in a zone of whole-hour offsets reads instead, four times fewer rows. A job (server/domain/reports/report-facts.ts) writes
-- them for sealed intervals: those that ended more than report_facts_seal_delay() ago. A report reads
-- them there and scans the stored events only for what is not sealed yet, or marked dirty below.
-- Seconds are kept as integer microseconds, so sums are exact and a report from these figures equals
-- one from the events to the last bit.

CREATE FUNCTION report_facts_seal_delay() RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT interval '5 minutes' $$;
CREATE FUNCTION report_interval(at timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00') $$;

-- Waits: offered and reopened in the interval the wait joined, the outcomes in the one it ended.
CREATE TABLE report_wait_facts (
  dimension text NOT NULL CHECK (dimension IN ('queue', 'channel', 'tier', 'agent')),
  minutes integer NOT NULL CHECK (minutes IN (15, 60)),
  interval_start timestamptz NOT NULL,
  key text NOT NULL,
  offered integer NOT NULL, reopened integer NOT NULL, answered integer NOT NULL, abandoned integer NOT NULL,
  short_abandoned integer NOT NULL, moved integer NOT NULL, sl_counted integer NOT NULL, sl_met integer NOT NULL,
  answer_us bigint NOT NULL,
  PRIMARY KEY (dimension, minutes, interval_start, key)
);
-- Handling periods, in the interval their handling was done (a call's end of talk).
CREATE TABLE report_handling_facts (
  dimension text NOT NULL CHECK (dimension IN ('queue', 'channel', 'tier', 'agent')),
  minutes integer NOT NULL CHECK (minutes IN (15, 60)),
  interval_start timestamptz NOT NULL,
  key text NOT NULL,
  handled integer NOT NULL, handle_us bigint NOT NULL, agent_transfers integer NOT NULL,
  PRIMARY KEY (dimension, minutes, interval_start, key)
);
-- First responses, in the interval of the reply.
CREATE TABLE report_response_facts (
  dimension text NOT NULL CHECK (dimension IN ('queue', 'channel', 'tier', 'agent')),
  minutes integer NOT NULL CHECK (minutes IN (15, 60)),
  interval_start timestamptz NOT NULL,
  key text NOT NULL,
  responded integer NOT NULL, response_us bigint NOT NULL,
  PRIMARY KEY (dimension, minutes, interval_start, key)
);
-- Occupancy per agent: the time within the interval handling or wrapping up while signed in, and
-- available while handling nothing (overlapping work counted once), so intervals add up.
CREATE TABLE report_occupancy_facts (
  minutes integer NOT NULL CHECK (minutes IN (15, 60)),
  interval_start timestamptz NOT NULL,
  agent_id uuid NOT NULL,
  handling_us bigint NOT NULL, idle_us bigint NOT NULL,
  PRIMARY KEY (minutes, interval_start, agent_id)
);

-- Every interval before sealed_until has its figures (null: none built yet).
CREATE TABLE report_fact_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  sealed_until timestamptz
);
INSERT INTO report_fact_state DEFAULT VALUES;

-- Spans of sealed intervals whose figures of one kind are stale: a write landed there after they were
-- summed (a backdated row, a wait answered long after it joined, a metric settings change for waits).
-- Reports scan the events there; the job sums them again and removes the marks it saw. Insert-only
-- for writers, so a mark made while the job runs is never lost (the job deletes only what it saw).
CREATE TABLE report_fact_dirty (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('waits', 'handling', 'responses', 'occupancy')),
  -- [starts_at, ends_at), whole intervals; null is unbounded.
  starts_at timestamptz,
  ends_at timestamptz
);

-- Marks [from, to) of one kind, rounded out to whole intervals, as far as it may be sealed: before
-- clock_timestamp() − the seal delay (the job seals only intervals older than that by its own clock).
CREATE FUNCTION report_facts_mark(p_kind text, p_from timestamptz, p_to timestamptz) RETURNS void AS $$
DECLARE
  v_limit timestamptz := clock_timestamp() - report_facts_seal_delay();
  v_to timestamptz := least(COALESCE(p_to, 'infinity'), v_limit);
BEGIN
  IF p_from IS NULL OR p_from >= v_to THEN RETURN; END IF;
  INSERT INTO report_fact_dirty (kind, starts_at, ends_at)
  VALUES (p_kind, report_interval(p_from), report_interval(v_to - interval '1 microsecond') + interval '15 minutes');
END $$ LANGUAGE plpgsql;

-- The interval of one instant.
CREATE FUNCTION report_facts_mark_at(p_kind text, p_at timestamptz) RETURNS void AS $$
BEGIN
  PERFORM report_facts_mark(p_kind, p_at, p_at + interval '1 microsecond');
END $$ LANGUAGE plpgsql;

-- A time span's contribution changed from [f1, t1) to [f2, t2) (null end: still open, so it covers
-- every sealed interval after its start): only the difference is marked.
CREATE FUNCTION report_facts_mark_spans(p_kind text, f1 timestamptz, t1 timestamptz, f2 timestamptz, t2 timestamptz, p_whole boolean) RETURNS void AS $$
DECLARE
  a tstzmultirange := CASE WHEN f1 IS NULL THEN '{}' ELSE tstzmultirange(tstzrange(f1, greatest(f1, COALESCE(t1, 'infinity')))) END;
  b tstzmultirange := CASE WHEN f2 IS NULL THEN '{}' ELSE tstzmultirange(tstzrange(f2, greatest(f2, COALESCE(t2, 'infinity')))) END;
  r tstzrange;
BEGIN
  FOR r IN SELECT unnest(CASE WHEN p_whole THEN a + b ELSE (a - b) + (b - a) END) LOOP
    PERFORM report_facts_mark(p_kind, lower(r), upper(r));
  END LOOP;
END $$ LANGUAGE plpgsql;

-- queue_waits: the joining interval counts (queue, channel, tier, agent, reopened) and the ending
-- interval counts the outcome (and what the service level reads).
CREATE FUNCTION queue_waits_mark_report_facts() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM report_facts_mark_at('waits', NEW.entered_at);
    PERFORM report_facts_mark_at('waits', NEW.ended_at);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM report_facts_mark_at('waits', OLD.entered_at);
    PERFORM report_facts_mark_at('waits', OLD.ended_at);
  ELSE
    IF (OLD.entered_at, OLD.queue_id, OLD.channel, OLD.tier, OLD.agent_id, OLD.reopened)
       IS DISTINCT FROM (NEW.entered_at, NEW.queue_id, NEW.channel, NEW.tier, NEW.agent_id, NEW.reopened) THEN
      PERFORM report_facts_mark_at('waits', OLD.entered_at);
      PERFORM report_facts_mark_at('waits', NEW.entered_at);
    END IF;
    IF (OLD.ended_at, OLD.outcome, OLD.queue_id, OLD.channel, OLD.tier, OLD.agent_id, OLD.waiting_since, OLD.target_seconds, OLD.callback)
       IS DISTINCT FROM (NEW.ended_at, NEW.outcome, NEW.queue_id, NEW.channel, NEW.tier, NEW.agent_id, NEW.waiting_since, NEW.target_seconds, NEW.callback) THEN
      PERFORM report_facts_mark_at('waits', OLD.ended_at);
      PERFORM report_facts_mark_at('waits', NEW.ended_at);
    END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
-- The WHEN clauses keep the write paths' usual rows (stamped now()) from calling any function.
CREATE TRIGGER queue_waits_mark_report_facts_ins AFTER INSERT ON queue_waits FOR EACH ROW
  WHEN (least(NEW.entered_at, NEW.ended_at) < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION queue_waits_mark_report_facts();
CREATE TRIGGER queue_waits_mark_report_facts_upd AFTER UPDATE ON queue_waits FOR EACH ROW
  WHEN (least(OLD.entered_at, OLD.ended_at, NEW.entered_at, NEW.ended_at) < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION queue_waits_mark_report_facts();
CREATE TRIGGER queue_waits_mark_report_facts_del AFTER DELETE ON queue_waits FOR EACH ROW
  WHEN (least(OLD.entered_at, OLD.ended_at) < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION queue_waits_mark_report_facts();

-- handling_periods: handle time counts where the handling was done; occupancy over its whole span.
CREATE FUNCTION handling_periods_mark_report_facts() RETURNS trigger AS $$
DECLARE
  old_done timestamptz := CASE WHEN TG_OP <> 'INSERT' THEN COALESCE(OLD.talk_ended_at, OLD.ended_at) END;
  new_done timestamptz := CASE WHEN TG_OP <> 'DELETE' THEN COALESCE(NEW.talk_ended_at, NEW.ended_at) END;
BEGIN
  IF TG_OP <> 'UPDATE' OR (old_done, OLD.started_at, OLD.wrap_up_ms, OLD.end_reason, OLD.agent_id, OLD.queue_id, OLD.channel, OLD.tier)
     IS DISTINCT FROM (new_done, NEW.started_at, NEW.wrap_up_ms, NEW.end_reason, NEW.agent_id, NEW.queue_id, NEW.channel, NEW.tier) THEN
    PERFORM report_facts_mark_at('handling', old_done);
    PERFORM report_facts_mark_at('handling', new_done);
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM report_facts_mark_spans('occupancy', NULL, NULL, NEW.started_at, new_done, true);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM report_facts_mark_spans('occupancy', OLD.started_at, old_done, NULL, NULL, true);
  ELSE
    PERFORM report_facts_mark_spans('occupancy', OLD.started_at, old_done, NEW.started_at, new_done, OLD.agent_id IS DISTINCT FROM NEW.agent_id);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER handling_periods_mark_report_facts_ins AFTER INSERT ON handling_periods FOR EACH ROW
  WHEN (NEW.started_at < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION handling_periods_mark_report_facts();
CREATE TRIGGER handling_periods_mark_report_facts_upd AFTER UPDATE ON handling_periods FOR EACH ROW
  WHEN (least(OLD.started_at, NEW.started_at) < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION handling_periods_mark_report_facts();
CREATE TRIGGER handling_periods_mark_report_facts_del AFTER DELETE ON handling_periods FOR EACH ROW
  WHEN (OLD.started_at < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION handling_periods_mark_report_facts();

-- agent_state_periods: occupancy over the period's span.
CREATE FUNCTION agent_state_periods_mark_report_facts() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM report_facts_mark_spans('occupancy', NULL, NULL, NEW.started_at, NEW.ended_at, true);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM report_facts_mark_spans('occupancy', OLD.started_at, OLD.ended_at, NULL, NULL, true);
  ELSE
    PERFORM report_facts_mark_spans('occupancy', OLD.started_at, OLD.ended_at, NEW.started_at, NEW.ended_at,
      (OLD.agent_id, OLD.state) IS DISTINCT FROM (NEW.agent_id, NEW.state));
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER agent_state_periods_mark_report_facts_ins AFTER INSERT ON agent_state_periods FOR EACH ROW
  WHEN (NEW.started_at < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION agent_state_periods_mark_report_facts();
CREATE TRIGGER agent_state_periods_mark_report_facts_upd AFTER UPDATE ON agent_state_periods FOR EACH ROW
  WHEN (least(OLD.started_at, NEW.started_at) < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION agent_state_periods_mark_report_facts();
CREATE TRIGGER agent_state_periods_mark_report_facts_del AFTER DELETE ON agent_state_periods FOR EACH ROW
  WHEN (OLD.started_at < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION agent_state_periods_mark_report_facts();

-- first_responses: counted where the reply was.
CREATE FUNCTION first_responses_mark_report_facts() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR (OLD.first_reply_at, OLD.first_inbound_at, OLD.queue_id, OLD.tier, OLD.agent_id, OLD.channel)
     IS DISTINCT FROM (NEW.first_reply_at, NEW.first_inbound_at, NEW.queue_id, NEW.tier, NEW.agent_id, NEW.channel)) THEN
    PERFORM report_facts_mark_at('responses', OLD.first_reply_at);
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR (OLD.first_reply_at, OLD.first_inbound_at, OLD.queue_id, OLD.tier, OLD.agent_id, OLD.channel)
     IS DISTINCT FROM (NEW.first_reply_at, NEW.first_inbound_at, NEW.queue_id, NEW.tier, NEW.agent_id, NEW.channel)) THEN
    PERFORM report_facts_mark_at('responses', NEW.first_reply_at);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER first_responses_mark_report_facts_ins AFTER INSERT ON first_responses FOR EACH ROW
  WHEN (NEW.first_reply_at < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION first_responses_mark_report_facts();
CREATE TRIGGER first_responses_mark_report_facts_upd AFTER UPDATE ON first_responses FOR EACH ROW
  WHEN (least(OLD.first_reply_at, NEW.first_reply_at) < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION first_responses_mark_report_facts();
CREATE TRIGGER first_responses_mark_report_facts_del AFTER DELETE ON first_responses FOR EACH ROW
  WHEN (OLD.first_reply_at < clock_timestamp() - report_facts_seal_delay())
  EXECUTE FUNCTION first_responses_mark_report_facts();

-- The metric settings decide which abandons count and what the service level counts: every wait
-- figure is stale after a change (a rare admin action); the job sums them again.
CREATE FUNCTION metric_settings_mark_report_facts() RETURNS trigger AS $$
BEGIN
  INSERT INTO report_fact_dirty (kind) VALUES ('waits');
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER metric_settings_mark_report_facts AFTER UPDATE ON metric_settings FOR EACH ROW
  WHEN ((OLD.short_abandon_seconds, OLD.abandons_within_target, OLD.callbacks) IS DISTINCT FROM (NEW.short_abandon_seconds, NEW.abandons_within_target, NEW.callbacks))
  EXECUTE FUNCTION metric_settings_mark_report_facts();

-- Periods still running when the job or a report reads from a time: found by their end, not by
-- scanning every earlier start.
CREATE INDEX agent_state_periods_ended_idx ON agent_state_periods (ended_at);
