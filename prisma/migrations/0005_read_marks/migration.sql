-- When the other side has seen a message: the visitor (agent replies) or an agent (customer messages).
ALTER TABLE messages ADD COLUMN read_at timestamptz(3);
