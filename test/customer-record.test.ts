// The customer record (issue 11, items 1 and 2): any agent reads and edits a customer (name, tags),
// each change audited and told live to colleagues watching; notes about the customer; and the work
// list names every customer and shows the last message, unread count and waiting time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConversationView, CustomerView, MyWorkResponse } from "../shared/api.ts";
import type { CustomerNoteView } from "../shared/customers.ts";
import { createConversation } from "./support/conversations.ts";
import { createAgent, createCustomer } from "./support/factories.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let ann: { id: string; email: string; name: string };
let bob: { id: string; email: string; name: string };

beforeAll(async () => {
  t = await startTestApp();
  ann = await createAgent(t.pool, { name: "Ann Agent" });
  bob = await createAgent(t.pool, { name: "Bob Agent" });
});
afterAll(async () => t?.close());

type Err = { error: { code: string; details?: unknown } };

describe("editing a customer", () => {
  it("renames and tags a customer, audits it with before and after, and tells a colleague watching", async () => {
    const c = await createConversation(t.pool, { assignedAgentId: ann.id });
    const bobSocket = await t.connectAgent(await t.login(bob.email));
    await bobSocket.emitWithAck("customer:watch", { customerId: c.customerId });
    const told = nextEvent<{ customerId: string }>(bobSocket, "customer:updated", (e) => e.customerId === c.customerId);

    const cookie = await t.login(ann.email);
    const res = await t.api<{ customer: CustomerView }>(cookie, "PATCH", `/api/customers/${c.customerId}`, { displayName: " Pat Jones ", tags: ["VIP", "billing", "vip "] });
    expect(res.status).toBe(200);
    expect(res.body.customer).toMatchObject({ id: c.customerId, displayName: "Pat Jones", tags: ["vip", "billing"] });
    await told;

    const audit = await t.pool.query(`SELECT actor_id, data FROM audit_events WHERE action = 'customer_updated' AND entity_id = $1`, [c.customerId]);
    expect(audit.rows).toEqual([
      { actor_id: ann.id, data: { before: { displayName: "Pat Customer", tags: [] }, after: { displayName: "Pat Jones", tags: ["vip", "billing"] } } },
    ]);
    const read = await t.api<{ customer: CustomerView }>(cookie, "GET", `/api/customers/${c.customerId}`);
    expect(read.body.customer).toMatchObject({ displayName: "Pat Jones", tags: ["vip", "billing"], tierSource: "derived", lifetimeValue: null });
    expect(read.body.customer.identities).toEqual([{ kind: "phone", value: c.phone, verified: true, source: expect.any(String), createdAt: expect.any(String) }]);
  });

  it("refuses bad edits with VALIDATION and changes nothing", async () => {
    const c = await createConversation(t.pool);
    const cookie = await t.login(bob.email);
    for (const body of [{}, { tags: ["a".repeat(33)] }, { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, { tags: ["<script>"] }, { displayName: "x".repeat(121) }, { nickname: "x" }]) {
      const res = await t.api<Err>(cookie, "PATCH", `/api/customers/${c.customerId}`, body);
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, "VALIDATION"]);
    }
    const missing = await t.api<Err>(cookie, "PATCH", `/api/customers/00000000-0000-4000-8000-000000000000`, { tags: [] });
    expect([missing.status, missing.body.error.code]).toEqual([404, "NOT_FOUND"]);
    const { rows } = await t.pool.query(`SELECT display_name, tags FROM customers WHERE id = $1`, [c.customerId]);
    expect(rows[0]).toEqual({ display_name: "Pat Customer", tags: [] });
    expect((await t.pool.query(`SELECT 1 FROM audit_events WHERE entity_id = $1`, [c.customerId])).rowCount).toBe(0);
  });

  it("keeps notes about the customer, newest first, with their author, audited", async () => {
    const c = await createConversation(t.pool);
    const cookie = await t.login(ann.email);
    const first = await t.api<{ note: CustomerNoteView }>(cookie, "POST", `/api/customers/${c.customerId}/notes`, { body: "Prefers email after 6pm" });
    expect(first.status).toBe(201);
    const second = await t.api<{ note: CustomerNoteView }>(await t.login(bob.email), "POST", `/api/customers/${c.customerId}/notes`, { body: "Hard of hearing: use chat" });
    const list = await t.api<{ notes: CustomerNoteView[] }>(cookie, "GET", `/api/customers/${c.customerId}/notes`);
    expect(list.body.notes.map((n) => [n.body, n.author.name])).toEqual([
      ["Hard of hearing: use chat", "Bob Agent"],
      ["Prefers email after 6pm", "Ann Agent"],
    ]);
    expect(list.body.notes[0]!.id).toBe(second.body.note.id);
    const empty = await t.api<Err>(cookie, "POST", `/api/customers/${c.customerId}/notes`, { body: "  " });
    expect([empty.status, empty.body.error.code]).toEqual([400, "VALIDATION"]);
    const audited = await t.pool.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'customer_note_added' AND entity_id = $1`, [c.customerId]);
    expect(audited.rows[0].n).toBe(2);
  });
});

describe("the work list", () => {
  it("shows each conversation's last message and the customer's messages no agent has seen, cleared when seen", async () => {
    const c = await createConversation(t.pool, { assignedAgentId: ann.id });
    await t.sendSms({ From: c.phone, Body: "Are you there?" });
    const cookie = await t.login(ann.email);
    const mine = async () => (await t.api<MyWorkResponse>(cookie, "GET", "/api/me/work")).body.conversations.find((x) => x.id === c.id)!;
    const before = await eventually(async () => {
      const x = await mine();
      return x.unreadCount === 2 ? x : null;
    });
    expect(before.preview).toMatchObject({ body: "Are you there?", direction: "inbound", kind: "text" });

    const socket = await t.connectAgent(cookie);
    const read = nextEvent(socket, "message:updated");
    socket.emit("conversation:seen", { conversationId: c.id });
    await read;
    expect((await mine()).unreadCount).toBe(0);
  });

  it("names a customer without a name by phone or email, and a chat visitor never by their id", async () => {
    const visitor = await createCustomer(t.pool);
    await t.pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'chat_visitor', 'visitor-123456', true, 'chat:w')`, [visitor.id]);
    const chat = await t.pool.query<{ id: string }>(
      `INSERT INTO conversations (customer_id, channel, status, customer_address, assigned_agent_id) VALUES ($1, 'chat', 'assigned', 'visitor-123456', $2) RETURNING id`,
      [visitor.id, bob.id],
    );
    const cookie = await t.login(bob.email);
    const named = async () => (await t.api<MyWorkResponse>(cookie, "GET", "/api/me/work")).body.conversations.find((x) => x.id === chat.rows[0]!.id)!;
    expect((await named()).customer.displayName).toBe("Web visitor");
    await t.pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'email', 'pat@example.test', true, 'chat:verified:w')`, [visitor.id]);
    const withEmail: ConversationView = await named();
    expect(withEmail.customer.displayName).toBe("pat@example.test");
    expect(JSON.stringify(withEmail.customer)).not.toContain("visitor-123456");
  });
});
