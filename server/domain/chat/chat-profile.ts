// The pre-chat form: a name and an email or phone the visitor typed. Kept as a claim beside the chat;
// it never becomes an identity, so it cannot pull anyone's history to this visitor or merge records.
import type pg from "pg";
import type { ConversationResponse } from "../../../shared/api.ts";
import type { ChatProfileEvent } from "../../../shared/chat.ts";
import { toE164 } from "../../../shared/phone.ts";

export async function saveChatProfile(
  pool: pg.Pool,
  opts: { visitorId: string; defaultCountry: string } & { name: string; email?: string | undefined; phone?: string | undefined },
): Promise<void> {
  const phone = opts.phone ? (toE164(opts.phone, opts.defaultCountry) ?? opts.phone) : null;
  await pool.query(
    `INSERT INTO chat_profiles (visitor_id, name, email, phone) VALUES ($1, $2, $3, $4)
     ON CONFLICT (visitor_id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone, updated_at = now()`,
    [opts.visitorId, opts.name, opts.email ?? null, phone],
  );
}
export type { ChatProfileEvent };

/**
 * What the conversation's customer claimed without proof, and the other customers it matches:
 * the pre-chat form of a chat, or the address typed to leave a message (an email conversation whose
 * customer has no such identity).
 */
export async function claimsAndMatches(
  pool: pg.Pool,
  conversation: { channel: string; customerAddress: string; customerId: string },
): Promise<Pick<ConversationResponse, "claimed" | "suggestedMatches">> {
  let claimed: ConversationResponse["claimed"] = null;
  if (conversation.channel === "chat") {
    const { rows } = await pool.query<{ name: string | null; email: string | null; phone: string | null }>(
      `SELECT name, email, phone FROM chat_profiles WHERE visitor_id = $1`,
      [conversation.customerAddress],
    );
    claimed = rows[0] ?? null;
  } else if (conversation.channel === "email") {
    const own = await pool.query(`SELECT 1 FROM identities WHERE customer_id = $1 AND kind = 'email' AND value = $2`, [
      conversation.customerId,
      conversation.customerAddress,
    ]);
    if (!own.rowCount) claimed = { name: null, email: conversation.customerAddress, phone: null };
  }
  if (!claimed || (!claimed.email && !claimed.phone)) return { claimed, suggestedMatches: [] };
  const { rows } = await pool.query<{ id: string; display_name: string | null; tier: "standard" | "gold" | "platinum"; matched_on: string }>(
    `SELECT DISTINCT ON (c.id) c.id, c.display_name, c.tier, i.kind::text || ' ' || i.value AS matched_on
       FROM identities i JOIN customers c ON c.id = i.customer_id
      WHERE c.id <> $1 AND ((i.kind = 'email' AND i.value = $2) OR (i.kind = 'phone' AND i.value = $3))
      LIMIT 10`,
    [conversation.customerId, claimed.email, claimed.phone],
  );
  return {
    claimed,
    suggestedMatches: rows.map((r) => ({ id: r.id, displayName: r.display_name, tier: r.tier, matchedOn: r.matched_on })),
  };
}
