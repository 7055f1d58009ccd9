-- The limits past which the board raises an alert: a queue whose oldest wait is over its limit, an agent
-- in wrap-up or away for too long. The alerts themselves are derived from the current state (nothing
-- to keep in step): an alert lasts while its condition does.
ALTER TABLE queues ADD COLUMN waiting_alert_seconds integer NOT NULL DEFAULT 300 CHECK (waiting_alert_seconds BETWEEN 10 AND 604800);
CREATE TABLE board_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  wrap_up_alert_seconds integer NOT NULL DEFAULT 180 CHECK (wrap_up_alert_seconds BETWEEN 10 AND 86400),
  away_alert_seconds integer NOT NULL DEFAULT 1800 CHECK (away_alert_seconds BETWEEN 60 AND 86400),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
INSERT INTO board_settings DEFAULT VALUES;
