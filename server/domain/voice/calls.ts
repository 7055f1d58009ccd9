// Calls: a caller is one more inbound item on their customer's timeline and one more conversation in
// the routed queue. The call's progress (ringing, answered, completed, duration) lives on its call
// message and only moves forward; a caller who hangs up while waiting is recorded as abandoned.
import type pg from "pg";
import type { ChatWait } from "../../../shared/chat.ts";
import type { AgentDialTarget } from "../../../channels/voice/voice-adapter.ts";
import { withTransaction } from "../../db/client.ts";
import { positionInLine, queueAvailability, type AfterMaxWait } from "../chat/availability.ts";
import type { DomainEvent, EventPublisher } from "../events.ts";
import { ingestInbound, type IngestDeps } from "../ingest/ingest-inbound.ts";
import { loadConversation, loadMessage } from "../queries.ts";
import type { WorkQueues } from "../work-queues.ts";
import { startWrapUp } from "./wrap-up.ts";
import { AGENT_COLUMNS, agentView, type AgentRow } from "../views.ts";

export type CallStatus = "queued" | "ringing" | "in-progress" | "completed" | "busy" | "failed" | "no-answer" | "canceled";

const STATUS_RANK_SQL = (s: string) =>
  `(CASE ${s} WHEN 'queued' THEN 0 WHEN 'ringing' THEN 1 WHEN 'in-progress' THEN 2 ELSE 3 END)`;
const ENDED: CallStatus[] = ["completed", "busy", "failed", "no-answer", "canceled"];

/** A new call: stored (once, however often Twilio retries) and queued; tells whether agents work now. */
export async function receiveCall(
  deps: IngestDeps,
  call: { callSid: string; from: string; to: string },
): Promise<{ conversationId: string; open: boolean }> {
  const result = await ingestInbound(deps, {
    channel: "voice",
    kind: "call",
    externalId: call.callSid,
    from: { kind: "phone", value: call.from, verified: true },
    to: call.to,
    body: "Incoming call",
    metadata: { callStatus: "queued" },
  });
  // The queue the number leads to (or the caller's open conversation is in) decides the hours.
  const availability = await queueAvailability(deps.pool, { conversationId: result.conversationId });
  return { conversationId: result.conversationId, open: availability.open };
}

/** Where a waiting caller is in line (for the hold message), and what their queue offers after its longest wait. */
export async function callerPosition(
  pool: pg.Pool,
  callSid: string,
): Promise<ChatWait & { maxWaitSeconds: number | null; afterMaxWait: AfterMaxWait }> {
  const { rows } = await pool.query<{ conversation_id: string }>(
    `SELECT conversation_id FROM messages WHERE channel = 'voice' AND external_id = $1`,
    [callSid],
  );
  if (!rows[0]) return { position: null, estimateSeconds: null, maxWaitSeconds: null, afterMaxWait: "voicemail" };
  const [wait, queue] = await Promise.all([positionInLine(pool, rows[0].conversation_id), queueAvailability(pool, { conversationId: rows[0].conversation_id })]);
  return { ...wait, maxWaitSeconds: queue.queueId ? queue.maxWaitSeconds : null, afterMaxWait: queue.afterMaxWait };
}

/**
 * A call status callback. Applies only if it moves the call forward (callbacks come late, twice and
 * out of order). When the call ends while still waiting, the caller abandoned: the conversation is
 * closed with their wait time; when it ends after an agent took it, the duration is recorded.
 */
export async function recordCallStatus(
  deps: { pool: pg.Pool; events: EventPublisher; queues: WorkQueues; wrapUpMs: number },
  update: { callSid: string; status: CallStatus; durationSeconds: number | null },
): Promise<boolean> {
  // Offers of a call whose caller hung up while it rang an agent: closed, so it stops ringing there.
  const withdrawn: { id: string; agent_id: string }[] = [];
  const outcome = await withTransaction(deps.pool, async (tx) => {
    withdrawn.length = 0;
    const { rows } = await tx.query<{ id: string; conversation_id: string; customer_id: string; status: string; waited: number; agent_id: string | null }>(
      `UPDATE messages m SET
          metadata = m.metadata || jsonb_build_object('callStatus', $2::text) ||
                     CASE WHEN $3::int IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('durationSeconds', $3::int) END,
          updated_at = now(), change_seq = nextval('message_change_seq')
         FROM conversations cv
        WHERE m.channel = 'voice' AND m.external_id = $1 AND m.kind = 'call' AND cv.id = m.conversation_id
          AND ${STATUS_RANK_SQL("COALESCE(m.metadata->>'callStatus', 'queued')")} < ${STATUS_RANK_SQL("$2::text")}
        RETURNING m.id, m.conversation_id, m.customer_id, cv.assigned_agent_id AS agent_id,
                  -- A caller who left a voicemail or asked for a callback did not abandon: that waits as work.
                  CASE WHEN EXISTS (SELECT 1 FROM messages v WHERE v.conversation_id = m.conversation_id
                                      AND (v.kind = 'voicemail' OR v.metadata->>'event' = 'callback_requested'))
                       THEN 'voicemail' ELSE cv.status::text END AS status,
                  extract(epoch FROM now() - m.created_at)::int AS waited`,
      [update.callSid, update.status, update.durationSeconds],
    );
    const call = rows[0];
    if (!call) return null;
    let eventId: string | null = null;
    if (ENDED.includes(update.status)) {
      const abandoned = call.status === "queued" || call.status === "offered";
      const text = abandoned
        ? `Caller hung up after waiting ${call.waited} s (abandoned)`
        : `Call ended${update.durationSeconds !== null ? ` after ${update.durationSeconds} s` : ""} (${update.status})`;
      const ev = await tx.query<{ id: string }>(
        `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, metadata)
         VALUES ($1, $2, 'voice', 'internal', 'event', $3, 'received', $4) RETURNING id`,
        [call.conversation_id, call.customer_id, text, JSON.stringify(abandoned ? { event: "abandoned", waitedSeconds: call.waited } : { event: "call_ended" })],
      );
      eventId = ev.rows[0]!.id;
      if (abandoned) {
        const closed = await tx.query<{ id: string; agent_id: string }>(
          `UPDATE offers SET status = 'withdrawn', responded_at = now() WHERE conversation_id = $1 AND status = 'pending' RETURNING id, agent_id`,
          [call.conversation_id],
        );
        withdrawn.push(...closed.rows);
        await tx.query(
          `UPDATE conversations SET status = 'resolved', outcome = 'missed_call', resolved_at = now(), waiting_since = NULL, updated_at = now() WHERE id = $1`,
          [call.conversation_id],
        );
      }
    }
    const wrapUpAgent = ENDED.includes(update.status) && call.status === "assigned" ? call.agent_id : null;
    return { messageId: call.id, conversationId: call.conversation_id, eventId, wrapUpAgent };
  });
  if (!outcome) return false;
  const events: DomainEvent[] = [];
  for (const id of [outcome.messageId, outcome.eventId]) {
    const loaded = id ? await loadMessage(deps.pool, id) : null;
    if (loaded) events.push({ type: id === outcome.messageId ? "message.updated" : "message.created", ...loaded });
  }
  if (outcome.eventId) {
    const conversation = await loadConversation(deps.pool, outcome.conversationId);
    if (conversation) events.push({ type: "conversation.updated", conversation });
  }
  for (const offer of withdrawn) {
    events.push({ type: "offer.closed", offerId: offer.id, agentId: offer.agent_id, conversationId: outcome.conversationId, status: "withdrawn" });
  }
  await deps.events.publish(...events);
  for (const offer of withdrawn) await deps.queues.agentMayTakeWork(offer.agent_id);
  if (outcome.wrapUpAgent) await startWrapUp(deps, outcome.wrapUpAgent);
  return true;
}

/**
 * A voicemail: on the caller's timeline with its recording and duration, and work for an agent. If
 * Twilio's "completed" status beat the recording here and closed the call as abandoned, it reopens.
 */
export async function recordVoicemail(
  deps: { pool: pg.Pool; events: EventPublisher; queues: WorkQueues },
  rec: { callSid: string; recordingUrl: string; durationSeconds: number },
): Promise<void> {
  const stored = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ id: string; conversation_id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, media, external_id, status, metadata)
       SELECT m.conversation_id, m.customer_id, 'voice', 'inbound', 'voicemail', $2, $3, $1 || ':voicemail', 'received', $4
         FROM messages m WHERE m.channel = 'voice' AND m.external_id = $1
       ON CONFLICT (channel, external_id) DO NOTHING RETURNING id, conversation_id`,
      [
        rec.callSid,
        `Voicemail (${rec.durationSeconds} s)`,
        JSON.stringify([{ url: rec.recordingUrl, contentType: "audio/wav" }]),
        JSON.stringify({ durationSeconds: rec.durationSeconds }),
      ],
    );
    const v = rows[0];
    if (!v) return null;
    const reopened = await tx.query<{ priority: number }>(
      `UPDATE conversations SET status = 'queued', outcome = NULL, waiting_since = now(), resolved_at = NULL, updated_at = now()
        WHERE id = $1 AND status = 'resolved' AND assigned_agent_id IS NULL RETURNING priority`,
      [v.conversation_id],
    );
    return { ...v, reopenedPriority: reopened.rows[0]?.priority ?? null };
  });
  if (!stored) return;
  const loaded = await loadMessage(deps.pool, stored.id);
  if (loaded) await deps.events.publish({ type: "message.created", ...loaded });
  if (stored.reopenedPriority !== null) {
    const conversation = await loadConversation(deps.pool, stored.conversation_id);
    if (conversation) await deps.events.publish({ type: "conversation.updated", conversation });
    await deps.queues.routeConversation(stored.conversation_id, stored.reopenedPriority);
  }
}

/** The call of a voice conversation (its first call message). */
export async function callOf(pool: pg.Pool, conversationId: string): Promise<string | null> {
  const { rows } = await pool.query<{ external_id: string }>(
    `SELECT external_id FROM messages WHERE conversation_id = $1 AND kind = 'call' ORDER BY created_at LIMIT 1`,
    [conversationId],
  );
  return rows[0]?.external_id ?? null;
}

export const agentClientIdentity = (agentId: string) => `agent-${agentId}`;

/** Where an agent takes calls: their own phone when they set one, else the browser softphone. */
export async function agentDialTarget(pool: pg.Pool, agentId: string): Promise<AgentDialTarget> {
  const { rows } = await pool.query<{ forward_phone: string | null }>(`SELECT forward_phone FROM agents WHERE id = $1`, [agentId]);
  const phone = rows[0]?.forward_phone;
  return phone ? { phone } : { client: agentClientIdentity(agentId) };
}

/**
 * The agent's softphone did not pick up after they accepted (no answer, declined, offline): the caller
 * goes back in line for the next agent, and the agent is set away so calls stop ringing an empty desk.
 */
export async function requeueMissedCall(
  deps: { pool: pg.Pool; events: EventPublisher; queues: WorkQueues },
  callSid: string,
): Promise<boolean> {
  const missed = await withTransaction(deps.pool, async (tx) => {
    const { rows } = await tx.query<{ conversation_id: string; customer_id: string; agent_id: string; agent_name: string; priority: number }>(
      `SELECT cv.id AS conversation_id, cv.customer_id, cv.assigned_agent_id AS agent_id, a.name AS agent_name, cv.priority
         FROM messages m JOIN conversations cv ON cv.id = m.conversation_id JOIN agents a ON a.id = cv.assigned_agent_id
        WHERE m.channel = 'voice' AND m.external_id = $1 AND cv.status = 'assigned' FOR UPDATE OF cv`,
      [callSid],
    );
    const c = rows[0];
    if (!c) return null;
    await tx.query(
      `UPDATE conversations SET status = 'queued', assigned_agent_id = NULL, waiting_since = now(), updated_at = now() WHERE id = $1`,
      [c.conversation_id],
    );
    const setAway = await tx.query(`UPDATE agents SET presence = 'away', presence_changed_at = now() WHERE id = $1 AND presence = 'available'`, [c.agent_id]);
    const ev = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, metadata)
       VALUES ($1, $2, 'voice', 'internal', 'event', $3, 'received', '{"event":"agent_missed"}') RETURNING id`,
      [c.conversation_id, c.customer_id, `${c.agent_name} did not answer; the caller is back in line`],
    );
    return { ...c, eventId: ev.rows[0]!.id, setAway: (setAway.rowCount ?? 0) > 0 };
  });
  if (!missed) return false;
  const [message, conversation, agent] = await Promise.all([
    loadMessage(deps.pool, missed.eventId),
    loadConversation(deps.pool, missed.conversation_id),
    deps.pool.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents a WHERE a.id = $1`, [missed.agent_id]),
  ]);
  await deps.events.publish(
    ...(message ? [{ type: "message.created" as const, ...message }] : []),
    ...(conversation ? [{ type: "conversation.updated" as const, conversation }] : []),
    ...(agent.rows[0] ? [{ type: "agent.updated" as const, agent: agentView(agent.rows[0]) }] : []),
    ...(missed.setAway
      ? [
          {
            type: "agent.notice" as const,
            agentId: missed.agent_id,
            notice: {
              kind: "set_away_after_missed_call" as const,
              message: "You missed a call, so you were set to Away and no more calls ring here. Set yourself Available when you are back.",
              conversationId: missed.conversation_id,
              at: new Date().toISOString(),
            },
          },
        ]
      : []),
  );
  await deps.queues.routeConversation(missed.conversation_id, missed.priority);
  return true;
}

/** A recording of an answered call (VOICE_RECORD_CALLS): put on the call's timeline item. Idempotent. */
export async function attachCallRecording(
  deps: { pool: pg.Pool; events: EventPublisher },
  rec: { callSid: string; recordingUrl: string; durationSeconds: number },
): Promise<void> {
  const { rows } = await deps.pool.query<{ id: string }>(
    `UPDATE messages SET media = $2, metadata = metadata || jsonb_build_object('recordingSeconds', $3::int),
            updated_at = now(), change_seq = nextval('message_change_seq')
      WHERE channel = 'voice' AND external_id = $1 AND kind = 'call' AND NOT media @> $2
      RETURNING id`,
    [rec.callSid, JSON.stringify([{ url: rec.recordingUrl, contentType: "audio/wav", name: "Call recording" }]), rec.durationSeconds],
  );
  const loaded = rows[0] ? await loadMessage(deps.pool, rows[0].id) : null;
  if (loaded) await deps.events.publish({ type: "message.updated", ...loaded });
}
