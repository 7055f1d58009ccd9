// What the agent does to a call in progress: hold and resume, transfer to another agent or back to
// the queue, hang up. Each acts on the customer's leg of the call through Twilio's REST API.
import type pg from "pg";
import type { ConversationView } from "../../../shared/api.ts";
import type { VoiceAdapter } from "../../../channels/voice/voice-adapter.ts";
import { ChannelSendError } from "../../../channels/channel.ts";
import { AppError } from "../../errors.ts";
import type { EventPublisher } from "../events.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import { agentDialTarget } from "./calls.ts";

export type CallAction = { action: "hold" } | { action: "resume" } | { action: "hangup" } | { action: "transfer"; toAgentId: string } | { action: "requeue" };

interface Deps {
  pool: pg.Pool;
  events: EventPublisher;
  queues: WorkQueues;
  voice: VoiceAdapter | null;
  holdMusicUrl: string;
}

const GREETING_REQUEUE = "Please hold while we find another agent for you.";

export async function controlCall(deps: Deps, opts: { conversationId: string; agentId: string } & CallAction): Promise<ConversationView> {
  if (!deps.voice) throw new AppError("CHANNEL_DISABLED", "The voice channel is not configured");
  const voice = deps.voice;
  const { rows } = await deps.pool.query<{ call_sid: string; assigned_agent_id: string | null; customer_id: string; priority: number }>(
    `SELECT m.external_id AS call_sid, cv.assigned_agent_id, cv.customer_id, cv.priority
       FROM conversations cv JOIN messages m ON m.conversation_id = cv.id AND m.kind = 'call'
      WHERE cv.id = $1 AND cv.channel = 'voice' ORDER BY m.created_at DESC LIMIT 1`,
    [opts.conversationId],
  );
  const c = rows[0];
  if (!c) throw new AppError("NOT_FOUND", "No call on this conversation");
  if (c.assigned_agent_id !== opts.agentId) throw new AppError("FORBIDDEN", "Only the agent on the call controls it");

  let text: string;
  try {
    switch (opts.action) {
      case "hold":
        await voice.redirectCall(c.call_sid, voice.holdMusicTwiml(deps.holdMusicUrl));
        text = "Call on hold";
        break;
      case "resume":
        await voice.redirectCall(c.call_sid, voice.dialAgentTwiml(await agentDialTarget(deps.pool, opts.agentId)));
        text = "Call resumed";
        break;
      case "hangup":
        await voice.hangUp(c.call_sid);
        text = "Agent hung up";
        break;
      case "transfer": {
        const target = await deps.pool.query<{ name: string }>(`SELECT name FROM agents WHERE id = $1`, [opts.toAgentId]);
        if (!target.rows[0]) throw new AppError("NOT_FOUND", "No such agent to transfer to");
        await voice.redirectCall(c.call_sid, voice.dialAgentTwiml(await agentDialTarget(deps.pool, opts.toAgentId)));
        await deps.pool.query(`UPDATE conversations SET assigned_agent_id = $2, updated_at = now() WHERE id = $1`, [opts.conversationId, opts.toAgentId]);
        text = `Call transferred to ${target.rows[0].name}`;
        break;
      }
      case "requeue":
        await voice.redirectCall(c.call_sid, voice.holdTwiml(GREETING_REQUEUE));
        await deps.pool.query(
          `UPDATE conversations SET status = 'queued', assigned_agent_id = NULL, waiting_since = now(), updated_at = now() WHERE id = $1`,
          [opts.conversationId],
        );
        text = "Call sent back to the queue";
        break;
    }
  } catch (err) {
    if (err instanceof ChannelSendError) throw new AppError("PROVIDER_ERROR", `Twilio refused: ${err.message}`);
    throw err;
  }
  const ev = await deps.pool.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
     VALUES ($1, $2, 'voice', 'internal', 'event', $3, 'received', $4, $5) RETURNING id`,
    [opts.conversationId, c.customer_id, text, opts.agentId, JSON.stringify({ event: `call_${opts.action}` })],
  );
  const [message, conversation] = await Promise.all([loadMessage(deps.pool, ev.rows[0]!.id), loadConversation(deps.pool, opts.conversationId)]);
  await deps.events.publish(
    ...(message ? [{ type: "message.created" as const, ...message }] : []),
    ...(conversation ? [{ type: "conversation.updated" as const, conversation }] : []),
  );
  if (opts.action === "requeue") {
    await deps.queues.routeConversation(opts.conversationId, c.priority);
    await deps.queues.agentMayTakeWork(opts.agentId);
  }
  return conversation!;
}
