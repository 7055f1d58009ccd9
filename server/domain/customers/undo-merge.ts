// Undoes a merge in one transaction: every row the merge moved goes back to the source, the target's
// fields and consent rows get back the values the merge replaced, and the source stands alone again.
//
// What arrived after the merge: a conversation begun from a moved address (a new SMS from the source's
// phone) goes back with that address, with its messages (and notes, reminders, files on it); the same
// for new messages in moved conversations. A phone or email added to the target after the merge stays
// with the target. A value changed after the merge (a new opt-out, an edited name) is kept: undo puts
// back only what still holds the value the merge wrote.
import type { MergeRecord } from "../../../shared/merge.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { conversationsSinceMerge, laterMergeInForce, loadMergeRecord } from "./merge-history.ts";
import { CONVERSATION_BOUND_TABLES, EXTRA_SET, lockAddresses, lockPair, MOVED_TABLES, restoreColumns, type MergeDeps, type MergeSnapshot } from "./merge-rows.ts";

interface LockedMerge {
  id: string;
  seq: string;
  source_customer_id: string;
  target_customer_id: string;
  merged_at: Date;
  undone_at: Date | null;
  snapshot: MergeSnapshot;
}

export async function undoMerge(deps: MergeDeps, actor: Actor, mergeId: string): Promise<MergeRecord> {
  assertCan(actor, "customers.merge");
  const outcome = await withTransaction(deps.pool, async (tx) => {
    // Consents carried between the two records keep their own ledger rows (migration 0020): no new change.
    await tx.query(`SELECT set_config('switchboard.consent_copy', 'on', true)`);
    // Customers first, then the merge row: the same order as a merge (customers, then its insert).
    const peek = await tx.query<{ source_customer_id: string; target_customer_id: string }>(
      `SELECT source_customer_id, target_customer_id FROM customer_merges WHERE id = $1`,
      [mergeId],
    );
    if (!peek.rows[0]) throw new AppError("NOT_FOUND", "No such merge");
    const S = peek.rows[0].source_customer_id;
    const T = peek.rows[0].target_customer_id;
    const pair = await lockPair(tx, S, T);
    // Erasure blanked the merge's snapshot with the rest (server/domain/privacy): nothing to put back.
    if (pair.a.row.erased_at || pair.b.row.erased_at) throw new AppError("CONFLICT", "One of these customers was erased: the merge cannot be undone", { reason: "erased" });
    const m = (await tx.query<LockedMerge>(`SELECT * FROM customer_merges WHERE id = $1 FOR UPDATE`, [mergeId])).rows[0]!;
    if (m.undone_at) throw new AppError("CONFLICT", "This merge was undone already", { reason: "already_undone" });
    const later = await laterMergeInForce(tx, m);
    if (later) throw new AppError("CONFLICT", "A later merge of one of these customers is still in force: undo it first", { reason: "later_merge", mergeId: later });

    const snap = m.snapshot;
    await lockAddresses(tx, "i.id = ANY($1)", [snap.moved.identities ?? []]);
    const since = await conversationsSinceMerge(tx, m);
    const back: Record<string, number> = {};
    for (const table of [...MOVED_TABLES, "consents" as const]) {
      const ids = snap.moved[table] ?? [];
      if (!ids.length) continue;
      const extra = table === "consents" ? "" : (EXTRA_SET[table] ?? "");
      // Only rows still on the target: a moved row another path re-pointed since keeps its new customer.
      const res = await tx.query(`UPDATE ${table} SET customer_id = $1${extra} WHERE id = ANY($2) AND customer_id = $3`, [S, ids, T]);
      back[table] = res.rowCount ?? 0;
    }
    if (since.length) {
      const res = await tx.query(`UPDATE conversations SET customer_id = $1 WHERE id = ANY($2)`, [S, since]);
      back.conversationsSinceMerge = res.rowCount ?? 0;
    }
    // Rows that arrived after the merge on a conversation that went back follow their conversation.
    const returned = [...(snap.moved.conversations ?? []), ...since];
    for (const table of CONVERSATION_BOUND_TABLES) {
      const res = await tx.query(
        `UPDATE ${table} SET customer_id = $1${EXTRA_SET[table] ?? ""} WHERE customer_id = $2 AND conversation_id = ANY($3)`,
        [S, T, returned],
      );
      if (res.rowCount) back[`${table}SinceMerge`] = res.rowCount;
    }
    const files = await tx.query(
      `UPDATE attachments a SET customer_id = $1 FROM messages m WHERE a.customer_id = $2 AND m.id = a.message_id AND m.conversation_id = ANY($3)`,
      [S, T, returned],
    );
    if (files.rowCount) back.attachmentsSinceMerge = files.rowCount;

    const kept: Record<string, string[]> = {};
    for (const c of snap.consentConflicts) {
      const k = await restoreColumns(tx, "consents", c.targetConsentId, c.changes);
      if (k.length) kept[`consent:${c.channel}`] = k;
    }
    const keptTarget = await restoreColumns(tx, "customers", T, snap.targetChanges);
    if (keptTarget.length) kept.target = keptTarget;
    const keptSource = await restoreColumns(tx, "customers", S, snap.sourceChanges);
    // The source must stand alone again whatever else changed on it.
    if (keptSource.includes("merged_into_id")) await tx.query(`UPDATE customers SET merged_into_id = NULL WHERE id = $1`, [S]);

    await tx.query(`UPDATE customer_merges SET undone_at = now(), undone_by = $2 WHERE id = $1`, [mergeId, actor.id]);
    await recordAudit(tx, {
      actorId: actor.id,
      action: "customer_merge_undone",
      entityType: "customer",
      entityId: S,
      data: { mergeId, sourceCustomerId: S, targetCustomerId: T, back, keptNewerValues: kept },
    });
    const agents = await tx.query<{ id: string }>(
      `SELECT DISTINCT assigned_agent_id AS id FROM conversations WHERE id = ANY($1) AND assigned_agent_id IS NOT NULL`,
      [returned],
    );
    return { S, T, agentIds: agents.rows.map((r) => r.id) };
  });
  await deps.events.publish({ type: "customer.merged", mergeId, sourceId: outcome.S, targetId: outcome.T, undone: true, assignedAgentIds: outcome.agentIds });
  return loadMergeRecord(deps.pool, mergeId);
}
