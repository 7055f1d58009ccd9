// A customer's export and erasure (admins only). The export holds every item about them; after the
// erasure nothing of theirs is findable anywhere (every column of every table, the timeline, the export,
// the search expressions, the Redis event stream), counts stay for reports, a queued reply is never sent,
// and their phone texting again starts a new customer.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView } from "../shared/api.ts";
import type { EraseCustomerResult } from "../shared/privacy.ts";
import { findThread } from "../server/domain/email/threads.ts";
import { createEmailMessage } from "./support/email-messages.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

const PHONE = "+13035559001";
const EMAIL = "zelda.q@example.net";
const VISITOR = "visitor-zq-4711";
/** Words that only this customer's data holds: none may be found anywhere after the erasure. */
const SECRETS = ["zelda", "quintessa", "3035559001", "banana-ledger", "marmalade-zebra", "quokka-jam", "umbrella-42", "pelican-99", VISITOR, "passport-zelda", "mornings-only", "gate-code-1984"];

let t: TestApp;
const cookies = {} as Record<"agent" | "supervisor" | "admin", string>;
let adminId: string;
let customerId: string;
let queuedId: string;
let mailExternalId: string;
let redis: Redis;
beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
  for (const role of ["agent", "supervisor", "admin"] as const) {
    const a = await createAgent(t.pool, { role, name: `The ${role}` });
    if (role === "admin") adminId = a.id;
    cookies[role] = await t.login(a.email);
  }
  redis = new Redis(t.config.redisUrl);

  // SMS, through the signed webhook (and a STOP: the ledger keeps its evidence until the erasure).
  const sms = await t.sendSms({ From: PHONE, Body: "My order is banana-ledger, please help" });
  customerId = (await t.pool.query(`SELECT customer_id FROM messages WHERE external_id = $1`, [sms.messageSid])).rows[0].customer_id;
  await t.sendSms({ From: PHONE, Body: "STOP" });
  const smsConversation = (await t.pool.query(`SELECT id FROM conversations WHERE customer_id = $1 AND channel = 'sms'`, [customerId])).rows[0].id;
  await t.pool.query(`UPDATE customers SET display_name = 'Zelda Quintessa' WHERE id = $1`, [customerId]);
  await t.pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'email', $2, true, 'test'), ($1, 'chat_visitor', $3, false, 'test')`, [customerId, EMAIL, VISITOR]);

  // Chat: a message, the pre-chat form, and an upload.
  const chat = await t.pool.query(`INSERT INTO conversations (customer_id, channel, status, customer_address) VALUES ($1, 'chat', 'resolved', $2) RETURNING id`, [customerId, VISITOR]);
  const chatMessage = await t.pool.query(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, external_id) VALUES ($1, $2, 'chat', 'inbound', 'text', 'chat says marmalade-zebra', 'received', 'chat-1') RETURNING id`,
    [chat.rows[0].id, customerId],
  );
  await t.pool.query(`INSERT INTO chat_profiles (visitor_id, name, email, phone) VALUES ($1, 'Zelda Quintessa', $2, $3)`, [VISITOR, EMAIL, PHONE]);
  await t.pool.query(
    `INSERT INTO attachments (customer_id, message_id, file_name, content_type, size_bytes, data, uploaded_by_visitor) VALUES ($1, $2, 'passport-zelda.png', 'image/png', 4, 'gate-code-1984'::bytea, $3)`,
    [customerId, chatMessage.rows[0].id, VISITOR],
  );

  // Email: text, sanitized HTML, the raw mail's headers, an attachment.
  const email = await t.pool.query(
    `INSERT INTO conversations (customer_id, channel, status, customer_address, business_address, subject, reply_token) VALUES ($1, 'email', 'queued', $2, 'support@shop.example.test', 'Refund for umbrella-42', 'tok-zq') RETURNING id`,
    [customerId, EMAIL],
  );
  const mail = await createEmailMessage(t.pool, t.config, {
    conversationId: email.rows[0].id, customerId, body: "email text says quokka-jam",
    email: { subject: "Refund for umbrella-42", from: { address: EMAIL, name: "Zelda Quintessa" } },
    html: "<p>html says quokka-jam</p>",
    files: [{ name: "passport-zelda.pdf", contentType: "application/pdf", data: Buffer.from("gate-code-1984") }],
  });
  mailExternalId = (await t.pool.query(`SELECT external_id FROM messages WHERE id = $1`, [mail.id])).rows[0].external_id;
  await t.pool.query(`UPDATE email_contents SET raw = $2 WHERE message_id = $1`, [mail.id, Buffer.from(`From: Zelda Quintessa <${EMAIL}>\r\nSubject: Refund for umbrella-42\r\n\r\nemail text says quokka-jam`)]);

  // A merge (the merge feature's table: the export and erasure know it only by its foreign keys), and the
  // record merged into this one.
  const loser = await t.pool.query(`INSERT INTO customers (display_name, merged_into_id) VALUES ('Zelda Q. (old record)', $1) RETURNING id`, [customerId]);
  await t.pool.query(`INSERT INTO customer_merges (source_customer_id, target_customer_id, snapshot) VALUES ($1, $2, $3)`, [
    loser.rows[0].id, customerId, JSON.stringify({ version: 1, source: { display_name: "Zelda Q. (old record)" }, movedAddresses: [PHONE] }),
  ]);
  await t.pool.query(`UPDATE customers SET tags = '{umbrella-42}' WHERE id = $1`, [customerId]);

  // Notes, a reminder, an audited edit, and a reply still queued.
  expect((await t.api(cookies.agent, "POST", `/api/conversations/${smsConversation}/notes`, { body: "Zelda wants mornings-only calls" })).status).toBe(201);
  await t.pool.query(`INSERT INTO notes (customer_id, agent_id, body) VALUES ($1, $2, 'Prefers mornings-only')`, [customerId, adminId]);
  await t.pool.query(`INSERT INTO reminders (agent_id, customer_id, due_at, note) VALUES ($1, $2, now() + interval '1 day', 'Call Zelda about umbrella-42')`, [adminId, customerId]);
  expect((await t.api(cookies.agent, "PUT", `/api/customers/${customerId}/tier`, { tier: "gold" })).status).toBe(200);
  const queued = await t.pool.query(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status) VALUES ($1, $2, 'sms', 'outbound', 'text', 'queued text pelican-99', 'queued') RETURNING id`,
    [smsConversation, customerId],
  );
  queuedId = queued.rows[0].id;
});
afterAll(async () => {
  redis?.disconnect();
  await t?.close();
});

const exportAs = (role: keyof typeof cookies) => fetch(`${t.url}/api/customers/${customerId}/export`, { headers: { cookie: cookies[role], origin: t.origin } });
const eraseAs = (role: keyof typeof cookies, body: unknown = { confirm: true, reason: "Right to erasure request" }) =>
  t.api<{ erased: EraseCustomerResult; error?: { code: string } }>(cookies[role], "POST", `/api/customers/${customerId}/erase`, body);
const counts = async () =>
  (await t.pool.query(`SELECT (SELECT count(*)::int FROM conversations WHERE customer_id = $1) AS conversations, (SELECT count(*)::int FROM messages WHERE customer_id = $1) AS messages`, [customerId])).rows[0];

/** Every row of every table in the database whose text (any column, JSON, bytes as hex too) holds a secret. */
async function findSecretsInDatabase(): Promise<string[]> {
  const tables = await t.pool.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const hex = SECRETS.map((s) => Buffer.from(s).toString("hex"));
  const found: string[] = [];
  for (const { table_name } of tables.rows) {
    const { rows } = await t.pool.query<{ row: string }>(
      `SELECT to_jsonb(x)::text AS row FROM "${table_name}" x WHERE to_jsonb(x)::text ILIKE ANY($1::text[])`,
      [[...SECRETS, ...hex].map((s) => `%${s}%`)],
    );
    found.push(...rows.map((r) => `${table_name}: ${r.row.slice(0, 300)}`));
  }
  return found;
}

/** Redis entries that mention a secret: the event stream carries message bodies for live delivery. */
async function secretsInRedis(): Promise<number> {
  const entries = (await redis.xrange(`${t.config.redisPrefix}:events`, "-", "+")) as [string, string[]][];
  return entries.filter(([, fields]) => fields.some((f) => SECRETS.some((s) => f.toLowerCase().includes(s.toLowerCase())))).length;
}

/** The conversation a reply to the customer's mail would join (by In-Reply-To), if any. */
async function threadOfReply(): Promise<string | null> {
  const client = await t.pool.connect();
  try {
    return (await findThread(client, { inReplyTo: mailExternalId, references: [] }, null))?.row.id ?? null;
  } finally {
    client.release();
  }
}

/** The search's expressions over the columns it indexes (full text, and the substring match pg_trgm serves). */
const searchHits = async (word: string) =>
  (await t.pool.query(
    `SELECT (SELECT count(*)::int FROM messages WHERE to_tsvector('simple', body) @@ plainto_tsquery('simple', $1) OR body ILIKE '%' || $1 || '%')
          + (SELECT count(*)::int FROM customers WHERE to_tsvector('simple', coalesce(display_name, '')) @@ plainto_tsquery('simple', $1) OR display_name ILIKE '%' || $1 || '%')
          + (SELECT count(*)::int FROM identities WHERE value ILIKE '%' || $1 || '%') AS n`,
    [word],
  )).rows[0].n as number;

describe("export", () => {
  it("is one JSON download holding every item about the customer, for admins only, and audited", async () => {
    for (const role of ["agent", "supervisor"] as const) {
      const res = await exportAs(role);
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([403, "FORBIDDEN"]);
    }
    const res = await exportAs("admin");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="customer-${customerId}.json"`);
    const doc = (await res.json()) as Record<string, any>;
    expect(doc.customer).toMatchObject({ id: customerId, displayName: "Zelda Quintessa", tier: "gold" });
    expect(doc.identities.map((i: any) => i.value).sort()).toEqual([PHONE, VISITOR, EMAIL].sort());
    expect(doc.consents).toEqual([expect.objectContaining({ channel: "sms", status: "opted_out", source: "sms_stop" })]);
    expect(doc.consentLedger).toEqual([expect.objectContaining({ channel: "sms", status: "opted_out", source: "sms_stop", evidence: "STOP" })]);
    const byChannel = Object.fromEntries(doc.conversations.map((c: any) => [c.channel, c]));
    expect(Object.keys(byChannel).sort()).toEqual(["chat", "email", "sms"]);
    const bodies = (channel: string) => byChannel[channel].messages.map((m: any) => m.body);
    expect(bodies("sms")).toEqual(expect.arrayContaining(["My order is banana-ledger, please help", "STOP", "Zelda wants mornings-only calls", "queued text pelican-99"]));
    expect(bodies("chat")).toEqual(["chat says marmalade-zebra"]);
    const mail = byChannel.email.messages[0];
    expect(byChannel.email.subject).toBe("Refund for umbrella-42");
    expect(mail.body).toBe("email text says quokka-jam");
    expect(mail.metadata.email.from).toEqual({ address: EMAIL, name: "Zelda Quintessa" });
    expect(mail.email.headers).toContain("Subject: Refund for umbrella-42");
    expect(mail.email.sanitizedHtml).toBe("<p>html says quokka-jam</p>");
    expect(mail.attachments).toEqual([expect.objectContaining({ fileName: "passport-zelda.pdf", contentType: "application/pdf", sizeBytes: 14, url: expect.stringContaining("/files/") })]);
    expect(byChannel.chat.messages[0].attachments[0]).toMatchObject({ fileName: "passport-zelda.png" });
    expect(doc.notes.map((n: any) => n.body)).toEqual(["Prefers mornings-only"]);
    expect(doc.reminders.map((r: any) => r.note)).toEqual(["Call Zelda about umbrella-42"]);
    expect(doc.chatProfiles).toEqual([expect.objectContaining({ visitorId: VISITOR, name: "Zelda Quintessa", email: EMAIL, phone: PHONE })]);
    expect(doc.customer.tags).toEqual(["umbrella-42"]);
    expect(doc.merges).toEqual([expect.objectContaining({ target_customer_id: customerId, snapshot: expect.objectContaining({ movedAddresses: [PHONE] }) })]);
    expect(doc.auditEvents).toEqual([expect.objectContaining({ action: "customer_tier_set", entityId: customerId })]);
    const audit = await t.pool.query(`SELECT actor_id FROM audit_events WHERE action = 'customer.exported' AND entity_id = $1`, [customerId]);
    expect(audit.rows).toEqual([{ actor_id: adminId }]);
  });
});

describe("erase", () => {
  it("is refused for agents and supervisors, and needs a confirmation and a reason", async () => {
    for (const role of ["agent", "supervisor"] as const) {
      const res = await eraseAs(role);
      expect([res.status, res.body.error?.code]).toEqual([403, "FORBIDDEN"]);
    }
    for (const body of [{}, { confirm: false, reason: "Right to erasure" }, { confirm: true }, { confirm: true, reason: "ok", extra: 1 }]) {
      const res = await eraseAs("admin", body);
      expect([res.status, res.body.error?.code]).toEqual([400, "VALIDATION"]);
    }
    expect((await t.pool.query(`SELECT erased_at FROM customers WHERE id = $1`, [customerId])).rows[0].erased_at).toBeNull();
  });

  it("leaves nothing findable, keeps the counts, never sends the queued reply, and a second erase is a conflict", async () => {
    const before = await counts();
    // Before: the secrets are there to find (so the checks below can fail).
    expect((await findSecretsInDatabase()).length).toBeGreaterThan(10);
    expect(await searchHits("quokka")).toBeGreaterThan(0);
    const searchFinds = async (q: string) =>
      (await t.api<{ results: { customer: { id: string } }[] }>(cookies.agent, "GET", `/api/customers/search?${new URLSearchParams({ q })}`)).body.results.some((r) => r.customer.id === customerId);
    for (const q of ["Zelda", "+1 (303) 555-9001", EMAIL, "quokka"]) expect({ q, found: await searchFinds(q) }).toEqual({ q, found: true });
    expect(await secretsInRedis()).toBeGreaterThan(0);
    expect(await threadOfReply()).not.toBeNull();

    const res = await eraseAs("admin");
    expect(res.status).toBe(200);
    expect(res.body.erased).toMatchObject({ customerId, kept: before, cancelledOutbound: 1 });
    expect(await counts()).toEqual(before);

    expect(await findSecretsInDatabase()).toEqual([]);
    for (const word of ["quokka", "zelda", "banana", "marmalade"]) expect({ word, hits: await searchHits(word) }).toEqual({ word, hits: 0 });
    // Nor through the workspace's search, by name, phone in any format, email or a word they wrote.
    for (const q of ["Zelda", "Quintessa", "+1 (303) 555-9001", "3035559001", EMAIL, "quokka", "marmalade"]) {
      const found = await t.api<{ results: { customer: { id: string } }[] }>(cookies.agent, "GET", `/api/customers/search?${new URLSearchParams({ q })}`);
      expect(found.status).toBe(200);
      expect({ q, ids: found.body.results.map((r) => r.customer.id).filter((id) => id === customerId) }).toEqual({ q, ids: [] });
    }
    expect(await secretsInRedis()).toBe(0);
    // A reply to one of their old mails does not bring them back: it threads nowhere, so starts a new customer.
    expect(await threadOfReply()).toBeNull();

    const timeline = await t.api<{ messages: MessageView[] }>(cookies.agent, "GET", `/api/customers/${customerId}/timeline?limit=100`);
    expect(timeline.body.messages).toHaveLength(before.messages);
    expect(SECRETS.filter((s) => JSON.stringify(timeline.body).toLowerCase().includes(s.toLowerCase()))).toEqual([]);
    const exported = await (await exportAs("admin")).text();
    expect(SECRETS.filter((s) => exported.toLowerCase().includes(s.toLowerCase()))).toEqual([]);
    expect(JSON.parse(exported).customer.erasedAt).toBe(res.body.erased.erasedAt);

    // The queued reply: cancelled, and a send job for it sends nothing.
    await t.sb.queues.sendMessage(queuedId);
    await waitForQueuesToDrain(t.sb.queues, { names: ["outbound"] });
    expect((await t.pool.query(`SELECT status, error_code FROM messages WHERE id = $1`, [queuedId])).rows[0]).toEqual({ status: "failed", error_code: "CUSTOMER_ERASED" });
    expect(t.fake.messages().filter((m) => m.form.To === PHONE)).toEqual([]);

    const audit = await t.pool.query(`SELECT actor_id, data FROM audit_events WHERE action = 'customer.erased' AND entity_id = $1`, [customerId]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actor_id: adminId, data: { reason: "Right to erasure request", ...before, cancelledOutbound: 1 } });
    expect(audit.rows[0].data.redactedColumns).toEqual(expect.arrayContaining(["notes.body", "reminders.note", "customer_merges.snapshot"]));
    expect(audit.rows[0].data.customers).toBe(2);
    // Their reminder will not fire.
    expect((await t.pool.query(`SELECT done_at IS NOT NULL AS done FROM reminders WHERE customer_id = $1`, [customerId])).rows).toEqual([{ done: true }]);

    const again = await eraseAs("admin");
    expect([again.status, again.body.error?.code]).toEqual([409, "CONFLICT"]);
    // Nothing is put back on the erased record: no new address, no merge of another record into it.
    const added = await t.api<{ error: { code: string; details: { reason: string } } }>(cookies.agent, "POST", `/api/customers/${customerId}/identities`, { kind: "phone", value: PHONE });
    expect([added.status, added.body.error.details.reason]).toEqual([409, "erased"]);
    const other = (await t.pool.query(`INSERT INTO customers (display_name) VALUES ('Someone Else') RETURNING id`)).rows[0].id;
    const merged = await t.api<{ error: { code: string; details: { reason: string } } }>(cookies.agent, "POST", `/api/customers/${other}/merge`, { into: customerId });
    expect([merged.status, merged.body.error.details.reason]).toEqual([409, "erased"]);
    const renamed = await t.api<{ error: { code: string; details: { reason: string } } }>(cookies.agent, "PATCH", `/api/customers/${customerId}`, { displayName: "Back again" });
    expect([renamed.status, renamed.body.error.details.reason]).toEqual([409, "erased"]);
    const noted = await t.api<{ error: { code: string; details: { reason: string } } }>(cookies.agent, "POST", `/api/customers/${customerId}/notes`, { body: "New personal detail" });
    expect([noted.status, noted.body.error.details.reason]).toEqual([409, "erased"]);
    // The workspace names them as erased, never by a blank or an old address.
    const record = await t.api<{ customer: { displayName: string | null; erasedAt: string | null; tags: string[] } }>(cookies.agent, "GET", `/api/customers/${customerId}`);
    expect(record.body.customer).toMatchObject({ displayName: null, erasedAt: res.body.erased.erasedAt, tags: [] });
    const conversation = (await t.pool.query(`SELECT id FROM conversations WHERE customer_id = $1 LIMIT 1`, [customerId])).rows[0].id;
    const view = await t.api<{ conversation: { customer: { displayName: string } } }>(cookies.agent, "GET", `/api/conversations/${conversation}`);
    expect(view.body.conversation.customer.displayName).toBe("Erased customer");
  });

  it("a new text from the erased phone starts a new customer", async () => {
    const sms = await t.sendSms({ From: PHONE, Body: "Hello again" });
    expect(sms.status).toBe(200);
    const row = await eventually(async () => (await t.pool.query(`SELECT customer_id FROM messages WHERE external_id = $1`, [sms.messageSid])).rows[0]);
    expect(row.customer_id).not.toBe(customerId);
    const identity = await t.pool.query(`SELECT customer_id FROM identities WHERE kind = 'phone' AND value = $1`, [PHONE]);
    expect(identity.rows).toEqual([{ customer_id: row.customer_id }]);
  });
});
