-- Canned replies (issue 11): supervisors and admins keep saved answers, agents pick them by shortcut in
-- the composer. The table dates from 0001 (unused until now); this adds the channel and the rules.

-- A shortcut is what the agent types after "/": short, lower-case, no spaces.
ALTER TABLE canned_replies
  ADD CONSTRAINT canned_replies_shortcut_check CHECK (shortcut ~ '^[a-z0-9-]{1,40}$'),
  ADD CONSTRAINT canned_replies_title_check CHECK (length(title) BETWEEN 1 AND 200),
  ADD CONSTRAINT canned_replies_body_check CHECK (length(body) BETWEEN 1 AND 5000),
  -- Null: offered on every channel; otherwise only in that channel's composer.
  ADD COLUMN channel "Channel",
  ADD COLUMN updated_at timestamptz(3) NOT NULL DEFAULT now();
CREATE INDEX canned_replies_channel_idx ON canned_replies (channel);
