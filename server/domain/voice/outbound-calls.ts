// Calls Switchboard places: a callback the caller asked for (when an agent takes it), and an agent's
// click-to-call from a customer's profile. Either rings the customer and connects the agent's softphone.
import type pg from "pg";
import type { ConversationView } from "../../../shared/api.ts";
import { ChannelSendError } from "../../../channels/channel.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { AgentDialTarget } from "../../../channels/voice/voice-adapter.ts";
import { agentDialTarget } from "./calls.ts";

export interface CallPlacer {
  callCustomer(opts: { to: string; from: string; agent: AgentDialTarget }): Promise<string>;
}

interface Deps {
  pool: pg.Pool;
  events: EventPublisher;
  voice: CallPlacer | null;
  businessNumber: string | null;
}

/** The caller pressed 1 while waiting: their conversation stays in line as callback work. Idempotent. */
export async function requestCallback(deps: { pool: pg.Pool; events: EventPublisher }, callSid: string): Promise<void> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, external_id, status, metadata)
     SELECT m.conversation_id, m.customer_id, 'voice', 'internal', 'event', 'Caller asked to be called back', $1 || ':callback', 'received',
            '{"event":"callback_requested"}'
       FROM messages m WHERE m.channel = 'voice' AND m.external_id = $1
     ON CONFLICT (channel, external_id) DO NOTHING RETURNING id`,
    [callSid],
  );
  const loaded = rows[0] ? await loadMessage(deps.pool, rows[0].id) : null;
  if (loaded) await deps.events.publish({ type: "message.created", ...loaded });
}

export async function wantsCallback(pool: pg.Pool, conversationId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `SELECT 1 FROM messages WHERE conversation_id = $1 AND kind = 'event' AND metadata->>'event' = 'callback_requested'`,
    [conversationId],
  );
  return (rowCount ?? 0) > 0;
}

/** Rings the customer, connects the agent, and puts the outbound call on the conversation's timeline. */
export async function placeCall(deps: Deps, opts: { conversationId: string; agentId: string }): Promise<void> {
  if (!deps.voice || !deps.businessNumber) throw new AppError("CHANNEL_DISABLED", "The voice channel is not configured");
  const c = await loadConversation(deps.pool, opts.conversationId);
  if (!c) throw new AppError("NOT_FOUND", "No such conversation");
  // Every call we place (a callback the caller asked for too) honours "do not call" as it is now.
  if (await optedOutOfCalls(deps.pool, c.customer.id)) throw doNotCall();
  let callSid: string;
  try {
    callSid = await deps.voice.callCustomer({ to: c.customerAddress, from: c.businessAddress ?? deps.businessNumber, agent: await agentDialTarget(deps.pool, opts.agentId) });
  } catch (err) {
    if (err instanceof ChannelSendError) throw new AppError("PROVIDER_ERROR", `The call could not be placed: ${err.message}`);
    throw err;
  }
  const { rows } = await deps.pool.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, external_id, status, author_agent_id, metadata)
     VALUES ($1, $2, 'voice', 'outbound', 'call', 'Outgoing call', $3, 'sent', $4, '{"callStatus":"queued"}') RETURNING id`,
    [opts.conversationId, c.customer.id, callSid, opts.agentId],
  );
  const loaded = await loadMessage(deps.pool, rows[0]!.id);
  if (loaded) await deps.events.publish({ type: "message.created", ...loaded });
}

/** Click-to-call from a customer's profile: refused for a customer who asked not to be called. */
export async function clickToCall(deps: Deps, opts: { customerId: string; agentId: string }): Promise<ConversationView> {
  const conversationId = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ phone: string | null; consent: string | null }>(
      `SELECT (SELECT value FROM identities WHERE customer_id = c.id AND kind = 'phone' ORDER BY verified DESC, created_at LIMIT 1) AS phone,
              (SELECT status FROM consents WHERE customer_id = c.id AND channel = 'voice') AS consent
         FROM customers c WHERE c.id = $1`,
      [opts.customerId],
    );
    const customer = rows[0];
    if (!customer) throw new AppError("NOT_FOUND", "No such customer");
    if (customer.consent === "opted_out") throw doNotCall();
    if (!customer.phone) throw new AppError("VALIDATION", "This customer has no phone number");
    const created = await tx.query<{ id: string }>(
      `INSERT INTO conversations (customer_id, channel, status, assigned_agent_id, customer_address, business_address, queue_id)
       VALUES ($1, 'voice', 'assigned', $2, $3, $4, entry_queue_id('voice', $4)) RETURNING id`,
      [opts.customerId, opts.agentId, customer.phone, deps.businessNumber],
    );
    return created.rows[0]!.id;
  });
  await placeCall(deps, { conversationId, agentId: opts.agentId });
  const conversation = (await loadConversation(deps.pool, conversationId))!;
  await deps.events.publish({ type: "conversation.updated", conversation });
  return conversation;
}

const doNotCall = () => new AppError("CONSENT_REVOKED", "This customer asked not to be called. Nothing was dialled.");

async function optedOutOfCalls(pool: pg.Pool, customerId: string): Promise<boolean> {
  const { rowCount } = await pool.query(`SELECT 1 FROM consents WHERE customer_id = $1 AND channel = 'voice' AND status = 'opted_out'`, [customerId]);
  return (rowCount ?? 0) > 0;
}
