// Merging customers through the API on real Postgres: the preview says what moves, the merge moves
// exactly that in one transaction, and undo puts every row back as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../shared/api.ts";
import type { MergePreview, MergeRecord } from "../shared/merge.ts";
import { MOVED_TABLES, STAYING_TABLES } from "../server/domain/customers/merge-rows.ts";
import { createAgent, createCustomer } from "./support/factories.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let agent: { id: string; cookie: string };
let seq = 0;
const phone = () => `+1628555${String(1000 + seq++).padStart(4, "0")}`;

beforeAll(async () => {
  t = await startTestApp();
  const a = await createAgent(t.pool, { name: "Mia Merger" });
  agent = { id: a.id, cookie: await t.login(a.email) };
});
afterAll(async () => t?.close());

const api = <T>(method: string, path: string, body?: unknown) => t.api<T>(agent.cookie, method, path, body);
type Err = { error: { code: ErrorCode; details?: Record<string, unknown> } };
const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await t.pool.query(sql, params)).rows as T[];

/** Tables with a foreign key to customers(id), as the database says (tables added later included). */
async function customerTables(): Promise<string[]> {
  const rows = await q<{ table: string }>(
    `SELECT DISTINCT c.conrelid::regclass::text AS table FROM pg_constraint c
      WHERE c.contype = 'f' AND c.confrelid = 'customers'::regclass ORDER BY 1`,
  );
  return rows.map((r) => r.table);
}

/** Every row that points at either customer, and both customer rows, whole (messages' change_seq aside). */
async function dump(ids: string[]) {
  const out: Record<string, unknown[]> = {};
  out.customers = (await q<{ j: unknown }>(`SELECT to_jsonb(c) AS j FROM customers c WHERE id = ANY($1) ORDER BY id`, [ids])).map((r) => r.j);
  for (const table of await customerTables()) {
    if ((STAYING_TABLES as readonly string[]).includes(table)) continue;
    // A moved message gets a new change_seq (timelines catch up from it), on merge and again on undo.
    const rows = await q<{ j: unknown }>(`SELECT to_jsonb(t) - 'change_seq' AS j FROM ${table} t WHERE customer_id = ANY($1) ORDER BY id`, [ids]);
    out[table] = rows.map((r) => r.j);
  }
  return out;
}

/** Two customers with something of everything: identities, consents (one conflicting), conversations, messages, notes, a reminder, a file. */
async function richPair() {
  const sourcePhone = phone();
  const source = await createCustomer(t.pool, { phone: sourcePhone, displayName: "Sam Source", tier: "gold" });
  const target = await createCustomer(t.pool, { phone: phone(), tier: "standard" });
  const S = source.id;
  const T = target.id;
  await t.pool.query(`UPDATE customers SET tags = $2 WHERE id = $1`, [S, ["vip", "billing"]]);
  await t.pool.query(`UPDATE customers SET tags = $2 WHERE id = $1`, [T, ["billing"]]);
  await t.pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'email', $2, false, 'test'), ($1, 'chat_visitor', $3, true, 'test')`, [
    S,
    `sam-${seq}@example.test`,
    `visitor-${seq}`,
  ]);
  await t.pool.query(`INSERT INTO consents (customer_id, channel, status, source) VALUES ($1, 'sms', 'opted_out', 'SMSTOP'), ($1, 'email', 'opted_in', 'form')`, [S]);
  await t.pool.query(`INSERT INTO consents (customer_id, channel, status, source) VALUES ($1, 'sms', 'opted_in', 'SMSTART'), ($1, 'voice', 'opted_in', 'form')`, [T]);
  const conv = async (customerId: string, channel: string, status: string, address: string) =>
    (await q<{ id: string }>(
      `INSERT INTO conversations (customer_id, channel, status, customer_address, assigned_agent_id, resolved_at)
       VALUES ($1, $2, $3::"ConversationStatus", $4, $5, CASE WHEN $3::text = 'resolved' THEN now() END) RETURNING id`,
      [customerId, channel, status, address, status === "assigned" ? agent.id : null],
    ))[0]!.id;
  const open = await conv(S, "sms", "assigned", sourcePhone);
  const closed = await conv(S, "email", "resolved", `sam-${seq}@example.test`);
  const targetOpen = await conv(T, "voice", "queued", "+16285559999");
  for (const [c, who] of [[open, S], [closed, S], [closed, S], [targetOpen, T]] as const) {
    await t.pool.query(`INSERT INTO messages (conversation_id, customer_id, channel, direction, body, status) SELECT $1, $2, channel, 'inbound', 'Hi', 'received' FROM conversations WHERE id = $1`, [c, who]);
  }
  await t.pool.query(`INSERT INTO notes (customer_id, conversation_id, agent_id, body) VALUES ($1, $2, $3, 'Prefers SMS')`, [S, open, agent.id]);
  await t.pool.query(`INSERT INTO reminders (agent_id, customer_id, conversation_id, due_at, note) VALUES ($1, $2, $3, now() + interval '1 day', 'Call back')`, [agent.id, S, open]);
  await t.pool.query(
    `INSERT INTO attachments (customer_id, message_id, file_name, content_type, size_bytes, data)
     SELECT $1, id, 'receipt.txt', 'text/plain', 2, '\\x6869' FROM messages WHERE conversation_id = $2`,
    [S, open],
  );
  return { S, T, sourcePhone, open, closed };
}

describe("merging two customers", () => {
  it("names every table that points at a customer as moved or staying", async () => {
    const known = new Set<string>([...MOVED_TABLES, "consents", ...STAYING_TABLES]);
    expect((await customerTables()).filter((table) => !known.has(table))).toEqual([]);
  });

  it("previews what moves, moves exactly that, and undo restores every row as it was", async () => {
    const { S, T, open, closed } = await richPair();
    const before = await dump([S, T]);

    const preview = await api<{ preview: MergePreview }>("GET", `/api/customers/${S}/merge-preview?into=${T}`);
    expect(preview.status).toBe(200);
    const p = preview.body.preview;
    expect(p.moves.identities.map((i) => i.kind).sort()).toEqual(["chat_visitor", "email", "phone"]);
    expect(p.moves.openConversations.map((c) => c.id)).toEqual([open]);
    expect(p.moves.closedConversations.map((c) => c.id)).toEqual([closed]);
    expect([p.moves.closedConversationCount, p.moves.messageCount, p.moves.noteCount, p.moves.reminderCount, p.moves.attachmentCount]).toEqual([1, 3, 1, 1, 1]);
    expect(p.moves.consents).toEqual([{ channel: "email", status: "opted_in" }]);
    expect(p.conflicts).toEqual({
      consents: [{ channel: "sms", target: "opted_in", source: "opted_out", result: "opted_out" }],
      tier: { target: "standard", source: "gold", result: "gold" },
      displayName: { target: null, source: "Sam Source", result: "Sam Source" },
    });
    const sourceRows = async (table: string) => (await q<{ id: string }>(`SELECT id FROM ${table} WHERE customer_id = $1 ORDER BY id`, [S])).map((r) => r.id);
    const expectedMoves = Object.fromEntries(await Promise.all(MOVED_TABLES.map(async (table) => [table, await sourceRows(table)] as const)));

    const merged = await api<{ merge: MergeRecord }>("POST", `/api/customers/${S}/merge`, { into: T });
    expect(merged.status).toBe(201);
    const m = merged.body.merge;
    expect(m.undo).toEqual({ possible: true, blockedByMergeId: null, conversationsSinceMerge: 0 });
    // Moved: exactly what the preview listed, and nothing of the source's is left but its conflicting consent.
    for (const table of MOVED_TABLES) {
      expect(await sourceRows(table), table).toEqual([]);
      const onTarget = await q<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1) AND customer_id = $2`, [expectedMoves[table], T]);
      expect(onTarget.length, table).toBe(expectedMoves[table]!.length);
    }
    expect(m.moved).toMatchObject({ identities: 3, conversations: 2, messages: 3, notes: 1, reminders: 1, attachments: 1, consents: 1 });
    expect(await q(`SELECT channel, status FROM consents WHERE customer_id = $1 ORDER BY channel`, [T])).toEqual([
      { channel: "sms", status: "opted_out" },
      { channel: "voice", status: "opted_in" },
      { channel: "email", status: "opted_in" },
    ]);
    expect(await q(`SELECT display_name, tier, tags, merged_into_id FROM customers WHERE id = ANY($1) ORDER BY id = $2`, [[S, T], T])).toEqual([
      { display_name: "Sam Source", tier: "gold", tags: ["vip", "billing"], merged_into_id: T },
      { display_name: "Sam Source", tier: "gold", tags: ["billing", "vip"], merged_into_id: null },
    ]);
    expect((await q(`SELECT action FROM audit_events WHERE action = 'customer_merged' AND entity_id = $1`, [T])).length).toBe(1);
    // The workspace reads a moved conversation with its new customer.
    const read = await api<{ customer: { id: string } }>("GET", `/api/conversations/${open}`);
    expect(read.body.customer.id).toBe(T);

    const undone = await api<{ merge: MergeRecord }>("POST", `/api/customer-merges/${m.id}/undo`);
    expect(undone.status).toBe(200);
    expect(undone.body.merge.undoneBy?.id).toBe(agent.id);
    expect(await dump([S, T])).toEqual(before);
    expect((await q(`SELECT 1 FROM audit_events WHERE action = 'customer_merge_undone' AND entity_id = $1`, [S])).length).toBe(1);

    const again = await api<Err>("POST", `/api/customer-merges/${m.id}/undo`);
    expect([again.status, again.body.error.code, again.body.error.details?.reason]).toEqual([409, "CONFLICT", "already_undone"]);
  });

  it("undo keeps what changed after the merge (a new consent word, a renamed target) and restores the rest", async () => {
    const a = await createCustomer(t.pool, { phone: phone(), displayName: "Ada" });
    const b = await createCustomer(t.pool, { phone: phone() });
    await t.pool.query(`INSERT INTO consents (customer_id, channel, status, source) VALUES ($1, 'sms', 'opted_out', 'STOP'), ($2, 'sms', 'opted_in', 'form'), ($2, 'email', 'opted_in', 'form')`, [a.id, b.id]);
    const m = (await api<{ merge: MergeRecord }>("POST", `/api/customers/${a.id}/merge`, { into: b.id })).body.merge;
    expect(await q(`SELECT channel, status FROM consents WHERE customer_id = $1 ORDER BY channel`, [b.id])).toEqual([
      { channel: "sms", status: "opted_out" },
      { channel: "email", status: "opted_in" },
    ]);
    // After the merge the customer says START again, and an agent names the record.
    await t.pool.query(`UPDATE consents SET status = 'opted_in', source = 'START', updated_at = now() + interval '1 second' WHERE customer_id = $1 AND channel = 'sms'`, [b.id]);
    await t.pool.query(`UPDATE customers SET display_name = 'Ada Lovelace' WHERE id = $1`, [b.id]);
    expect((await api("POST", `/api/customer-merges/${m.id}/undo`)).status).toBe(200);
    expect(await q(`SELECT customer_id = $2 AS on_b, status, source FROM consents WHERE customer_id = ANY($1) AND channel = 'sms' ORDER BY 1`, [[a.id, b.id], b.id])).toEqual([
      { on_b: false, status: "opted_out", source: "STOP" },
      { on_b: true, status: "opted_in", source: "START" },
    ]);
    expect(await q(`SELECT display_name, merged_into_id FROM customers WHERE id = ANY($1) ORDER BY id = $2`, [[a.id, b.id], b.id])).toEqual([
      { display_name: "Ada", merged_into_id: null },
      { display_name: "Ada Lovelace", merged_into_id: null },
    ]);
  });

  it("refuses a merge into itself, into or from a merged-away customer, and an unknown customer", async () => {
    const a = await createCustomer(t.pool, { phone: phone() });
    const b = await createCustomer(t.pool, { phone: phone() });
    const c = await createCustomer(t.pool, { phone: phone() });
    const refusal = async (path: string, body?: unknown, method = "POST") => {
      const r = await api<Err>(method, path, body);
      return [r.status, r.body.error.code, r.body.error.details?.reason];
    };
    expect(await refusal(`/api/customers/${a.id}/merge`, { into: a.id })).toEqual([409, "CONFLICT", "same_customer"]);
    expect(await refusal(`/api/customers/${a.id}/merge-preview?into=${a.id}`, undefined, "GET")).toEqual([409, "CONFLICT", "same_customer"]);
    expect((await api("POST", `/api/customers/${a.id}/merge`, { into: b.id })).status).toBe(201);
    expect(await refusal(`/api/customers/${a.id}/merge`, { into: c.id })).toEqual([409, "CONFLICT", "source_merged_away"]);
    expect(await refusal(`/api/customers/${c.id}/merge`, { into: a.id })).toEqual([409, "CONFLICT", "target_merged_away"]);
    expect(await refusal(`/api/customers/${c.id}/merge`, { into: "00000000-0000-4000-8000-000000000000" })).toEqual([404, "NOT_FOUND", undefined]);
    expect(await refusal(`/api/customers/${c.id}/merge`, { into: "nope" })).toEqual([400, "VALIDATION", undefined]);
  });

  it("refuses to undo a merge while a later merge of either customer is in force", async () => {
    const a = await createCustomer(t.pool, { phone: phone() });
    const b = await createCustomer(t.pool, { phone: phone() });
    const c = await createCustomer(t.pool, { phone: phone() });
    const first = (await api<{ merge: MergeRecord }>("POST", `/api/customers/${a.id}/merge`, { into: b.id })).body.merge;
    const second = (await api<{ merge: MergeRecord }>("POST", `/api/customers/${b.id}/merge`, { into: c.id })).body.merge;
    const history = await api<{ merges: MergeRecord[] }>("GET", `/api/customers/${b.id}/merges`);
    expect(history.body.merges.map((m) => [m.id, m.undo.possible, m.undo.blockedByMergeId])).toEqual([
      [second.id, true, null],
      [first.id, false, second.id],
    ]);
    const blocked = await api<Err>("POST", `/api/customer-merges/${first.id}/undo`);
    expect([blocked.status, blocked.body.error.code, blocked.body.error.details?.reason]).toEqual([409, "CONFLICT", "later_merge"]);
    expect((await api("POST", `/api/customer-merges/${second.id}/undo`)).status).toBe(200);
    expect((await api("POST", `/api/customer-merges/${first.id}/undo`)).status).toBe(200);
    expect(await q(`SELECT count(*)::int AS n FROM identities WHERE customer_id = ANY($1) GROUP BY customer_id ORDER BY 1`, [[a.id, b.id, c.id]])).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
  });

  it("an inbound SMS to the moved phone after the merge lands on the target, and undo takes it back", async () => {
    const sourcePhone = phone();
    const a = await createCustomer(t.pool, { phone: sourcePhone });
    const b = await createCustomer(t.pool, { phone: phone() });
    const m = (await api<{ merge: MergeRecord }>("POST", `/api/customers/${a.id}/merge`, { into: b.id })).body.merge;
    const sms = await t.sendSms({ From: sourcePhone, Body: "It's me again" });
    expect(sms.status).toBe(200);
    const landed = async () => (await q<{ customer_id: string; conversation_id: string }>(`SELECT customer_id, conversation_id FROM messages WHERE external_id = $1`, [sms.messageSid]))[0];
    expect((await landed())?.customer_id).toBe(b.id);
    const history = await api<{ merges: MergeRecord[] }>("GET", `/api/customers/${a.id}/merges`);
    expect(history.body.merges[0]!.undo.conversationsSinceMerge).toBe(1);
    expect((await api("POST", `/api/customer-merges/${m.id}/undo`)).status).toBe(200);
    const after = (await landed())!;
    expect(after.customer_id).toBe(a.id);
    expect((await q<{ customer_id: string }>(`SELECT customer_id FROM conversations WHERE id = $1`, [after.conversation_id]))[0]!.customer_id).toBe(a.id);
  });

  it("tells the workspaces watching either customer, on merge and on undo", async () => {
    const a = await createCustomer(t.pool, { phone: phone() });
    const b = await createCustomer(t.pool, { phone: phone() });
    const socket = await t.connectAgent(agent.cookie);
    await socket.emitWithAck("customer:watch", { customerId: a.id });
    const seen: { mergeId: string; sourceId: string; targetId: string; undone: boolean }[] = [];
    socket.on("customer:merged", (e) => seen.push(e));
    const m = (await api<{ merge: MergeRecord }>("POST", `/api/customers/${a.id}/merge`, { into: b.id })).body.merge;
    await eventually(async () => seen.length === 1);
    await api("POST", `/api/customer-merges/${m.id}/undo`);
    await eventually(async () => seen.length === 2);
    expect(seen).toEqual([
      { mergeId: m.id, sourceId: a.id, targetId: b.id, undone: false },
      { mergeId: m.id, sourceId: a.id, targetId: b.id, undone: true },
    ]);
  });

  it("an SMS from the source's phone being stored while the merge starts lands on the target, never on the merged-away record", async () => {
    const sourcePhone = phone();
    const a = await createCustomer(t.pool, { phone: sourcePhone });
    const b = await createCustomer(t.pool, { phone: phone() });
    // Ingest's own transaction, held open after it stored the message: the merge must wait for it.
    const ingest = await t.pool.connect();
    try {
      await ingest.query("BEGIN");
      const stored = await ingest.query<{ message_id: string }>(
        `SELECT message_id FROM ingest_inbound_message('sms', $1, 'phone', $2, true, '+14155550100', 'Still there?', 'text', '[]', NULL, '{}', now(), NULL, NULL)`,
        [`SMmerge${seq}`, sourcePhone],
      );
      let done = false;
      const merging = api("POST", `/api/customers/${a.id}/merge`, { into: b.id }).finally(() => (done = true));
      // Either the merge waits on the sender's lock (as it must), or it finished without waiting.
      await eventually(async () => done || (await q(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`)).length > 0);
      await ingest.query("COMMIT");
      expect((await merging).status).toBe(201);
      const rows = await q(
        `SELECT m.customer_id AS message, cv.customer_id AS conversation FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE m.id = $1`,
        [stored.rows[0]!.message_id],
      );
      expect(rows).toEqual([{ message: b.id, conversation: b.id }]);
    } finally {
      ingest.release();
    }
  });

  it("two merges of the same pair at once (the same way or opposite ways): one wins, the other is a 409, no deadlock", async () => {
    for (const opposite of [false, true, false, true]) {
      const a = await createCustomer(t.pool, { phone: phone() });
      const b = await createCustomer(t.pool, { phone: phone() });
      const results = await Promise.all([
        api<Err>("POST", `/api/customers/${a.id}/merge`, { into: b.id }),
        opposite ? api<Err>("POST", `/api/customers/${b.id}/merge`, { into: a.id }) : api<Err>("POST", `/api/customers/${a.id}/merge`, { into: b.id }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body.error.code).toBe("CONFLICT");
      expect(await q(`SELECT count(*)::int AS n FROM customer_merges WHERE source_customer_id = ANY($1)`, [[a.id, b.id]])).toEqual([{ n: 1 }]);
    }
  });
});

describe("adding a phone or email", () => {
  it("normalises and adds it, audited", async () => {
    const a = await createCustomer(t.pool, {});
    const r = await api<{ identity: { value: string } }>("POST", `/api/customers/${a.id}/identities`, { kind: "phone", value: "(628) 555-0123" });
    expect([r.status, r.body.identity.value]).toEqual([201, "+16285550123"]);
    const e = await api<{ identity: { value: string } }>("POST", `/api/customers/${a.id}/identities`, { kind: "email", value: " Pat@Example.TEST " });
    expect([e.status, e.body.identity.value]).toEqual([201, "pat@example.test"]);
    expect((await q(`SELECT 1 FROM audit_events WHERE action = 'customer_identity_added' AND entity_id = $1`, [a.id])).length).toBe(2);
    const bad = await api<Err>("POST", `/api/customers/${a.id}/identities`, { kind: "email", value: "not an email" });
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION"]);
  });

  it("one that belongs to another customer is a 409 suggesting the merge, and nothing changes", async () => {
    const owner = await createCustomer(t.pool, { displayName: "Olga Owner" });
    await t.pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'email', 'olga@example.test', true, 'test')`, [owner.id]);
    const other = await createCustomer(t.pool, { phone: phone() });
    const before = await dump([owner.id, other.id]);
    const r = await api<Err>("POST", `/api/customers/${other.id}/identities`, { kind: "email", value: "OLGA@example.test" });
    expect([r.status, r.body.error.code]).toEqual([409, "CONFLICT"]);
    expect(r.body.error.details).toEqual({ suggestedMerge: { customerId: owner.id, displayName: "Olga Owner" } });
    expect(await dump([owner.id, other.id])).toEqual(before);
  });
});
