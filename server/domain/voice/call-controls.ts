// What the agent does to a call in progress: hold and resume, transfer to another agent (cold, or warm:
// consult, then hand over) or to a queue, hang up. A call in a conference is changed through its
// participants (conference-controls.ts); one without (a click-to-call) by redirecting the caller's leg.
// The assigned agent, or a supervisor or admin, may do it (server/domain/auth/permissions.ts).
import type pg from "pg";
import type { ConversationView } from "../../../shared/api.ts";
import type { VoiceAdapter } from "../../../channels/voice/voice-adapter.ts";
import { ChannelSendError } from "../../../channels/channel.ts";
import { AppError } from "../../errors.ts";
import { authorizeOnConversation } from "../auth/conversation-access.ts";
import type { Actor } from "../auth/permissions.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import type { PrismaClient } from "../../db/client.ts";
import { agentDialTarget } from "./calls.ts";
import { liveConference } from "./conference-calls.ts";
import { publishConsult } from "./consult-state.ts";
import { controlConference, type ConferenceAction } from "./conference-controls.ts";
import { reserveTransferTarget, undoTransfer } from "./transfer-target.ts";

export type CallAction =
  | { action: "hold" }
  | { action: "resume" }
  | { action: "hangup" }
  | { action: "transfer"; toAgentId: string }
  | { action: "transfer_to_queue"; queueId: string }
  | { action: "requeue" }
  | { action: "consult"; toAgentId: string }
  | { action: "complete_transfer" }
  | { action: "cancel_consult" };

const IN_CONFERENCE = new Set<CallAction["action"]>(["hold", "resume", "transfer", "consult", "complete_transfer", "cancel_consult"]);
/** Also taking the caller off hold ends a consultation the colleague left: the call bar stops showing it. */
const CHANGES_CONSULT = new Set<CallAction["action"]>(["consult", "complete_transfer", "cancel_consult", "resume"]);

interface Deps {
  pool: pg.Pool;
  prisma: PrismaClient;
  businessNumber: string | null;
  events: EventPublisher;
  queues: WorkQueues;
  voice: VoiceAdapter | null;
  holdMusicUrl: string;
}

const GREETING_REQUEUE = "Please hold while we find another agent for you.";

export async function controlCall(deps: Deps, opts: { conversationId: string; actor: Actor } & CallAction): Promise<ConversationView> {
  if (!deps.voice) throw new AppError("CHANNEL_DISABLED", "The voice channel is not configured");
  const voice = deps.voice;
  await authorizeOnConversation(deps.pool, opts.actor, opts.conversationId);
  const { rows } = await deps.pool.query<{ call_sid: string; assigned_agent_id: string | null; customer_id: string; priority: number }>(
    `SELECT m.external_id AS call_sid, cv.assigned_agent_id, cv.customer_id, cv.priority
       FROM conversations cv JOIN messages m ON m.conversation_id = cv.id AND m.kind = 'call'
      WHERE cv.id = $1 AND cv.channel = 'voice' ORDER BY m.created_at DESC LIMIT 1`,
    [opts.conversationId],
  );
  const c = rows[0];
  if (!c) throw new AppError("NOT_FOUND", "No call on this conversation");
  if (!c.assigned_agent_id) throw new AppError("CONFLICT", "Nobody is on this call");
  const onCall = c.assigned_agent_id;

  let text = "";
  let backInLine = false;
  let handedOver = false;
  let inConference = false;
  try {
    const conference = IN_CONFERENCE.has(opts.action) ? await liveConference({ prisma: deps.prisma, voice }, opts.conversationId) : null;
    if (conference) {
      inConference = true;
      const done = await controlConference({ ...deps, voice }, conference, { conversationId: opts.conversationId, onCall, ...(opts as ConferenceAction) });
      text = done.text;
      handedOver = done.handedOverTo !== null;
    } else switch (opts.action) {
      case "consult":
      case "complete_transfer":
      case "cancel_consult":
        throw new AppError("CONFLICT", "This call is not in a conference: transfer it instead");
      case "hold":
        await voice.redirectCall(c.call_sid, voice.holdMusicTwiml(deps.holdMusicUrl));
        text = "Call on hold";
        break;
      case "resume":
        await voice.redirectCall(c.call_sid, voice.dialAgentTwiml(await agentDialTarget(deps.pool, onCall)));
        text = "Call resumed";
        break;
      case "hangup":
        await voice.hangUp(c.call_sid);
        text = "Agent hung up";
        break;
      case "transfer": {
        // The target's free slot is taken under the routing lock before Twilio rings them, so a
        // transfer and the router cannot both fill it; a refused redirect gives the call back.
        const target = await reserveTransferTarget(deps.pool, { conversationId: opts.conversationId, fromAgentId: onCall, toAgentId: opts.toAgentId });
        try {
          await voice.redirectCall(c.call_sid, voice.dialAgentTwiml(await agentDialTarget(deps.pool, opts.toAgentId)));
        } catch (err) {
          await undoTransfer(deps.pool, { conversationId: opts.conversationId, fromAgentId: onCall, toAgentId: opts.toAgentId });
          throw err;
        }
        text = `Call transferred to ${target.name}`;
        break;
      }
      case "transfer_to_queue":
      case "requeue": {
        let queueName: string | null = null;
        if (opts.action === "transfer_to_queue") {
          const q = await deps.pool.query<{ name: string }>(`SELECT name FROM queues WHERE id = $1`, [opts.queueId]);
          if (!q.rows[0]) throw new AppError("NOT_FOUND", "No such queue to transfer to");
          queueName = q.rows[0].name;
        }
        await voice.redirectCall(c.call_sid, voice.holdTwiml(GREETING_REQUEUE));
        await deps.pool.query(
          `UPDATE conversations SET status = 'queued', assigned_agent_id = NULL, waiting_since = now(), updated_at = now(),
             queue_id = COALESCE($2, queue_id) WHERE id = $1`,
          [opts.conversationId, opts.action === "transfer_to_queue" ? opts.queueId : null],
        );
        text = queueName ? `Call transferred to the queue ${queueName}` : "Call sent back to the queue";
        backInLine = true;
        break;
      }
    }
  } catch (err) {
    if (err instanceof ChannelSendError) throw new AppError("PROVIDER_ERROR", `Twilio refused: ${err.message}`);
    throw err;
  }
  const ev = await deps.pool.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
     VALUES ($1, $2, 'voice', 'internal', 'event', $3, 'received', $4, $5) RETURNING id`,
    [opts.conversationId, c.customer_id, text, opts.actor.id, JSON.stringify({ event: `call_${opts.action}` })],
  );
  const [message, conversation] = await Promise.all([loadMessage(deps.pool, ev.rows[0]!.id), loadConversation(deps.pool, opts.conversationId)]);
  await deps.events.publish(
    ...(message ? [{ type: "message.created" as const, ...message }] : []),
    ...(conversation ? [{ type: "conversation.updated" as const, conversation }] : []),
  );
  if (inConference && CHANGES_CONSULT.has(opts.action)) await publishConsult(deps, opts.conversationId);
  if (backInLine) await deps.queues.routeConversation(opts.conversationId, c.priority);
  // The agent who had the call has a free slot again.
  if (backInLine || handedOver || opts.action === "transfer") await deps.queues.agentMayTakeWork(onCall);
  return conversation!;
}
