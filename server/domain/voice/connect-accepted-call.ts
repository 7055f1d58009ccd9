// An agent accepted a call: connect it, or put the caller back in line. A redirect that Twilio refuses
// or that never reaches Twilio must not leave the conversation assigned and the caller on hold forever.
import type pg from "pg";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import { connectCallToAgent } from "./softphone.ts";

type Deps = Parameters<typeof connectCallToAgent>[0] & { queues: WorkQueues; log?: Logger };

export async function connectAcceptedCall(deps: Deps, opts: { conversationId: string; agentId: string }): Promise<void> {
  try {
    await connectCallToAgent(deps, opts);
  } catch (err) {
    // "Do not call" is no fault to retry: the callback is closed instead of put back in line for everyone.
    if (err instanceof AppError && err.code === "CONSENT_REVOKED") {
      await closeUncallable(deps, opts);
      throw err;
    }
    const reason = err instanceof Error && err.message ? err.message : "the call could not be reached";
    deps.log?.warn("an accepted call could not be connected; the caller is back in line", { conversationId: opts.conversationId, err });
    await requeueUnconnectedCall(deps, { ...opts, reason });
    throw new AppError("PROVIDER_ERROR", `The call could not be connected to you (${reason}). The caller is back in line.`);
  }
}

/** A callback to a customer who asked not to be called: resolved, and the timeline says why. */
async function closeUncallable(deps: { pool: pg.Pool; events: EventPublisher }, opts: { conversationId: string; agentId: string }): Promise<void> {
  const eventId = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ customer_id: string }>(
      `UPDATE conversations SET status = 'resolved', resolved_at = now(), waiting_since = NULL, updated_at = now()
        WHERE id = $1 AND assigned_agent_id = $2 AND status = 'assigned' RETURNING customer_id`,
      [opts.conversationId, opts.agentId],
    );
    if (!rows[0]) return null;
    const ev = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, metadata)
       VALUES ($1, $2, 'voice', 'internal', 'event', 'Not called back: the customer asked not to be called', 'received', '{"event":"callback_refused"}') RETURNING id`,
      [opts.conversationId, rows[0].customer_id],
    );
    return ev.rows[0]!.id;
  });
  if (!eventId) return;
  const [message, conversation] = await Promise.all([loadMessage(deps.pool, eventId), loadConversation(deps.pool, opts.conversationId)]);
  await deps.events.publish(...(message ? [{ type: "message.created" as const, ...message }] : []), ...(conversation ? [{ type: "conversation.updated" as const, conversation }] : []));
}

/**
 * Undoes the accept: the caller waits again (first in line among equals: they keep their priority),
 * the agent's slot is free, the timeline says why, and the agent is told. The accepted offer counts as
 * declined, so the router tries someone else first.
 */
export async function requeueUnconnectedCall(
  deps: { pool: pg.Pool; events: EventPublisher; queues: WorkQueues },
  opts: { conversationId: string; agentId: string; reason: string },
): Promise<void> {
  const requeued = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ customer_id: string; priority: number; agent_name: string }>(
      `UPDATE conversations cv SET status = 'queued', assigned_agent_id = NULL, waiting_since = COALESCE(cv.waiting_since, cv.created_at), updated_at = now()
         FROM agents a
        WHERE cv.id = $1 AND cv.assigned_agent_id = $2 AND cv.status = 'assigned' AND a.id = $2
        RETURNING cv.customer_id, cv.priority, a.name AS agent_name`,
      [opts.conversationId, opts.agentId],
    );
    const c = rows[0];
    if (!c) return null;
    await tx.query(
      `UPDATE offers SET status = 'rejected', responded_at = now()
        WHERE id = (SELECT id FROM offers WHERE conversation_id = $1 AND agent_id = $2 AND status = 'accepted' ORDER BY responded_at DESC LIMIT 1)`,
      [opts.conversationId, opts.agentId],
    );
    const ev = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, metadata)
       VALUES ($1, $2, 'voice', 'internal', 'event', $3, 'received', $4) RETURNING id`,
      [
        opts.conversationId,
        c.customer_id,
        `The call could not be connected to ${c.agent_name} (${opts.reason}); the caller is back in line`,
        JSON.stringify({ event: "connect_failed", reason: opts.reason }),
      ],
    );
    return { ...c, eventId: ev.rows[0]!.id };
  });
  if (!requeued) return;
  const [message, conversation] = await Promise.all([loadMessage(deps.pool, requeued.eventId), loadConversation(deps.pool, opts.conversationId)]);
  await deps.events.publish(
    ...(message ? [{ type: "message.created" as const, ...message }] : []),
    ...(conversation ? [{ type: "conversation.updated" as const, conversation }] : []),
    {
      type: "agent.notice",
      agentId: opts.agentId,
      notice: {
        kind: "call_not_connected",
        message: `The call could not be connected to you (${opts.reason}). The caller is back in line.`,
        conversationId: opts.conversationId,
        at: new Date().toISOString(),
      },
    },
  );
  await deps.queues.routeConversation(opts.conversationId, requeued.priority);
  await deps.queues.agentMayTakeWork(opts.agentId);
}
