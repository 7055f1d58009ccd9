// A supervisor takes a conversation or hands it to another agent, from the live board. Work that waits
// leaves the queue (its pending offer withdrawn); work being handled changes hands; a call on the line
// goes through the call's own transfer (server/domain/voice/call-controls.ts), so the caller follows.
// Two supervisors acting at once: the update is conditional on the state that was read, so one wins
// and the other gets CONFLICT (and `fromAgentId` refuses a request made from a board that is out of date).
import type { ConversationView } from "../../../shared/api.ts";
import type { ConversationStatus } from "../../../shared/domain.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { DomainEvent } from "../events.ts";
import type { RoutingDeps } from "../routing/match.ts";
import { controlCall } from "../voice/call-controls.ts";
import { connectAcceptedCall } from "../voice/connect-accepted-call.ts";
import { conversationName, supervisorNotices } from "./supervisor-notice.ts";
import { readSupervisedConversation, refuseIfChanged, type SupervisedConversation } from "./supervised-conversation.ts";

export type SupervisionDeps = RoutingDeps &
  Parameters<typeof controlCall>[0] &
  Parameters<typeof connectAcceptedCall>[0] & { log?: Logger };

const WAITING: ConversationStatus[] = ["queued", "offered"];

/**
 * The acting supervisor becomes the assignee. Their capacity is not enforced (they chose to take the work;
 * the load triggers still count it), except for a call: a line holds one call, and they must be reachable.
 */
export async function takeConversation(
  deps: SupervisionDeps,
  actor: Actor,
  opts: { conversationId: string; fromAgentId?: string | null | undefined },
): Promise<ConversationView> {
  assertCan(actor, "conversations.supervise");
  return assign(deps, actor, { ...opts, toAgentId: actor.id, force: true, action: "take" });
}

/** To another active agent, within their capacity on the channel unless `force`. */
export async function reassignConversation(
  deps: SupervisionDeps,
  actor: Actor,
  opts: { conversationId: string; agentId: string; force?: boolean | undefined; fromAgentId?: string | null | undefined },
): Promise<ConversationView> {
  assertCan(actor, "conversations.supervise");
  return assign(deps, actor, { ...opts, toAgentId: opts.agentId, force: opts.force ?? false, action: "reassign" });
}

interface AssignOptions {
  conversationId: string;
  toAgentId: string;
  force: boolean;
  fromAgentId?: string | null | undefined;
  action: "take" | "reassign";
}

async function assign(deps: SupervisionDeps, actor: Actor, opts: AssignOptions): Promise<ConversationView> {
  const before = await readSupervisedConversation(deps.pool, opts.conversationId);
  refuseIfChanged(before, opts.fromAgentId);
  if (before.assignedAgentId === opts.toAgentId) {
    throw new AppError("CONFLICT", opts.action === "take" ? "You have this conversation already" : "This agent has the conversation already");
  }
  if (before.channel === "voice" && before.status === "assigned") return assignCallOnTheLine(deps, actor, opts, before);

  const done = await conflictOnDeadlock(() => withTransaction(deps.pool, async (tx) => {
    // The target's load row, locked (as a call transfer locks it) so the capacity read stays true until
    // commit: the router skips a locked load row rather than fill it meanwhile.
    const { rows } = await tx.query<{ name: string; deactivated: boolean; load: number; capacity: number; ready: boolean }>(
      `SELECT a.name, a.deactivated_at IS NOT NULL AS deactivated, l.assigned + l.offered AS load, l.capacity, l.ready
         FROM agents a JOIN agent_loads l ON l.agent_id = a.id AND l.channel = $2 WHERE a.id = $1 FOR UPDATE OF l`,
      [opts.toAgentId, before.channel],
    );
    const target = rows[0];
    if (!target) throw new AppError("NOT_FOUND", "No such agent");
    if (target.deactivated) {
      throw new AppError("AGENT_UNAVAILABLE", `${target.name} is deactivated`, { agentId: opts.toAgentId, name: target.name, reason: "deactivated" });
    }
    // A waiting caller is rung through at once: only to someone available with somewhere to ring (the
    // router's `ready`), and never past their lines (force cannot add a second call to a line).
    const isCall = before.channel === "voice";
    if (isCall && !target.ready) {
      throw new AppError("AGENT_UNAVAILABLE", `${target.name} cannot take a call now (not available, or no softphone or forward phone)`, {
        agentId: opts.toAgentId, name: target.name, reason: "not_available",
      });
    }
    // A pending offer of this very conversation to the target counts in their load but is withdrawn now.
    const load = target.load - (before.offeredAgentId === opts.toAgentId ? 1 : 0);
    if ((isCall || !opts.force) && load >= target.capacity) {
      throw new AppError("AGENT_UNAVAILABLE", `${target.name} has no free capacity for ${before.channel}`, {
        agentId: opts.toAgentId, name: target.name, load, capacity: target.capacity, reason: "no_free_capacity",
      });
    }
    const moved = await tx.query(
      `UPDATE conversations
          SET assigned_agent_id = $2, updated_at = now(),
              status = CASE WHEN status IN ('queued', 'offered') THEN 'assigned' ELSE status END,
              waiting_since = CASE WHEN status IN ('queued', 'offered') THEN NULL ELSE waiting_since END
        WHERE id = $1 AND status = $3 AND assigned_agent_id IS NOT DISTINCT FROM $4`,
      [opts.conversationId, opts.toAgentId, before.status, before.assignedAgentId],
    );
    if (!moved.rowCount) throw new AppError("CONFLICT", "The conversation changed meanwhile: look again");
    const withdrawn = await tx.query<{ id: string; agent_id: string }>(
      `UPDATE offers SET status = 'withdrawn', responded_at = now() WHERE conversation_id = $1 AND status = 'pending' RETURNING id, agent_id`,
      [opts.conversationId],
    );
    const text = opts.action === "take"
      ? `${actor.name} took the conversation${before.assignedAgentName ? ` from ${before.assignedAgentName}` : " from the queue"}`
      : `${actor.name} reassigned the conversation${before.assignedAgentName ? ` from ${before.assignedAgentName}` : ""} to ${target.name}`;
    const event = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
       VALUES ($1, $2, $3, 'internal', 'event', $4, 'received', $5, $6) RETURNING id`,
      [opts.conversationId, before.customerId, before.channel, text, actor.id, JSON.stringify({ event: `supervisor_${opts.action}`, toAgentId: opts.toAgentId })],
    );
    await recordAudit(tx, {
      actorId: actor.id,
      action: `supervisor.${opts.action}`,
      entityType: "conversation",
      entityId: opts.conversationId,
      data: {
        before: { status: before.status, assignedAgentId: before.assignedAgentId },
        after: { status: WAITING.includes(before.status) ? "assigned" : before.status, assignedAgentId: opts.toAgentId },
        withdrawnOfferIds: withdrawn.rows.map((o) => o.id),
        ...(opts.action === "reassign" ? { forced: opts.force, loadBefore: load, capacity: target.capacity } : {}),
      },
    });
    return { eventMessageId: event.rows[0]!.id, withdrawn: withdrawn.rows, targetName: target.name };
  }));

  const [conversation, message] = await Promise.all([loadConversation(deps.pool, opts.conversationId), loadMessage(deps.pool, done.eventMessageId)]);
  const lostIt = [before.assignedAgentId, ...done.withdrawn.map((o) => o.agent_id)].filter((id): id is string => !!id && id !== opts.toAgentId);
  const events: DomainEvent[] = done.withdrawn.map((o) => ({
    type: "offer.closed" as const, offerId: o.id, agentId: o.agent_id, conversationId: opts.conversationId, status: "withdrawn" as const,
  }));
  if (conversation) events.push({ type: "conversation.updated", conversation, alsoAgentIds: lostIt });
  if (message) events.push({ type: "message.created", ...message });
  const hadIt = before.assignedAgentId && before.assignedAgentId !== opts.toAgentId ? [before.assignedAgentId] : [];
  const offeredIt = done.withdrawn.map((o) => o.agent_id).filter((id) => id !== opts.toAgentId);
  events.push(...assignNotices(actor, opts, conversation, { hadIt, offeredIt }, done.targetName));
  await deps.events.publish(...events);
  for (const agentId of new Set(lostIt)) await deps.queues.agentMayTakeWork(agentId);
  // A caller still waiting at Twilio is rung through to the new assignee now, as an accepted offer is
  // (if that fails the caller is put back in line and the error says so).
  if (before.channel === "voice" && WAITING.includes(before.status)) await connectAcceptedCall(deps, { conversationId: opts.conversationId, agentId: opts.toAgentId });
  return conversation!;
}

/**
 * The target's load row is locked before the conversation, but an offer of it answered at that instant
 * locks them the other way round; PostgreSQL then ends one of the two, which lost the race.
 */
async function conflictOnDeadlock<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if ((err as { code?: string }).code === "40P01") throw new AppError("CONFLICT", "The conversation changed meanwhile: look again");
    throw err;
  }
}

/**
 * A call in progress moves with the call controls' transfer: the target must be available with a free
 * line (force cannot add a second call to a line), and Twilio rings them. The change happens at Twilio,
 * which no database transaction can hold, so its audit row is written once the transfer was accepted.
 */
async function assignCallOnTheLine(deps: SupervisionDeps, actor: Actor, opts: AssignOptions, before: SupervisedConversation): Promise<ConversationView> {
  const conversation = await controlCall(deps, { conversationId: opts.conversationId, actor, action: "transfer", toAgentId: opts.toAgentId });
  await withTransaction(deps.pool, (tx) =>
    recordAudit(tx, {
      actorId: actor.id,
      action: `supervisor.${opts.action}`,
      entityType: "conversation",
      entityId: opts.conversationId,
      data: { before: { status: before.status, assignedAgentId: before.assignedAgentId }, after: { status: conversation.status, assignedAgentId: conversation.assignedAgentId }, call: true },
    }),
  );
  const lostIt = before.assignedAgentId ? [before.assignedAgentId] : [];
  const targetName = (await deps.pool.query<{ name: string }>(`SELECT name FROM agents WHERE id = $1`, [opts.toAgentId])).rows[0]?.name ?? "another agent";
  await deps.events.publish(
    { type: "conversation.updated", conversation, alsoAgentIds: lostIt },
    ...assignNotices(actor, opts, conversation, { hadIt: lostIt, offeredIt: [] }, targetName),
  );
  return conversation;
}

function assignNotices(
  actor: Actor,
  opts: AssignOptions,
  conversation: ConversationView | null,
  lost: { hadIt: string[]; offeredIt: string[] },
  targetName: string,
): DomainEvent[] {
  const what = conversationName(conversation);
  const verb = opts.action === "take" ? "took" : "reassigned";
  const to = opts.action === "take" ? "" : ` to ${targetName}`;
  return supervisorNotices(actor.id, [
    ...lost.hadIt.map((agentId) => ({ agentId, message: `${actor.name} ${verb} ${what} from you${to}`, conversationId: opts.conversationId })),
    ...lost.offeredIt.map((agentId) => ({ agentId, message: `${actor.name} ${verb} ${what} offered to you${to}`, conversationId: opts.conversationId })),
    ...(opts.action === "reassign" ? [{ agentId: opts.toAgentId, message: `${actor.name} assigned ${what} to you`, conversationId: opts.conversationId }] : []),
  ]);
}
