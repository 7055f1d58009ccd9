-- Web chat: each embedding site has a widget key, the origins allowed to use it, and a secret with
-- which the site signs its signed-in users' emails (verified identity).
CREATE TABLE chat_widgets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  public_key text NOT NULL,
  name text NOT NULL,
  allowed_origins text[] NOT NULL DEFAULT '{}',
  identity_secret text NOT NULL,
  queue_id uuid REFERENCES queues(id),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX chat_widgets_public_key_key ON chat_widgets (public_key);
