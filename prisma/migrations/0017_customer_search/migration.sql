-- Find anyone (issue 11, item 4): agents search customers by name, phone, email or a word from a message.
-- Every index is an expression over the record's own columns, never a copied text column: when a
-- customer's name, identities or messages are redacted (erase), the index entries change with the row.
-- The query plans these serve are measured by bench/customer-search.ts (BENCHMARKS.md "search").

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- A name as search compares it: lower-cased, accents dropped ("José Müller" → "jose muller"), other scripts kept.
-- IMMUTABLE so an index can hold it (unaccent itself is STABLE only because its rules file could change;
-- after changing that file, REINDEX customers_search_name_trgm_idx). Schema-qualified for any search_path.
CREATE FUNCTION customer_search_fold(name text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, name)) $$;

-- Names, partial and in any script: customer_search_fold(display_name) LIKE '%…%' and word_similarity.
CREATE INDEX customers_search_name_trgm_idx ON customers USING gin (customer_search_fold(display_name) gin_trgm_ops);

-- Phones (E.164) by any run of their digits, emails (stored lower-cased) by any part: value LIKE '%…%'.
CREATE INDEX identities_value_trgm_idx ON identities USING gin (value gin_trgm_ops);

-- Words of messages and notes ('simple': lower-cased, no stemming, so any language); system events are not text.
CREATE INDEX messages_body_fts_idx ON messages USING gin (to_tsvector('simple', body)) WHERE kind <> 'event';
