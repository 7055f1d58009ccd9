// The automatic acknowledgement of a new email conversation, when its queue has one: stored as an
// outbound message in the transaction that opened the conversation (so it is sent once, and never lost),
// never to an address that opted out, and at most a few automatic mails a day to one address.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { prepareOutboundEmail } from "./outbound-email.ts";

export async function queueAcknowledgement(db: pg.PoolClient, opts: { conversationId: string; autoRepliesPerDay: number }): Promise<string | null> {
  const { rows } = await db.query<{ template: string | null; reference: string; subject: string | null; customer_id: string; name: string | null; opted_out: boolean; recent: number }>(
    `SELECT q.email_acknowledgement AS template, cv.reference, cv.subject, cv.customer_id, cu.display_name AS name,
            EXISTS (SELECT 1 FROM consents c WHERE c.customer_id = cv.customer_id AND c.channel = 'email' AND c.status = 'opted_out') AS opted_out,
            (SELECT count(*)::int FROM messages m
              WHERE m.customer_id = cv.customer_id AND m.channel = 'email' AND m.direction = 'outbound'
                AND m.created_at > now() - interval '1 day' AND (m.metadata->'email'->>'automatic')::boolean) AS recent
       FROM conversations cv JOIN customers cu ON cu.id = cv.customer_id LEFT JOIN queues q ON q.id = cv.queue_id
      WHERE cv.id = $1`,
    [opts.conversationId],
  );
  const c = rows[0];
  if (!c?.template || c.opted_out || c.recent >= opts.autoRepliesPerDay) return null;
  const reference = `SB-${c.reference}`;
  const body = fillTemplate(c.template, { reference, subject: c.subject ?? "", "customer.name": c.name ?? "" });
  const messageId = randomUUID();
  const prepared = await prepareOutboundEmail(db, { conversationId: opts.conversationId, messageId, body, automatic: true });
  prepared.metadata.email.subject = prepared.metadata.outgoing.subject = `[${reference}] ${prepared.metadata.email.subject}`;
  await db.query(
    `INSERT INTO messages (id, conversation_id, customer_id, channel, direction, kind, body, status, external_id, metadata)
     VALUES ($1, $2, $3, 'email', 'outbound', 'email', $4, 'queued', $5, $6)`,
    [messageId, opts.conversationId, c.customer_id, body, prepared.externalId, JSON.stringify(prepared.metadata)],
  );
  return messageId;
}

/** {{reference}}, {{subject}}, {{customer.name}}; anything else is left as written, so a typo shows. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (all, name: string) => values[name] ?? all);
}
