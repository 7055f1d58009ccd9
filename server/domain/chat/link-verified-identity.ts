// A site whose visitors are signed in vouches for them: it passes the user's email or phone and an
// HMAC of it made with the widget's secret. A verified identity links the chat visitor to the
// customer who owns it, so the agent sees that customer's SMS and other history beside the chat.
import { createHmac, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import { toE164 } from "../../../shared/phone.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";

export interface ClaimedIdentity {
  kind: "email" | "phone";
  value: string;
  /** Hex HMAC-SHA256 of `value`, exactly as passed, keyed with the widget's identity secret. */
  hmac: string;
}

export function identityHmac(secret: string, value: string): string {
  return createHmac("sha256", secret).update(value).digest("hex");
}

/** The normalised identity value when the HMAC is right; throws a clear error otherwise. */
export function verifyClaimedIdentity(secret: string, claim: ClaimedIdentity, defaultCountry: string): string {
  const expected = Buffer.from(identityHmac(secret, claim.value));
  const given = Buffer.from(claim.hmac.toLowerCase());
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new AppError("FORBIDDEN", "The identity's HMAC does not match: sign the exact value with the widget's identity secret");
  }
  const value = claim.kind === "email" ? claim.value.trim().toLowerCase() : toE164(claim.value, defaultCountry);
  if (!value) throw new AppError("VALIDATION", `"${claim.value}" is not a valid phone number`);
  return value;
}

/**
 * Points the visitor at the customer who owns the verified identity (creating that customer if new).
 * If the visitor had chatted anonymously before, that anonymous customer's chats move over and the
 * move is recorded in the audit log.
 */
export class VisitorBelongsToSomeoneElse extends Error {}

export async function linkVisitorToIdentity(
  pool: pg.Pool,
  opts: { visitorId: string; kind: "email" | "phone"; value: string; widgetKey: string },
): Promise<string> {
  return withTransaction(pool, async (tx) => {
    // The same lock ingest takes for this visitor: no message of theirs lands half-way through.
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`chat_visitor:${opts.visitorId}`]);
    const owner = await tx.query<{ customer_id: string }>(`SELECT customer_id FROM identities WHERE kind = $1 AND value = $2`, [opts.kind, opts.value]);
    let customerId = owner.rows[0]?.customer_id;
    if (!customerId) {
      const created = await tx.query<{ id: string }>(`INSERT INTO customers DEFAULT VALUES RETURNING id`);
      customerId = created.rows[0]!.id;
      await tx.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, $2, $3, true, $4)`, [
        customerId,
        opts.kind,
        opts.value,
        `chat:verified:${opts.widgetKey}`,
      ]);
    }
    const visitor = await tx.query<{ customer_id: string }>(`SELECT customer_id FROM identities WHERE kind = 'chat_visitor' AND value = $1`, [opts.visitorId]);
    const previous = visitor.rows[0]?.customer_id;
    if (previous === customerId) return customerId;
    if (previous) {
      // A browser shared by two signed-in people: this visitor is already someone else's, verified.
      const verified = await tx.query(`SELECT 1 FROM identities WHERE customer_id = $1 AND verified AND kind IN ('email', 'phone')`, [previous]);
      if (verified.rowCount) throw new VisitorBelongsToSomeoneElse();
    }
    if (!previous) {
      await tx.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'chat_visitor', $2, true, $3)`, [
        customerId,
        opts.visitorId,
        `chat:${opts.widgetKey}`,
      ]);
      return customerId;
    }
    // Only this visitor's own chats move: the anonymous customer may have nothing else, but if it
    // does (another identity), that stays where it is.
    await tx.query(`UPDATE identities SET customer_id = $1 WHERE kind = 'chat_visitor' AND value = $2`, [customerId, opts.visitorId]);
    const moved = await tx.query<{ id: string }>(
      `UPDATE conversations SET customer_id = $1 WHERE channel = 'chat' AND customer_address = $2 AND customer_id = $3 RETURNING id`,
      [customerId, opts.visitorId, previous],
    );
    const ids = moved.rows.map((r) => r.id);
    await tx.query(`UPDATE messages SET customer_id = $1, change_seq = nextval('message_change_seq') WHERE conversation_id = ANY($2)`, [customerId, ids]);
    await tx.query(
      `INSERT INTO audit_events (action, entity_type, entity_id, data) VALUES ('chat_visitor_linked', 'customer', $1, $2)`,
      [customerId, JSON.stringify({ visitorId: opts.visitorId, fromCustomerId: previous, conversationIds: ids, by: `verified ${opts.kind}` })],
    );
    return customerId;
  });
}
