-- The customer panel (issue 11, item 2): tags an agent puts on a customer, and bounds on what agents
-- write there. Tags are short labels ("vip", "billing"), kept lower-case so one label is one tag.
ALTER TABLE customers ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
ALTER TABLE customers ADD CONSTRAINT customers_tags_bounded CHECK (cardinality(tags) <= 20);
CREATE INDEX customers_tags_idx ON customers USING gin (tags);

-- Customer notes: what an agent wants every colleague to know about this person, whatever the channel.
ALTER TABLE notes ADD CONSTRAINT notes_body_bounded CHECK (char_length(body) BETWEEN 1 AND 4000);
DROP INDEX notes_customer_id_idx;
CREATE INDEX notes_customer_created_idx ON notes (customer_id, created_at DESC);
