// Conversations in a chosen state, straight into the tables (for tests about who may act on them).
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { Channel } from "../../shared/domain.ts";
import { createCustomer } from "./factories.ts";

let phoneSeq = 0;
const uniquePhone = () => `+1646555${String(1000 + (phoneSeq++ % 9000)).padStart(4, "0")}`;

/** A customer with a phone, and a conversation on `channel` assigned to `assignedAgentId` (a call has its call message). */
export async function createConversation(
  pool: pg.Pool,
  opts: { channel?: Channel; assignedAgentId?: string | null; status?: string } = {},
): Promise<{ id: string; customerId: string; phone: string; callSid: string | null }> {
  const phone = uniquePhone();
  const channel = opts.channel ?? "sms";
  const customer = await createCustomer(pool, { phone, displayName: "Pat Customer" });
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO conversations (customer_id, channel, status, customer_address, assigned_agent_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [customer.id, channel, opts.status ?? (opts.assignedAgentId ? "assigned" : "queued"), phone, opts.assignedAgentId ?? null],
  );
  const id = rows[0]!.id;
  const callSid = channel === "voice" ? `CA${randomBytes(16).toString("hex")}` : null;
  await pool.query(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, external_id)
     VALUES ($1, $2, $3, 'inbound', $4, 'Hello', 'received', $5)`,
    [id, customer.id, channel, channel === "voice" ? "call" : "text", callSid ?? `SM${randomBytes(16).toString("hex")}`],
  );
  return { id, customerId: customer.id, phone, callSid };
}

/** A pending offer of a fresh conversation to the agent. */
export async function createOffer(pool: pg.Pool, agentId: string): Promise<{ id: string; conversationId: string }> {
  const c = await createConversation(pool, { status: "offered" });
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO offers (conversation_id, agent_id, channel, expires_at) VALUES ($1, $2, 'sms', now() + interval '5 minutes') RETURNING id`,
    [c.id, agentId],
  );
  return { id: rows[0]!.id, conversationId: c.id };
}
