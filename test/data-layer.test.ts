// Issue 11 item 10, "the data layer the product owner chose": ordinary records are read and written
// through Prisma; hand-written SQL stays only on measured hot paths, each saying which benchmark keeps it.
// This scans server/domain/: a file that runs pg SQL must be on one of the lists below, so a new
// ordinary-CRUD file written in hand SQL fails here. The lists only shrink: an entry whose file no longer
// runs SQL fails too, and must be taken off.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, withTransaction, type Db } from "../server/db/client.ts";
import { recordAudit, recordPrismaAudit } from "../server/domain/audit.ts";
import { AGENT_COLUMNS, agentView, type AgentRow } from "../server/domain/views.ts";
import { AGENT_RECORD, agentRecordView } from "../server/domain/workspace/agent-record.ts";
import { createTestDatabase, type TestDatabase } from "./support/database.ts";
import { createAgent } from "./support/factories.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const DOMAIN = "server/domain";

/** The benchmarks (bench/): a hot-path line must name one of these. */
const BENCHES = ["sms-ingest", "chat", "routing", "email-ingest", "timeline", "search"] as const;

/** Measured hot paths: each file carries a line "Hand SQL kept on a hot path: bench <id> …". */
const HOT_PATHS: Record<string, (typeof BENCHES)[number]> = {
  "server/domain/ingest/ingest-inbound.ts": "sms-ingest",
  "server/domain/routing/match.ts": "routing",
  // authenticateSession, on every request and socket handshake (the chat bench times the agent's reply POST).
  "server/domain/auth/sessions.ts": "chat",
  // Customer search, on every keystroke in the "Find a customer" box.
  "server/domain/customers/search-customers.ts": "search",
  // The customer timeline's page and catch-up: one keyset statement per page.
  "server/domain/workspace/timeline.ts": "timeline",
};

/** Being converted on other branches at the same time; the integrator fixes these entries at merge. */
/**
 * Hand SQL on purpose, not on a bench's path: what Prisma cannot say in one statement or one lock order.
 * Each says why; a file here is not work left.
 */
const SQL_ON_PURPOSE: Record<string, string> = {
  "server/domain/board/board-queues.ts": "the board's counts: aggregates over queue_waits and the open conversations, per queue time zone, with the shared wait-count SQL",
  "server/domain/board/board-people.ts": "the board's agents, loads and the line, set reads in the board's one snapshot; only the agents written since the last read",
  "server/domain/board/board-alerts.ts": "alerts derived from the state now (waits, agents, channels) in the board's snapshot",
  "server/domain/board/read-board.ts": "reads the board in one repeatable-read transaction sent in one round trip, so its parts agree",
  "server/domain/customers/merge-customers.ts": "set-based moves of every row of a customer, locked in id order with ingest's per-sender advisory locks, in one pg transaction",
  "server/domain/customers/undo-merge.ts": "the same set-based moves back, under the same locks",
  "server/domain/customers/merge-rows.ts": "the snapshot of whole rows (to_jsonb) and the column writes undo compares against",
  "server/domain/customers/merge-preview.ts": "counts over every table the merge moves, in the transaction's snapshot",
  "server/domain/customers/merge-history.ts": "reads the merge records with their jsonb snapshot summaries",
  "server/domain/customers/add-identity.ts": "locks the customer and the address (advisory lock ingest also takes) before adding it",
  "server/domain/privacy/erase-customer.ts": "redacts every table with a customer_id, found from the catalogue, in one transaction",
  "server/domain/privacy/redact.ts": "the per-table redaction statements erase runs",
  "server/domain/privacy/customer-tables.ts": "reads the catalogue (pg_constraint) for the tables that point at customers",
  "server/domain/privacy/export-customer.ts": "exports every such table, found from the catalogue, as whole rows",
  "server/domain/privacy/consent-ledger.ts": "consent writes inside the ingest and reply paths' pg transactions (the ledger trigger records them)",
  "server/domain/privacy/announce-erasure.ts": "reloads the blanked rows for the live events after the erase committed",
  "server/domain/reminders/fire-reminder.ts": "fires by the database's clock (due_at <= now()), so every worker agrees on what is due, and once (fired_at IS NULL)",
  "server/domain/workspace/add-note.ts": "a note is a timeline message, written like the others (change_seq, idempotency key) in the messages table",
  "server/domain/reports/report-sql.ts": "the report in one statement: the 15-minute sums plus the stored events where not sealed, AT TIME ZONE buckets and tstzmultirange windows, which Prisma cannot express",
  "server/domain/reports/report-sources.ts": "the reports' per-event figures: the shared wait-count flags, tstzmultirange unions of periods spread over buckets",
  "server/domain/reports/report-facts.ts": "the report facts job: GROUPING SETS sums per 15 minutes, delete + insert and the marks taken off in one repeatable-read transaction under an advisory lock",
  "server/domain/workspace/read-work.ts": "the work list with each row's last message and unread count as correlated subqueries, one statement per list",
  "server/domain/supervision/assign-conversation.ts": "a conditional update on the state read (two supervisors: one winner), under the target's load-row lock the router takes, with the offer rows, in one pg transaction",
  "server/domain/supervision/move-conversation.ts": "shares move-to-queue's pg transaction and rows (the routing rows), with its audit row",
  "server/domain/supervision/supervised-conversation.ts": "reads the conversation with its pending offer, in the callers' pg transactions (FOR UPDATE OF cv)",
  "server/domain/chat/visitor-ends-chat.ts": "locks the visitor's open chat (FOR UPDATE) and ends it through resolve-conversation's pg transaction, with the routing rows",
};
const CONVERTED_BY_THE_INTEGRATOR: Record<string, string> = {};

/** Still hand SQL and not (yet) justified by a bench line: the work left, each with why it is not done here. */
const NOT_YET_CONVERTED: Record<string, string> = {
  "server/domain/audit.ts": "recordAudit, the pg door for the callers below that still write in a pg transaction (recordPrismaAudit is the Prisma one)",
  "server/domain/queries.ts": "loadMessage/loadConversation, read after every ingest and offer (sms-ingest, routing paths): to be measured before moving",
  "server/domain/routing/overflow.ts": "runs inside the routing match's pg transaction (bench routing path)",
  "server/domain/routing/answer-offer.ts": "accept/reject/close an offer, on the chat bench's path (the agent accepts each offer)",
  "server/domain/routing/sweep.ts": "the routing sweeper, over the same rows as the match",
  "server/domain/routing/move-to-queue.ts": "moves waiting work in one pg transaction with the routing rows",
  "server/domain/chat/chat-visitor.ts": "the visitor's send and receipts, on the chat bench's path",
  "server/domain/chat/availability.ts": "chat availability and the message left outside hours, next to the chat bench's path",
  "server/domain/chat/chat-profile.ts": "not converted in this pass (pre-chat form)",
  "server/domain/chat/attachments.ts": "not converted in this pass (chat uploads, bytea)",
  "server/domain/chat/link-verified-identity.ts": "identity linking, in one pg transaction with the customer's identities (customers are converted elsewhere)",
  "server/domain/outbound/send-reply.ts": "the agent's reply, on the chat bench's path (its POST is timed)",
  "server/domain/outbound/deliver-message.ts": "the outbound worker's send, on the chat bench's path",
  "server/domain/outbound/sweep-outbox.ts": "the outbox sweeper, over the same rows as deliver-message",
  "server/domain/outbound/channel-health.ts": "not converted in this pass (channel health)",
  "server/domain/email/ingest-email.ts": "email ingest, on the email-ingest bench's path",
  "server/domain/email/threads.ts": "threading of each inbound mail, on the email-ingest bench's path",
  "server/domain/email/mail-watchers.ts": "the IMAP cursor, on the email-ingest bench's path",
  "server/domain/email/acknowledgement.ts": "the acknowledgement sent after an inbound mail, on the email-ingest bench's path",
  "server/domain/email/start-email.ts": "not converted in this pass (an agent starts an email)",
  "server/domain/email/outbound-email.ts": "not converted in this pass (outbound email)",
  "server/domain/email/sending-mailboxes.ts": "not converted in this pass (the mailbox a send goes out of)",
  "server/domain/email/email-html-document.ts": "not converted in this pass (an email's HTML and inline parts)",
  "server/domain/mailboxes/mailbox-credentials.ts": "the /readyz health query, plain SQL like the other readiness checks",
  "server/domain/ingest/fetch-message-media.ts": "MMS media fetched after ingest (bytea)",
  "server/domain/service-levels/alert-views.ts": "the alert rows of raise-alert.ts (SQL shared with the service-level timers)",
  "server/domain/service-levels/raise-alert.ts": "raises an alert in one pg transaction with the timers",
  "server/domain/service-levels/sweep-service-levels.ts": "the service-level sweeper",
  "server/domain/service-levels/watch-service-level.ts": "the service-level timers",
  "server/domain/voice/call-controls.ts": "not converted in this pass (voice)",
  "server/domain/voice/calls.ts": "not converted in this pass (voice)",
  "server/domain/voice/connect-accepted-call.ts": "not converted in this pass (voice)",
  "server/domain/voice/outbound-calls.ts": "not converted in this pass (voice)",
  "server/domain/voice/softphone-readiness.ts": "not converted in this pass (voice)",
  "server/domain/voice/transfer-target.ts": "reserves the target's voice load row as the router does (routing rows)",
  "server/domain/voice/wrap-up.ts": "not converted in this pass (voice)",
  "server/domain/workspace/resolve-conversation.ts": "frees the agent's load in one pg transaction with the routing rows",
  "server/domain/snooze/snooze-conversation.ts": "frees the agent's load and re-arms the wake in one pg transaction with the routing rows",
  "server/domain/snooze/wake-snoozed.ts": "puts the conversation back in line through the database's wake_snoozed_conversation, with the routing rows",
  "server/domain/workspace/set-consent.ts": "not converted in this pass (consent)",
  "server/domain/workspace/announce-typing.ts": "not converted in this pass (typing)",
  "server/domain/auth/conversation-access.ts": "who may change a conversation, read in its callers' pg transactions",
};

/** pg calls: client.query(…) or pool.query<Row>(…), and the pg transaction helper. */
const PG_SQL = /\.query\s*(<[^()]*>)?\s*\(|\bwithTransaction\s*\(|\$(query|execute)RawUnsafe\s*\(/;
/** Prisma's raw templates: allowed outside the lists only for what Prisma cannot say. */
const PRISMA_RAW = /\$(queryRaw|executeRaw)\s*(<[^`]*?>)?\s*`([^`]*)`/g;
const ALLOWED_RAW = /FOR UPDATE|pg_advisory_xact_lock|service_target_seconds\(|derived_tier\(/;
const HOT_PATH_LINE = /Hand SQL kept on a hot path: bench ([a-z-]+)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const listed = (file: string) =>
  file in HOT_PATHS || file in NOT_YET_CONVERTED || file in SQL_ON_PURPOSE || Object.keys(CONVERTED_BY_THE_INTEGRATOR).some((entry) => (entry.endsWith("/") ? file.startsWith(entry) : file === entry));

const files = sourceFiles(DOMAIN).map((f) => ({ file: f, text: readFileSync(join(root, f), "utf8") }));
const runsPgSql = (text: string) => PG_SQL.test(text);

describe("the data layer", () => {
  it("finds hand SQL in a source the way the scan reads files", () => {
    // The detector itself, so that a scan which finds nothing is not a scan that cannot see.
    expect(runsPgSql("const { rows } = await deps.pool.query<AgentRow>(`SELECT 1`);")).toBe(true);
    expect(runsPgSql("await tx.query(`DELETE FROM agents`);")).toBe(true);
    expect(runsPgSql("return withTransaction(deps.pool, async (tx) => insert(tx));")).toBe(true);
    expect(runsPgSql("await prisma.$executeRawUnsafe(text);")).toBe(true);
    expect(runsPgSql("const agents = await deps.prisma.agent.findMany({ orderBy: { name: 'asc' } });")).toBe(false);
  });

  it("runs pg SQL under server/domain only in files on a list (hot path, or named as work left)", () => {
    const unlisted = files.filter((f) => runsPgSql(f.text) && !listed(f.file)).map((f) => f.file);
    expect(unlisted, "ordinary records go through Prisma (deps.prisma); hand SQL only on a hot path with its bench line").toEqual([]);
  });

  it("has every hot path say which benchmark keeps its hand SQL there", () => {
    for (const [file, bench] of Object.entries(HOT_PATHS)) {
      const text = files.find((f) => f.file === file)?.text ?? "";
      expect(runsPgSql(text), `${file} is listed as a hot path but runs no hand SQL`).toBe(true);
      const named = HOT_PATH_LINE.exec(text)?.[1];
      expect(named, `${file} needs a line "Hand SQL kept on a hot path: bench ${bench}"`).toBe(bench);
      expect(BENCHES).toContain(named);
    }
  });

  it("keeps the list of work left honest: each entry still runs hand SQL", () => {
    const done = Object.keys(NOT_YET_CONVERTED).filter((file) => {
      const found = files.find((f) => f.file === file);
      return !found || !runsPgSql(found.text);
    });
    expect(done, "converted (or gone): take these off NOT_YET_CONVERTED").toEqual([]);
  });

  it("uses Prisma's raw SQL outside the lists only to lock rows or call the database's own functions", () => {
    const offending: string[] = [];
    for (const f of files) {
      if (listed(f.file)) continue;
      for (const m of f.text.matchAll(PRISMA_RAW)) if (!ALLOWED_RAW.test(m[3]!)) offending.push(`${f.file}: ${m[3]!.trim().slice(0, 80)}`);
    }
    expect(offending).toEqual([]);
  });

  it("reads and writes the ordinary records this issue names through Prisma", () => {
    // agents, queues, widgets, canned replies, audit (and customers, notes, reminders: converted by the integrator).
    const ordinary = [
      "server/domain/workspace/manage-agents.ts",
      "server/domain/workspace/agent-states.ts",
      "server/domain/workspace/set-presence.ts",
      "server/domain/workspace/forward-phone.ts",
      "server/domain/auth/manage-accounts.ts",
      "server/domain/auth/end-sessions.ts",
      "server/domain/chat/manage-widgets.ts",
      "server/domain/queues/manage-queues.ts",
      "server/domain/queues/queue-members.ts",
      "server/domain/queues/service-targets.ts",
      "server/domain/queues/customer-tiers.ts",
      "server/domain/queues/phone-numbers.ts",
      "server/domain/queues/queue-rows.ts",
      "server/domain/service-levels/list-alerts.ts",
      "server/domain/canned-replies/manage-canned-replies.ts",
      "server/domain/mailboxes/manage-mailboxes.ts",
      "server/domain/seed/seed-demo.ts",
    ];
    for (const file of ordinary) {
      const text = files.find((f) => f.file === file)?.text;
      expect(text, file).toBeDefined();
      expect(runsPgSql(text!), `${file} runs hand SQL`).toBe(false);
      expect(text, `${file} uses Prisma`).toMatch(/prisma|Prisma\.TransactionClient|\btx\.\w+\.(find|create|update|delete|count|upsert)/);
      expect(listed(file), `${file} is an ordinary record: it must not be on a list`).toBe(false);
    }
  });
});

// Where both layers still meet (an agent read by the hot session lookup or by Prisma; an audit row
// written in a pg or a Prisma transaction), they must give the same thing.
describe("the two layers side by side", () => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, { max: 2 });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const bothViews = async (id: string) => {
    const { rows } = await db.pool.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents a WHERE a.id = $1`, [id]);
    const record = await db.prisma.agent.findUniqueOrThrow({ where: { id }, ...AGENT_RECORD });
    return { sql: agentView(rows[0]!), prisma: agentRecordView(record) };
  };

  it("shows an agent alike, with or without an away reason, forward phone and deactivation", async () => {
    const plain = await createAgent(db.pool, { role: "supervisor", skills: ["billing"], capacity: { chat: 4 } });
    const plainViews = await bothViews(plain.id);
    expect(plainViews.prisma).toEqual(plainViews.sql);

    const away = await createAgent(db.pool, { presence: "away" });
    const reason = await db.pool.query<{ id: string }>(`INSERT INTO away_reasons (name) VALUES ('Layer check') RETURNING id`);
    await db.pool.query(`UPDATE agents SET away_reason_id = $2, forward_phone = '+14155550123', deactivated_at = now() WHERE id = $1`, [away.id, reason.rows[0]!.id]);
    const awayViews = await bothViews(away.id);
    expect(awayViews.sql.awayReason).toEqual({ id: reason.rows[0]!.id, name: "Layer check" });
    expect(awayViews.sql.active).toBe(false);
    expect(awayViews.prisma).toEqual(awayViews.sql);
  });

  it("writes the same audit row from a pg and from a Prisma transaction", async () => {
    const actor = await createAgent(db.pool);
    const event = (entityId: string) => ({
      actorId: actor.id,
      action: "layer_check",
      entityType: "layer",
      entityId,
      data: { at: new Date("2026-12-01T12:00:00.000Z"), gone: undefined, nested: { list: [1, "two", null] } },
    });
    await withTransaction(db.pool, (tx) => recordAudit(tx, event("pg")));
    await db.prisma.$transaction((tx) => recordPrismaAudit(tx, event("prisma")));
    const { rows } = await db.pool.query<{ entity_id: string; actor_id: string; action: string; entity_type: string; data: unknown }>(
      `SELECT entity_id, actor_id, action, entity_type, data FROM audit_events WHERE action = 'layer_check' ORDER BY entity_id`,
    );
    expect(rows.map((r) => r.entity_id)).toEqual(["pg", "prisma"]);
    const { entity_id: _pg, ...fromPg } = rows[0]!;
    const { entity_id: _prisma, ...fromPrisma } = rows[1]!;
    expect(fromPrisma).toEqual(fromPg);
    expect(fromPg.data).toEqual({ at: "2026-12-01T12:00:00.000Z", nested: { list: [1, "two", null] } });
  });
});
