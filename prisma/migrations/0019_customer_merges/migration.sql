-- Merging two customers is recorded, with what it changed, so that it can be undone exactly
-- (server/domain/customers/). The snapshot names every row that moved (table and id: each had the
-- source's customer_id before), the source's and target's customer rows as they were, and the consent
-- conflicts it resolved with the target's previous values.
CREATE TABLE customer_merges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Merges of one customer are serialised by its row lock, so their seq orders them ("a later merge").
  seq bigint GENERATED ALWAYS AS IDENTITY,
  source_customer_id uuid NOT NULL REFERENCES customers(id),
  target_customer_id uuid NOT NULL REFERENCES customers(id),
  merged_by uuid REFERENCES agents(id),
  merged_at timestamptz(3) NOT NULL DEFAULT now(),
  undone_by uuid REFERENCES agents(id),
  undone_at timestamptz(3),
  snapshot jsonb NOT NULL,
  CHECK (source_customer_id <> target_customer_id)
);
CREATE UNIQUE INDEX customer_merges_seq_key ON customer_merges (seq);
CREATE INDEX customer_merges_source_customer_id_idx ON customer_merges (source_customer_id);
CREATE INDEX customer_merges_target_customer_id_idx ON customer_merges (target_customer_id);
