// Who serves a queue, each agent with a level in it: supervisors read, admins replace the whole set.
import type pg from "pg";
import type { PutQueueMembersBody, QueueMemberView } from "../../../shared/queues.ts";
import { withTransaction } from "../../db/client.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { invalidField, queueRow } from "./queue-rows.ts";

async function membersOf(db: pg.Pool | pg.PoolClient, queueId: string): Promise<QueueMemberView[]> {
  const { rows } = await db.query<QueueMemberView>(
    `SELECT m.agent_id AS "agentId", a.name, m.level FROM queue_members m JOIN agents a ON a.id = m.agent_id
      WHERE m.queue_id = $1 ORDER BY m.level DESC, a.name, a.id`,
    [queueId],
  );
  return rows;
}

export async function listQueueMembers(deps: { pool: pg.Pool }, actor: Actor, queueId: string): Promise<QueueMemberView[]> {
  assertCan(actor, "queue_setup.read");
  await queueRow(deps.pool, queueId);
  return membersOf(deps.pool, queueId);
}

/** Replaces the queue's members in one transaction; the audit row holds the set before and after. */
export async function putQueueMembers(deps: { pool: pg.Pool }, actor: Actor, queueId: string, body: PutQueueMembersBody): Promise<QueueMemberView[]> {
  assertCan(actor, "queues.manage");
  return withTransaction(deps.pool, async (tx) => {
    // Locks the queue: two replacements of one queue's members run one after the other.
    await queueRow(tx, queueId, { forUpdate: true });
    const agentIds = body.members.map((m) => m.agentId);
    const known = await tx.query<{ id: string }>(`SELECT id FROM agents WHERE id = ANY($1::uuid[])`, [agentIds]);
    const knownIds = new Set(known.rows.map((r) => r.id));
    const unknown = agentIds.findIndex((id) => !knownIds.has(id));
    if (unknown >= 0) throw invalidField(`members.${unknown}.agentId`, "no such agent");

    const before = await membersOf(tx, queueId);
    await tx.query(`DELETE FROM queue_members WHERE queue_id = $1 AND agent_id <> ALL($2::uuid[])`, [queueId, agentIds]);
    // Members who stay keep their row (and when they joined); only their level changes.
    await tx.query(
      `INSERT INTO queue_members (queue_id, agent_id, level)
       SELECT $1, m.agent_id, m.level FROM unnest($2::uuid[], $3::int[]) AS m(agent_id, level)
       ON CONFLICT (queue_id, agent_id) DO UPDATE SET level = EXCLUDED.level`,
      [queueId, agentIds, body.members.map((m) => m.level)],
    );
    const after = await membersOf(tx, queueId);
    const brief = (ms: QueueMemberView[]) => ms.map(({ agentId, level }) => ({ agentId, level }));
    await recordAudit(tx, {
      actorId: actor.id,
      action: "queue_members_replaced",
      entityType: "queue",
      entityId: queueId,
      data: { before: brief(before), after: brief(after) },
    });
    return after;
  });
}
