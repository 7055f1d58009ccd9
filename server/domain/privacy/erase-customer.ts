// Erasing a customer (an admin, for a right-to-erasure request), in one transaction: their name and
// identities go (a later message from the same address starts a new customer), every message keeps its
// channel, direction, kind, status and times for reports but loses its body (but for our own consent
// events: "Opted out of SMS (replied STOP)"), files and personal metadata;
// email content, attachments (their bytes are rows here), chat profiles, note and reminder text go;
// conversations keep channel, times, status, queue and agent but lose subject and address; outbound
// messages still queued are cancelled; the consent ledger stays without its evidence. After commit, the
// Redis event stream loses the entries that carried the customer. A second erase is a 409.
import type pg from "pg";
import type { Redis } from "ioredis";
import type { EraseCustomerBody, EraseCustomerResult } from "../../../shared/privacy.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { redactJson, redactOtherTables } from "./redact.ts";
import type { EventPublisher } from "../events.ts";
import { announceErasure } from "./announce-erasure.ts";
import { scrubRedis } from "./scrub-redis.ts";

export interface EraseDeps {
  pool: pg.Pool;
  redis: Redis;
  redisPrefix: string;
  log: Logger;
  events: EventPublisher;
}

/** Tables erase-customer handles by name; every other table with a customer column is blanked generically. */
const HANDLED = new Set(["customers", "identities", "consents", "consent_changes", "conversations", "messages", "attachments"]);

/** Message metadata that says what happened, not who or what was said (kept for reports and the timeline). */
const KEPT_METADATA_KEYS = ["event", "consent", "status", "channel", "source", "callStatus", "durationSeconds", "recordingSeconds", "waitedSeconds", "disposition"];

const FILE_LINK = /\/files\/([0-9a-f-]{36})\//g;

export async function eraseCustomer(deps: EraseDeps, actor: Actor, customerId: string, body: EraseCustomerBody): Promise<EraseCustomerResult> {
  assertCan(actor, "customers.erase");
  const outcome = await withTransaction(deps.pool, async (tx) => {
    const found = await tx.query<{ erased_at: Date | null }>(`SELECT erased_at FROM customers WHERE id = $1 FOR UPDATE`, [customerId]);
    if (!found.rows[0]) throw new AppError("NOT_FOUND", "No such customer");
    if (found.rows[0].erased_at) throw new AppError("CONFLICT", "This customer was erased already", { erasedAt: found.rows[0].erased_at.toISOString() });
    // The records merged into this one are the same person.
    const merged = await tx.query<{ id: string }>(
      `WITH RECURSIVE m(id) AS (SELECT $1::uuid UNION SELECT c.id FROM customers c JOIN m ON c.merged_into_id = m.id) SELECT id FROM m`,
      [customerId],
    );
    const ids = merged.rows.map((r) => r.id);
    const identities = await tx.query<{ kind: string; value: string }>(`SELECT kind, value FROM identities WHERE customer_id = ANY($1::uuid[])`, [ids]);
    // Ingest serialises each sender under these locks: nothing from them lands half-way through.
    for (const i of identities.rows) {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`${i.kind}:${i.value}`]);
      if (i.kind === "email") await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`email:${i.value}`]);
    }
    const personal = await tx.query<{ s: string }>(
      `SELECT DISTINCT s FROM (
         SELECT display_name AS s FROM customers WHERE id = ANY($1::uuid[])
         UNION ALL SELECT value FROM identities WHERE customer_id = ANY($1::uuid[])
         UNION ALL SELECT customer_address FROM conversations WHERE customer_id = ANY($1::uuid[])
         UNION ALL SELECT subject FROM conversations WHERE customer_id = ANY($1::uuid[])
       ) x WHERE s IS NOT NULL AND length(s) >= 3`,
      [ids],
    );
    const needles = personal.rows.map((r) => r.s.toLowerCase());
    const visitorIds = identities.rows.filter((i) => i.kind === "chat_visitor").map((i) => i.value);

    // Never sent after this: queued outbound messages end failed, before their content goes.
    const cancelled = await tx.query(
      `UPDATE messages SET status = 'failed', error_code = 'CUSTOMER_ERASED', error_message = 'Not sent: the customer was erased',
              send_lease_until = NULL, updated_at = now()
        WHERE customer_id = ANY($1::uuid[]) AND direction = 'outbound' AND status = 'queued'`,
      [ids],
    );
    // Files: those attached to the customer's messages, named by their links, or uploaded by their chat visitors.
    const media = await tx.query<{ media: string }>(`SELECT media::text AS media FROM messages WHERE customer_id = ANY($1::uuid[]) AND media <> '[]'::jsonb`, [ids]);
    const linked = media.rows.flatMap((r) => [...r.media.matchAll(FILE_LINK)].map((m) => m[1]!));
    await tx.query(
      `DELETE FROM attachments WHERE customer_id = ANY($1::uuid[]) OR id = ANY($2::uuid[]) OR uploaded_by_visitor = ANY($3::text[])
          OR message_id IN (SELECT id FROM messages WHERE customer_id = ANY($1::uuid[]))`,
      [ids, linked, visitorIds],
    );
    await tx.query(`DELETE FROM email_contents WHERE message_id IN (SELECT id FROM messages WHERE customer_id = ANY($1::uuid[]))`, [ids]);
    const messages = await tx.query(
      `UPDATE messages SET body = CASE WHEN kind = 'event' AND metadata->>'event' = 'consent_changed' THEN body ELSE '' END,
              media = '[]'::jsonb, error_message = NULL,
              metadata = COALESCE((SELECT jsonb_object_agg(k, v) FROM jsonb_each(metadata) AS e(k, v) WHERE k = ANY($2::text[])), '{}'::jsonb),
              updated_at = now(), change_seq = nextval('message_change_seq')
        WHERE customer_id = ANY($1::uuid[])`,
      [ids, KEPT_METADATA_KEYS],
    );
    // Nothing is left to answer: open work is closed (its counts stay), offers withdrawn, timers cleared.
    await tx.query(`UPDATE offers SET status = 'withdrawn', responded_at = now() WHERE status = 'pending' AND conversation_id IN (SELECT id FROM conversations WHERE customer_id = ANY($1::uuid[]))`, [ids]);
    const conversations = await tx.query(
      `UPDATE conversations SET subject = NULL, customer_address = '', reply_token = NULL, updated_at = now(),
              status = CASE WHEN status = 'resolved' THEN status ELSE 'resolved'::"ConversationStatus" END,
              resolved_at = COALESCE(resolved_at, now()), waiting_since = NULL
        WHERE customer_id = ANY($1::uuid[])`,
      [ids],
    );
    // Follow-ups about someone who is gone: done, so none fires (their notes are blanked below with the rest).
    await tx.query(`UPDATE reminders SET done_at = now() WHERE customer_id = ANY($1::uuid[]) AND done_at IS NULL`, [ids]);
    await tx.query(`UPDATE consents SET evidence = NULL WHERE customer_id = ANY($1::uuid[])`, [ids]);
    await tx.query(`UPDATE consent_changes SET evidence = NULL WHERE customer_id = ANY($1::uuid[])`, [ids]);
    await tx.query(
      `DELETE FROM chat_profiles WHERE visitor_id = ANY($1::text[]) OR lower(email) = ANY($2::text[]) OR phone = ANY($2::text[])`,
      [visitorIds, identities.rows.filter((i) => i.kind !== "chat_visitor").map((i) => i.value.toLowerCase())],
    );
    await tx.query(`DELETE FROM identities WHERE customer_id = ANY($1::uuid[])`, [ids]);
    const others = await redactOtherTables(tx, ids, HANDLED);
    await redactAuditData(tx, ids, needles);
    const erasedAt = new Date();
    await tx.query(`UPDATE customers SET display_name = NULL, tags = '{}', erased_at = $2, erased_by = $3, updated_at = now() WHERE id = ANY($1::uuid[])`, [ids, erasedAt, actor.id]);
    const result: EraseCustomerResult = {
      customerId,
      erasedAt: erasedAt.toISOString(),
      kept: { conversations: conversations.rowCount ?? 0, messages: messages.rowCount ?? 0 },
      cancelledOutbound: cancelled.rowCount ?? 0,
    };
    // Counts and column names only: the audit row of an erasure holds nothing personal.
    await recordAudit(tx, {
      actorId: actor.id, action: "customer.erased", entityType: "customer", entityId: customerId,
      data: { reason: body.reason, customers: ids.length, ...result.kept, cancelledOutbound: result.cancelledOutbound, redactedColumns: others.redacted, keptColumns: others.kept },
    });
    return { result, scrub: { ids, visitorIds, needles: identities.rows.map((i) => i.value) } };
  });
  // Redis carries work and live events, not records: a failure here leaves stream entries that age out.
  await scrubRedis(deps, outcome.scrub).catch((err) => deps.log.warn("customer erased; the event stream could not be scrubbed", { customerId, err: (err as Error).message }));
  // Then (so the scrub keeps them) the erased rows replace what open workspaces show; clients also catch up by cursor.
  await announceErasure(deps, outcome.scrub.ids).catch((err) => deps.log.warn("customer erased but not announced", { customerId, err: (err as Error).message }));
  return outcome.result;
}

/** Audit rows about the customer keep who did what and when; their data loses names, addresses and texts. */
async function redactAuditData(tx: pg.PoolClient, ids: string[], needles: string[]): Promise<void> {
  const { rows } = await tx.query<{ id: string; data: unknown }>(
    `SELECT id, data FROM audit_events
      WHERE entity_id = ANY($1::text[])
         OR entity_id IN (SELECT id::text FROM conversations WHERE customer_id = ANY($2::uuid[]))
         OR entity_id IN (SELECT id::text FROM messages WHERE customer_id = ANY($2::uuid[]))
         OR entity_id IN (SELECT id::text FROM notes WHERE customer_id = ANY($2::uuid[]))
         OR entity_id IN (SELECT id::text FROM reminders WHERE customer_id = ANY($2::uuid[]))`,
    [ids, ids],
  );
  for (const r of rows) {
    const redacted = redactJson(r.data, needles);
    if (JSON.stringify(redacted) !== JSON.stringify(r.data)) await tx.query(`UPDATE audit_events SET data = $2 WHERE id = $1`, [r.id, JSON.stringify(redacted)]);
  }
}
