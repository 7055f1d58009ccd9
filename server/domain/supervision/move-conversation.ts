// A supervisor moves a conversation into another queue from the live board: it waits there (routed
// again), unassigned from whoever had it, its pending offer withdrawn. Waiting work keeps its waiting
// time, as any move does (server/domain/routing/move-to-queue.ts); a call on the line goes through the
// call's own transfer to a queue, so the caller hears the hold message.
import type { ConversationView } from "../../../shared/api.ts";
import { withTransaction } from "../../db/client.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { announceQueueMove, moveToQueueRows } from "../routing/move-to-queue.ts";
import { controlCall } from "../voice/call-controls.ts";
import type { SupervisionDeps } from "./assign-conversation.ts";
import { conversationName, supervisorNotices } from "./supervisor-notice.ts";
import { readSupervisedConversation, refuseIfChanged } from "./supervised-conversation.ts";

export async function superviseMove(
  deps: SupervisionDeps,
  actor: Actor,
  opts: { conversationId: string; queueId: string; fromAgentId?: string | null | undefined },
): Promise<ConversationView> {
  assertCan(actor, "conversations.supervise");
  const seen = await readSupervisedConversation(deps.pool, opts.conversationId);
  if (seen.channel === "voice" && seen.status === "assigned") return moveCallOnTheLine(deps, actor, { ...opts, before: seen });

  const moved = await withTransaction(deps.pool, async (tx) => {
    // Locked: the state checked is the state moved, so of two supervisors at once the second sees the first's move.
    const before = await readSupervisedConversation(tx, opts.conversationId, { lock: true });
    refuseIfChanged(before, opts.fromAgentId);
    const move = await moveToQueueRows(tx, actor, opts);
    await recordAudit(tx, {
      actorId: actor.id,
      action: "supervisor.move",
      entityType: "conversation",
      entityId: opts.conversationId,
      data: {
        before: { status: before.status, queueId: before.queueId, assignedAgentId: before.assignedAgentId },
        after: { status: "queued", queueId: opts.queueId, assignedAgentId: null },
        withdrawnOfferIds: move.withdrawn.map((o) => o.id),
      },
    });
    return move;
  });
  return announceQueueMove(deps, moved, (conversation) =>
    supervisorNotices(
      actor.id,
      [moved.before.assignedAgentId, ...moved.withdrawn.map((o) => o.agent_id)].map((agentId) => ({
        agentId, message: `${actor.name} moved ${conversationName(conversation)} to ${moved.toQueue.name}`, conversationId: opts.conversationId,
      })),
    ),
  );
}

/** The call's transfer to a queue happens at Twilio, which no transaction holds: audited once it was accepted. */
async function moveCallOnTheLine(
  deps: SupervisionDeps,
  actor: Actor,
  opts: { conversationId: string; queueId: string; fromAgentId?: string | null | undefined; before: Awaited<ReturnType<typeof readSupervisedConversation>> },
): Promise<ConversationView> {
  refuseIfChanged(opts.before, opts.fromAgentId);
  const conversation = await controlCall(deps, { conversationId: opts.conversationId, actor, action: "transfer_to_queue", queueId: opts.queueId });
  await withTransaction(deps.pool, (tx) =>
    recordAudit(tx, {
      actorId: actor.id,
      action: "supervisor.move",
      entityType: "conversation",
      entityId: opts.conversationId,
      data: {
        before: { status: opts.before.status, queueId: opts.before.queueId, assignedAgentId: opts.before.assignedAgentId },
        after: { status: conversation.status, queueId: opts.queueId, assignedAgentId: null },
        call: true,
      },
    }),
  );
  const lostIt = opts.before.assignedAgentId ? [opts.before.assignedAgentId] : [];
  await deps.events.publish(
    { type: "conversation.updated", conversation, alsoAgentIds: lostIt },
    ...supervisorNotices(actor.id, lostIt.map((agentId) => ({
      agentId, message: `${actor.name} moved ${conversationName(conversation)} to ${conversation.queue?.name ?? "another queue"}`, conversationId: opts.conversationId,
    }))),
  );
  return conversation;
}
