-- What a chat visitor typed into the pre-chat form. Unverified: it names the visitor for the agent and
-- suggests matching customers, but never links or merges records by itself.
CREATE TABLE chat_profiles (
  visitor_id text PRIMARY KEY,
  name text,
  email text,
  phone text,
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
