// Snoozing a conversation until a time: it leaves its agent's active list (and load) and stays theirs,
// listed as snoozed, until it wakes back into its queue (server/domain/snooze/wake-snoozed.ts). The
// assigned agent, or a supervisor or admin, may snooze it and wake it early (the role table's "snooze").
import type { ConversationView } from "../../../shared/api.ts";
import type { ConversationStatus } from "../../../shared/domain.ts";
import { SNOOZE_MAX_AHEAD_MS } from "../../../shared/follow-ups.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { recordAudit } from "../audit.ts";
import { authorizeOnConversation } from "../auth/conversation-access.ts";
import type { Actor } from "../auth/permissions.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { announceWake, wakeInTransaction } from "./wake-snoozed.ts";

export interface SnoozeDeps extends RoutingDeps {
  log?: Logger;
}

/** Only work someone handles can be snoozed (waiting work is the queue's; a resolved one is done). */
const SNOOZABLE: ConversationStatus[] = ["assigned", "pending_customer", "snoozed"];

/** "2026-12-02 09:00 UTC": the timeline's text is one for every reader, whatever their time zone. */
const utcText = (at: Date) => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

function checkedUntil(until: string, now = Date.now()): Date {
  const at = new Date(until);
  if (at.getTime() <= now) throw new AppError("VALIDATION", "until: must be in the future", { field: "until" });
  if (at.getTime() > now + SNOOZE_MAX_AHEAD_MS) throw new AppError("VALIDATION", "until: must be within 90 days", { field: "until" });
  return at;
}

export async function snoozeConversation(deps: SnoozeDeps, actor: Actor, opts: { conversationId: string; until: string }): Promise<ConversationView> {
  const until = checkedUntil(opts.until);
  const done = await withTransaction(deps.pool, async (tx) => {
    await authorizeOnConversation(tx, actor, opts.conversationId, { lock: true });
    const { rows } = await tx.query<{ status: ConversationStatus; channel: string; customer_id: string; assigned_agent_id: string | null; live_call: boolean }>(
      `SELECT cv.status, cv.channel, cv.customer_id, cv.assigned_agent_id,
              EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = cv.id AND m.kind = 'call'
                         AND COALESCE(m.metadata->>'callStatus', 'queued') IN ('queued', 'ringing', 'in-progress')) AS live_call
         FROM conversations cv WHERE cv.id = $1`,
      [opts.conversationId],
    );
    const c = rows[0]!;
    if (!SNOOZABLE.includes(c.status)) {
      throw new AppError("CONFLICT", c.status === "resolved" ? "This conversation is resolved: there is nothing to snooze" : "Nobody handles this conversation yet: accept it first");
    }
    if (c.live_call) throw new AppError("CONFLICT", "A call on the line cannot be snoozed");
    await tx.query(`UPDATE conversations SET status = 'snoozed', snoozed_until = $2, updated_at = now() WHERE id = $1`, [opts.conversationId, until]);
    const event = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
       VALUES ($1, $2, $3, 'internal', 'event', $4, 'received', $5, $6) RETURNING id`,
      [opts.conversationId, c.customer_id, c.channel, `${actor.name} snoozed the conversation until ${utcText(until)}`, actor.id,
       JSON.stringify({ event: "snoozed", until: until.toISOString() })],
    );
    await recordAudit(tx, {
      actorId: actor.id, action: "conversation_snoozed", entityType: "conversation", entityId: opts.conversationId,
      data: { until: until.toISOString(), fromStatus: c.status },
    });
    return { eventId: event.rows[0]!.id, agentId: c.assigned_agent_id, freed: c.status !== "snoozed" };
  });

  const [conversation, message] = await Promise.all([loadConversation(deps.pool, opts.conversationId), loadMessage(deps.pool, done.eventId)]);
  await deps.events.publish(
    ...(conversation ? [{ type: "conversation.updated" as const, conversation }] : []),
    ...(message ? [{ type: "message.created" as const, ...message }] : []),
  );
  try {
    await deps.queues.scheduleSnoozeEnd(opts.conversationId, until);
  } catch (err) {
    // Stored: the sweep makes its job (or wakes it, if its time passed) once Redis answers again.
    deps.log?.warn("snooze stored; its wake-up job waits for the sweep", { conversationId: opts.conversationId, err: (err as Error).message });
  }
  // Out of the agent's load: their room may pull waiting work.
  if (done.freed && done.agentId) await deps.queues.agentMayTakeWork(done.agentId);
  return conversation!;
}

/** Wakes it before its time: back in line in its queue, as when its time comes. */
export async function unsnoozeConversation(deps: SnoozeDeps, actor: Actor, opts: { conversationId: string }): Promise<ConversationView> {
  const woken = await withTransaction(deps.pool, async (tx) => {
    await authorizeOnConversation(tx, actor, opts.conversationId, { lock: true });
    const { rows } = await tx.query<{ status: ConversationStatus; snoozed_until: Date | null }>(
      `SELECT status, snoozed_until FROM conversations WHERE id = $1`,
      [opts.conversationId],
    );
    if (rows[0]!.status !== "snoozed") throw new AppError("CONFLICT", "This conversation is not snoozed");
    const w = await wakeInTransaction(tx, {
      conversationId: opts.conversationId, until: null, reason: "unsnoozed", actorId: actor.id, text: `${actor.name} ended the snooze`,
    });
    await recordAudit(tx, {
      actorId: actor.id, action: "conversation_unsnoozed", entityType: "conversation", entityId: opts.conversationId,
      data: { snoozedUntil: rows[0]!.snoozed_until?.toISOString() ?? null },
    });
    return w!;
  });
  await announceWake(deps, opts.conversationId, woken);
  await deps.queues.routeConversation(opts.conversationId, woken.priority);
  return (await loadConversation(deps.pool, opts.conversationId))!;
}
