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
import { consentEventText, recordConsentEvent, writeConsent } from "../privacy/consent-ledger.ts";

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
    // Calls opted out by an agent are the customer's "do not call"; the ledger names it so.
    const source = opts.channel === "voice" && opts.status === "opted_out" ? "do_not_call" : "agent";
    await writeConsent(tx, { customerId: opts.customerId, channel: opts.channel, status: opts.status, source, actorId: actor.id });
    await recordAudit(tx, { actorId: actor.id, action: "consent.changed", entityType: "customer", entityId: opts.customerId, data: { channel: opts.channel, before: before.rows[0]?.status ?? null, after: opts.status } });
    // On the timeline, in the customer's latest conversation (on that channel if they have one).
    return recordConsentEvent(tx, {
      customerId: opts.customerId, channel: opts.channel, status: opts.status, source, authorAgentId: actor.id,
      body: consentEventText({ channel: opts.channel, status: opts.status, source, agentName: actor.name }),
    });
  });
  const loaded = eventId ? await loadMessage(deps.pool, eventId) : null;
  if (loaded) await deps.events.publish({ type: "message.created", ...loaded });
  return { channel: opts.channel, status: opts.status };
}
