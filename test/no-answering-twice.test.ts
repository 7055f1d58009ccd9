// Nobody answers twice (issue 11, item 6): who has a customer open is shown live to everyone watching,
// and a reply to a customer a colleague answered since the agent looked, on any channel, asks first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView } from "../shared/api.ts";
import { createConversation } from "./support/conversations.ts";
import { createAgent } from "./support/factories.ts";
import { nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

type Viewers = { customerId: string; viewers: { agentId: string; name: string }[] };

describe("who has the customer open", () => {
  it("is told to everyone watching, and updated when one of them leaves", async () => {
    const c = await createConversation(t.pool);
    const a = await createAgent(t.pool, { name: "Ada Alpha" });
    const b = await createAgent(t.pool, { name: "Ben Beta" });
    const sa = await t.connectAgent(await t.login(a.email));
    const sb = await t.connectAgent(await t.login(b.email));
    const watch = (s: typeof sa) => new Promise((resolve) => s.emit("customer:watch", { customerId: c.customerId }, resolve));
    await watch(sa);
    const both = nextEvent<Viewers>(sa, "customer:viewers", (e) => e.customerId === c.customerId && e.viewers.length === 2);
    await watch(sb);
    expect((await both).viewers.map((v) => v.name)).toEqual(["Ada Alpha", "Ben Beta"]);
    const alone = nextEvent<Viewers>(sa, "customer:viewers", (e) => e.customerId === c.customerId && e.viewers.length === 1);
    sb.disconnect();
    expect((await alone).viewers).toEqual([{ agentId: a.id, name: "Ada Alpha" }]);
  });
});

describe("a reply to a customer someone else answered since I looked", () => {
  it("is refused with that answer, on any channel, and goes once confirmed", async () => {
    const me = await createAgent(t.pool, { name: "Mia Mine" });
    const colleague = await createAgent(t.pool, { name: "Sam Super", role: "supervisor" });
    const sms = await createConversation(t.pool, { assignedAgentId: me.id });
    // The same customer in a chat that my colleague has.
    const chat = await t.pool.query<{ id: string }>(
      `INSERT INTO conversations (customer_id, channel, status, customer_address, assigned_agent_id) VALUES ($1, 'chat', 'assigned', 'visitor-x', $2) RETURNING id`,
      [sms.customerId, colleague.id],
    );
    const mine = await t.login(me.email);
    const theirs = await t.login(colleague.email);
    const seenAt = new Date(Date.now() - 1000).toISOString();
    // My own earlier answer never asks.
    expect((await t.api(mine, "POST", `/api/conversations/${sms.id}/messages`, { body: "First from me", seenAt })).status).toBe(201);
    expect((await t.api(theirs, "POST", `/api/conversations/${chat.rows[0]!.id}/messages`, { body: "Sam here: it ships today" })).status).toBe(201);

    const count = async () => Number((await t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE conversation_id = $1 AND direction = 'outbound'`, [sms.id])).rows[0]!.n);
    const before = await count();
    const refused = await t.api<{ error: { code: string; details: { reason: string; message: MessageView } } }>(mine, "POST", `/api/conversations/${sms.id}/messages`, { body: "It ships tomorrow", seenAt });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("CONFLICT");
    expect(refused.body.error.details.reason).toBe("answered_since_seen");
    expect(refused.body.error.details.message).toMatchObject({ channel: "chat", authorName: "Sam Super", body: "Sam here: it ships today" });
    expect(await count()).toBe(before);

    // Having read it (a newer seenAt), or confirming, the reply goes.
    const read = refused.body.error.details.message.createdAt;
    expect((await t.api(mine, "POST", `/api/conversations/${sms.id}/messages`, { body: "Read it, thanks", seenAt: read })).status).toBe(201);
    expect((await t.api(mine, "POST", `/api/conversations/${sms.id}/messages`, { body: "Anyway", seenAt, confirmed: true })).status).toBe(201);
    expect(await count()).toBe(before + 2);
  });

  it("refuses a seenAt that is not a time", async () => {
    const me = await createAgent(t.pool);
    const c = await createConversation(t.pool, { assignedAgentId: me.id });
    const bad = await t.api<{ error: { code: string } }>(await t.login(me.email), "POST", `/api/conversations/${c.id}/messages`, { body: "x", seenAt: "yesterday" });
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION"]);
  });
});
