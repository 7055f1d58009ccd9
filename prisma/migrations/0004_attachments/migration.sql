-- Files customers send (chat uploads): kept in the database beside their message, so a backup holds
-- everything and no second store can drift. Sizes are bounded by configuration (CHAT_UPLOAD_MAX_BYTES).
CREATE TABLE attachments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Set with message_id once the message is stored (the file is stored first, then the message).
  customer_id uuid REFERENCES customers(id),
  message_id uuid REFERENCES messages(id),
  file_name text NOT NULL,
  content_type text NOT NULL,
  size_bytes integer NOT NULL,
  data bytea NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX attachments_message_id_idx ON attachments (message_id);
