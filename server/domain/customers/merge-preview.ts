// What merging one customer into another would move, and how it settles what both have: shown to the
// agent before they confirm. merge-customers.ts moves exactly this (the test compares the two).
import type pg from "pg";
import type { Channel } from "../../../shared/domain.ts";
import type { MergeConversationItem, MergePreview } from "../../../shared/merge.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { assertMergeable, higherTier, readCustomer, summary, type MergeDeps } from "./merge-rows.ts";

type ConsentStatus = "opted_in" | "opted_out";

export interface ConsentPlan {
  /** The source's rows for channels the target has no row for: they move. */
  moving: { id: string; channel: Channel; status: ConsentStatus }[];
  /** Both have a row: the target's row takes the opt-out if either opted out; the source's row stays. */
  conflicts: { channel: Channel; sourceId: string; targetId: string; source: ConsentStatus; target: ConsentStatus; result: ConsentStatus }[];
}

export async function planConsents(db: pg.Pool | pg.PoolClient, sourceId: string, targetId: string, lock = false): Promise<ConsentPlan> {
  // Locked (when merging) so that a STOP landing on either customer meanwhile waits for the merge.
  if (lock) await db.query(`SELECT id FROM consents WHERE customer_id = $1 ORDER BY id FOR UPDATE`, [targetId]);
  const { rows } = await db.query<{ id: string; channel: Channel; status: ConsentStatus; target_id: string | null; target_status: ConsentStatus | null }>(
    `SELECT s.id, s.channel, s.status, t.id AS target_id, t.status AS target_status
       FROM consents s LEFT JOIN consents t ON t.customer_id = $2 AND t.channel = s.channel
      WHERE s.customer_id = $1 ORDER BY s.channel ${lock ? "FOR UPDATE OF s" : ""}`,
    [sourceId, targetId],
  );
  const plan: ConsentPlan = { moving: [], conflicts: [] };
  for (const r of rows) {
    if (!r.target_id || !r.target_status) plan.moving.push({ id: r.id, channel: r.channel, status: r.status });
    else {
      const result = r.status === "opted_out" || r.target_status === "opted_out" ? "opted_out" : "opted_in";
      plan.conflicts.push({ channel: r.channel, sourceId: r.id, targetId: r.target_id, source: r.status, target: r.target_status, result });
    }
  }
  return plan;
}

const CONVERSATION_ITEM = `id, channel, status, subject, customer_address AS "customerAddress", to_char(last_message_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastMessageAt"`;

export async function mergePreview(deps: Pick<MergeDeps, "pool">, actor: Actor, opts: { sourceId: string; targetId: string }): Promise<MergePreview> {
  assertCan(actor, "customers.merge");
  const { pool } = deps;
  const source = (await readCustomer(pool, opts.sourceId)).row;
  const target = (await readCustomer(pool, opts.targetId)).row;
  assertMergeable(source, target);
  const id = source.id;
  const [identities, open, closed, counts, consents] = await Promise.all([
    pool.query(`SELECT id, kind, value, verified FROM identities WHERE customer_id = $1 ORDER BY kind, value`, [id]),
    pool.query<MergeConversationItem>(
      `SELECT ${CONVERSATION_ITEM} FROM conversations WHERE customer_id = $1 AND status <> 'resolved' ORDER BY last_message_at DESC, id`,
      [id],
    ),
    pool.query<MergeConversationItem>(
      `SELECT ${CONVERSATION_ITEM} FROM conversations WHERE customer_id = $1 AND status = 'resolved' ORDER BY last_message_at DESC, id LIMIT 50`,
      [id],
    ),
    pool.query<{ closed: number; messages: number; notes: number; reminders: number; attachments: number }>(
      `SELECT (SELECT count(*)::int FROM conversations WHERE customer_id = $1 AND status = 'resolved') AS closed,
              (SELECT count(*)::int FROM messages WHERE customer_id = $1) AS messages,
              (SELECT count(*)::int FROM notes WHERE customer_id = $1) AS notes,
              (SELECT count(*)::int FROM reminders WHERE customer_id = $1) AS reminders,
              (SELECT count(*)::int FROM attachments WHERE customer_id = $1) AS attachments`,
      [id],
    ),
    planConsents(pool, source.id, target.id),
  ]);
  const c = counts.rows[0]!;
  return {
    source: summary(source),
    target: summary(target),
    moves: {
      identities: identities.rows,
      openConversations: open.rows,
      closedConversations: closed.rows,
      closedConversationCount: c.closed,
      messageCount: c.messages,
      noteCount: c.notes,
      reminderCount: c.reminders,
      attachmentCount: c.attachments,
      consents: consents.moving.map(({ channel, status }) => ({ channel, status })),
    },
    conflicts: {
      consents: consents.conflicts.map(({ channel, source: s, target: t, result }) => ({ channel, source: s, target: t, result })),
      tier: { target: target.tier, source: source.tier, result: higherTier(target.tier, source.tier) },
      displayName: { target: target.display_name, source: source.display_name, result: target.display_name ?? source.display_name },
    },
  };
}
