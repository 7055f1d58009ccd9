// An internal note on a conversation: on the customer's timeline for every agent to read, never sent to
// the customer. "@Name" mentions a colleague, who is told live (agent:notice) wherever they are signed in.
import type pg from "pg";
import type { MessageView } from "../../../shared/api.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import type { DomainEvent, EventPublisher } from "../events.ts";
import { loadMessage } from "../queries.ts";

/** Active agents named after an "@" in the text: the longest name that matches wins ("@Ann Lee" over "@Ann"). */
export function mentionedAgents(body: string, agents: { id: string; name: string }[]): string[] {
  const lower = body.toLowerCase();
  const byLength = [...agents].sort((a, b) => b.name.length - a.name.length);
  const found = new Set<string>();
  for (let at = lower.indexOf("@"); at !== -1; at = lower.indexOf("@", at + 1)) {
    // "bob@bo.com" is an address, not a mention of Bo.
    if (at > 0 && /[\p{L}\p{N}._%+-]/u.test(lower.charAt(at - 1))) continue;
    const rest = lower.slice(at + 1);
    const agent = byLength.find((a) => rest.startsWith(a.name.toLowerCase()) && !/[\p{L}\p{N}]/u.test(rest.charAt(a.name.length)));
    if (agent) found.add(agent.id);
  }
  return [...found];
}

export async function addNote(
  deps: { pool: pg.Pool; events: EventPublisher },
  opts: { conversationId: string; actor: Actor; body: string; idempotencyKey?: string | undefined },
): Promise<MessageView> {
  assertCan(opts.actor, "note.write");
  const outcome = await withTransaction(deps.pool, async (tx) => {
    if (opts.idempotencyKey) {
      const again = await tx.query<{ id: string }>(`SELECT id FROM messages WHERE idempotency_key = $1`, [opts.idempotencyKey]);
      if (again.rows[0]) return { id: again.rows[0].id, mentions: [] as string[], created: false };
    }
    const c = await tx.query<{ customer_id: string; channel: string }>(`SELECT customer_id, channel FROM conversations WHERE id = $1`, [opts.conversationId]);
    if (!c.rows[0]) throw new AppError("NOT_FOUND", "No such conversation");
    const agents = await tx.query<{ id: string; name: string }>(`SELECT id, name FROM agents WHERE deactivated_at IS NULL AND id <> $1`, [opts.actor.id]);
    const mentions = mentionedAgents(opts.body, agents.rows);
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, idempotency_key, metadata)
       VALUES ($1, $2, $3, 'internal', 'note', $4, 'received', $5, $6, $7)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [opts.conversationId, c.rows[0].customer_id, c.rows[0].channel, opts.body, opts.actor.id, opts.idempotencyKey ?? null, JSON.stringify({ mentions })],
    );
    if (!inserted.rows[0]) {
      const again = await tx.query<{ id: string }>(`SELECT id FROM messages WHERE idempotency_key = $1`, [opts.idempotencyKey]);
      return { id: again.rows[0]!.id, mentions: [] as string[], created: false };
    }
    return { id: inserted.rows[0].id, mentions, created: true };
  });
  const loaded = (await loadMessage(deps.pool, outcome.id))!;
  if (outcome.created) {
    const at = new Date().toISOString();
    const events: DomainEvent[] = [
      { type: "message.created", ...loaded },
      ...outcome.mentions.map((agentId): DomainEvent => ({
        type: "agent.notice",
        agentId,
        notice: { kind: "mentioned", message: `${opts.actor.name} mentioned you in a note: ${opts.body.slice(0, 200)}`, conversationId: opts.conversationId, at },
      })),
    ];
    // Stored first: a lost announcement is caught up by the timeline's cursor (the mention's toast is live only).
    await deps.events.publish(...events).catch(() => {});
  }
  return loaded.message;
}

/** Who can be mentioned: every active agent's name. */
export async function agentDirectory(deps: { pool: pg.Pool }, actor: Actor): Promise<{ id: string; name: string }[]> {
  assertCan(actor, "agent_directory.read");
  const { rows } = await deps.pool.query<{ id: string; name: string }>(`SELECT id, name FROM agents WHERE deactivated_at IS NULL ORDER BY name, id`);
  return rows;
}
