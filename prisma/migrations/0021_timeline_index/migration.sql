-- The timeline filters a customer's history by channel (the chips SMS, Voice, Email, Chat) or by kind
-- (Notes; calls, voicemails or events through the API). On the (customer_id, created_at, id) index alone,
-- a filter that matches few items walks the customer's whole history to fill a page: 108 ms for a page of
-- a 100,000-item customer with nothing of that filter, 10 ms when 1% match (EXPLAIN ANALYZE on the data of
-- bench/timeline.ts). These two read each single-channel or single-kind filter's rows in page order.
CREATE INDEX messages_customer_id_channel_created_at_id_idx ON messages (customer_id, channel, created_at DESC, id DESC);
CREATE INDEX messages_customer_id_kind_created_at_id_idx ON messages (customer_id, kind, created_at DESC, id DESC);
