// A customer with a long history, inserted set-based (generate_series) so 100,000 items take seconds:
// four channels, several conversations on each, every kind (text, email, call, voicemail, note, event),
// runs of three items with the same created_at (to exercise the id tie-break), some with files and
// agent authors. Used by test/timeline.test.ts and bench/timeline.ts.
import type pg from "pg";

export const SEED_CHANNELS = ["sms", "voice", "email", "chat"] as const;

export interface SeededTimeline {
  customerId: string;
  /** Conversation ids by channel. */
  conversations: Record<(typeof SEED_CHANNELS)[number], string[]>;
  items: number;
}

/**
 * Item g (1..items) is on channel SEED_CHANNELS[g % 4], in conversation (g / 4) % perChannel of that
 * channel; every 10th is an internal note, every 25th a system event; items come in threes with one
 * created_at, one second apart, ending `endAt`. Inbound and outbound alternate; outbound ones and
 * notes are written by `authorAgentId`.
 */
let phoneSeq = Math.floor(Math.random() * 10_000);

export async function seedTimeline(
  pool: pg.Pool,
  opts: { items: number; authorAgentId: string; conversationsPerChannel?: number; endAt?: Date; phone?: string },
): Promise<SeededTimeline> {
  const perChannel = opts.conversationsPerChannel ?? 3;
  // A valid US number (a random exchange may not be, and the SMS webhook refuses invalid senders),
  // one after another so that the customers of one seeding never share a phone.
  const phone = opts.phone ?? `+1917555${String(phoneSeq++ % 10_000).padStart(4, "0")}`;
  const endAt = opts.endAt ?? new Date();
  const customer = await pool.query<{ id: string }>(`INSERT INTO customers (display_name) VALUES ('Long History') RETURNING id`);
  const customerId = customer.rows[0]!.id;
  await pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'phone', $2, true, 'seed')`, [customerId, phone]);
  const conversations = { sms: [], voice: [], email: [], chat: [] } as SeededTimeline["conversations"];
  const created = await pool.query<{ id: string; channel: (typeof SEED_CHANNELS)[number] }>(
    `INSERT INTO conversations (customer_id, channel, status, customer_address)
     SELECT $1, ch::"Channel", 'resolved', CASE ch WHEN 'email' THEN 'long.history@example.test' WHEN 'chat' THEN 'visitor-seed' ELSE $2 END
       FROM unnest($3::text[]) ch, generate_series(1, $4) n
      ORDER BY array_position($3::text[], ch), n
     RETURNING id, channel`,
    [customerId, phone, SEED_CHANNELS, perChannel],
  );
  for (const row of created.rows) conversations[row.channel].push(row.id);

  await pool.query(
    `WITH conv AS (SELECT array_agg(id ORDER BY channel_order, id) AS ids FROM (
                     SELECT id, array_position($4::text[], channel::text) AS channel_order FROM conversations WHERE customer_id = $1) c)
     INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, media, status, author_agent_id, metadata, created_at, external_id)
     SELECT conv.ids[(g % 4) * $5 + (g / 4) % $5 + 1], $1, ch::"Channel",
            d::"MessageDirection",
            k::"MessageKind",
            CASE k WHEN 'note' THEN 'Note ' || g WHEN 'event' THEN 'Event ' || g WHEN 'call' THEN 'Call ' || g
                   WHEN 'voicemail' THEN 'Voicemail ' || g ELSE 'Item ' || g END,
            CASE WHEN g % 50 = 7 THEN jsonb_build_array(jsonb_build_object('url', 'https://files.example.test/' || g || '.png', 'contentType', 'image/png', 'name', g || '.png'))
                 ELSE '[]'::jsonb END,
            (CASE WHEN d = 'outbound' THEN 'delivered' ELSE 'received' END)::"MessageStatus",
            CASE WHEN d <> 'inbound' AND k <> 'event' THEN $3::uuid END,
            CASE WHEN k = 'email' THEN jsonb_build_object('email', jsonb_build_object(
                   'subject', 'Order ' || g, 'from', jsonb_build_object('name', 'Long History', 'address', 'long.history@example.test'),
                   'to', jsonb_build_array(jsonb_build_object('name', null, 'address', 'support@example.test')), 'cc', '[]'::jsonb,
                   'visibleText', 'Item ' || g, 'hasHtml', false, 'thread', null, 'withheld', '[]'::jsonb, 'automated', null,
                   'bounce', null, 'problems', '[]'::jsonb, 'rejectedRecipients', '[]'::jsonb, 'automatic', false))
                 ELSE '{}'::jsonb END,
            $6::timestamptz - make_interval(secs => ($2 - g) / 3),
            CASE WHEN k IN ('note', 'event') THEN NULL ELSE 'seed-' || $1 || '-' || g END
       FROM conv, generate_series(1, $2) g,
            LATERAL (SELECT ($4::text[])[g % 4 + 1] AS ch) c,
            LATERAL (SELECT CASE WHEN g % 25 = 0 THEN 'event' WHEN g % 10 = 0 THEN 'note'
                                 WHEN ch = 'email' THEN 'email' WHEN ch = 'voice' THEN (CASE WHEN g % 3 = 0 THEN 'voicemail' ELSE 'call' END)
                                 ELSE 'text' END AS k) kk,
            LATERAL (SELECT CASE WHEN k IN ('note', 'event') THEN 'internal' WHEN g % 2 = 0 THEN 'outbound' ELSE 'inbound' END AS d) dd`,
    [customerId, opts.items, opts.authorAgentId, SEED_CHANNELS, perChannel, endAt],
  );
  return { customerId, conversations, items: opts.items };
}
