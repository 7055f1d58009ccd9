-- An admin invites an agent with a one-time link instead of handing over a password: the link's token
-- is kept only as its SHA-256 (like session tokens), works once, and expires.
CREATE TABLE agent_invites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  expires_at timestamptz(3) NOT NULL,
  used_at timestamptz(3),
  created_by uuid REFERENCES agents(id),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX agent_invites_agent_id_idx ON agent_invites (agent_id);
