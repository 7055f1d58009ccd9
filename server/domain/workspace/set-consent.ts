// An agent records a customer's consent on a channel (they asked by phone not to be emailed, or to be
// emailed again). Opting out is allowed on every channel; opting back in on email and voice only: SMS
// consent comes back only with the customer's own START, as carriers require.
import type pg from "pg";
import type { Channel } from "../../../shared/domain.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import type { EventPublisher } from "../events.ts";
import { loadMessage } from "../queries.ts";

const NAMES: Record<Channel, string> = { sms: "SMS", voice: "calls", email: "email", chat: "chat" };

export async function setConsent(
  deps: { pool: pg.Pool; events: EventPublisher },
  actor: Actor,
  opts: { customerId: string; channel: Channel; status: "opted_in" | "opted_out" },
): Promise<{ channel: Channel; status: "opted_in" | "opted_out" }> {
  assertCan(actor, "customer.edit");
  if (opts.status === "opted_in" && opts.channel === "sms") {
    throw new AppError("VALIDATION", "SMS consent comes back only when the customer texts START", { field: "status" });
  }
  const eventId = await withTransaction(deps.pool, async (tx) => {
    const customer = await tx.query(`SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, [opts.customerId]);
    if (!customer.rowCount) throw new AppError("NOT_FOUND", "No such customer");
    const before = await tx.query<{ status: string }>(`SELECT status FROM consents WHERE customer_id = $1 AND channel = $2`, [opts.customerId, opts.channel]);
    if ((before.rows[0]?.status ?? "opted_in") === opts.status) return null;
    await tx.query(
      `INSERT INTO consents (customer_id, channel, status, source) VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer_id, channel) DO UPDATE SET status = EXCLUDED.status, source = EXCLUDED.source, updated_at = now()`,
      [opts.customerId, opts.channel, opts.status, `agent:${actor.id}`],
    );
    await recordAudit(tx, { actorId: actor.id, action: "consent.changed", entityType: "customer", entityId: opts.customerId, data: { channel: opts.channel, before: before.rows[0]?.status ?? null, after: opts.status } });
    // On the timeline, in the customer's latest conversation (on that channel if they have one).
    const text = opts.status === "opted_out"
      ? `${actor.name} recorded that the customer does not want ${NAMES[opts.channel]}: nothing is sent on it until they opt back in`
      : `${actor.name} recorded that the customer opted back in to ${NAMES[opts.channel]}`;
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
       SELECT cv.id, cv.customer_id, $2, 'internal', 'event', $3, 'received', $4, jsonb_build_object('consent', $5::text)
         FROM conversations cv WHERE cv.customer_id = $1 ORDER BY cv.channel = $2 DESC, cv.last_message_at DESC LIMIT 1
       RETURNING id`,
      [opts.customerId, opts.channel, text, actor.id, opts.status],
    );
    return rows[0]?.id ?? null;
  });
  const loaded = eventId ? await loadMessage(deps.pool, eventId) : null;
  if (loaded) await deps.events.publish({ type: "message.created", ...loaded });
  return { channel: opts.channel, status: opts.status };
}
