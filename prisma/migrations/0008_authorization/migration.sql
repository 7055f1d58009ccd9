-- An agent's own forward phone is set only after they confirm a code sent to it by SMS: one row per
-- code sent (hashed), with its expiry and how many wrong tries it has had. Rows also count requests.
CREATE TABLE forward_phone_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  phone text NOT NULL,
  code_hash text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  expires_at timestamptz(3) NOT NULL,
  confirmed_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX forward_phone_codes_agent_id_created_at_idx ON forward_phone_codes (agent_id, created_at);
