// Internal notes (issue 11, item 7): any agent may note on any conversation, the note is on the timeline
// for agents and never reaches the customer, and "@Name" tells that colleague live.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView } from "../shared/api.ts";
import type { AgentNotice } from "../shared/events.ts";
import { createConversation } from "./support/conversations.ts";
import { createAgent } from "./support/factories.ts";
import { mentionedAgents } from "../server/domain/workspace/add-note.ts";
import { nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";

let t: TestApp;
let owner: { id: string; email: string; name: string };
let other: { id: string; email: string; name: string };
let ann: { id: string; email: string; name: string };

beforeAll(async () => {
  t = await startTestApp();
  owner = await createAgent(t.pool, { name: "Olga Owner" });
  other = await createAgent(t.pool, { name: "Otto Other" });
  ann = await createAgent(t.pool, { name: "Ann Lee" });
  await createAgent(t.pool, { name: "Ann" });
});
afterAll(async () => t?.close());

describe("internal notes", () => {
  it("any agent notes on a conversation not theirs: stored internal, shown to agents, never sent", async () => {
    const c = await createConversation(t.pool, { assignedAgentId: owner.id });
    const cookie = await t.login(other.email);
    const ownerSocket = await t.connectAgent(await t.login(owner.email));
    const before = t.fake.messages().length;
    const seen = nextEvent<MessageView>(ownerSocket, "message:new", (m) => m.kind === "note");
    const res = await t.api<{ message: MessageView }>(cookie, "POST", `/api/conversations/${c.id}/notes`, { body: "Customer called about this too" });
    expect(res.status).toBe(201);
    expect(res.body.message).toMatchObject({ kind: "note", direction: "internal", authorName: "Otto Other", body: "Customer called about this too" });
    expect((await seen).id).toBe(res.body.message.id);
    await waitForQueuesToDrain(t.sb.queues);
    expect(t.fake.messages().length).toBe(before);
    const timeline = await t.api<{ messages: MessageView[] }>(cookie, "GET", `/api/customers/${c.customerId}/timeline`);
    expect(timeline.body.messages.some((m) => m.id === res.body.message.id)).toBe(true);
  });

  it("tells a mentioned colleague live, by their full name, and nobody else", async () => {
    const c = await createConversation(t.pool, { assignedAgentId: owner.id });
    const annSocket = await t.connectAgent(await t.login(ann.email));
    const ownerSocket = await t.connectAgent(await t.login(owner.email));
    let ownerNotices = 0;
    ownerSocket.on("agent:notice", () => ownerNotices++);
    const told = nextEvent<AgentNotice>(annSocket, "agent:notice", (n) => n.kind === "mentioned");
    const res = await t.api(await t.login(other.email), "POST", `/api/conversations/${c.id}/notes`, { body: "@Ann Lee can you check the refund?" });
    expect(res.status).toBe(201);
    const notice = await told;
    expect(notice.conversationId).toBe(c.id);
    expect(notice.message).toContain("Otto Other mentioned you");
    const stored = await t.pool.query<{ metadata: { mentions: string[] } }>(`SELECT metadata FROM messages WHERE kind = 'note' AND conversation_id = $1`, [c.id]);
    expect(stored.rows[0]!.metadata.mentions).toEqual([ann.id]);
    expect(ownerNotices).toBe(0);
  });

  it("refuses an empty note and stores a retried one once", async () => {
    const c = await createConversation(t.pool);
    const cookie = await t.login(other.email);
    const empty = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/${c.id}/notes`, { body: "   " });
    expect([empty.status, empty.body.error.code]).toEqual([400, "VALIDATION"]);
    const body = { body: "Once", idempotencyKey: "note-key-123456" };
    const a = await t.api<{ message: MessageView }>(cookie, "POST", `/api/conversations/${c.id}/notes`, body);
    const b = await t.api<{ message: MessageView }>(cookie, "POST", `/api/conversations/${c.id}/notes`, body);
    expect(b.body.message.id).toBe(a.body.message.id);
    const missing = await t.api<{ error: { code: string } }>(cookie, "POST", `/api/conversations/00000000-0000-4000-8000-000000000000/notes`, { body: "x" });
    expect([missing.status, missing.body.error.code]).toEqual([404, "NOT_FOUND"]);
  });
});

describe("mentionedAgents", () => {
  const agents = [{ id: "1", name: "Ann" }, { id: "2", name: "Ann Lee" }, { id: "3", name: "Bo" }];
  it.each([
    ["@Ann Lee please", ["2"]],
    ["@ann please", ["1"]],
    ["thanks @Bo and @Ann", ["3", "1"]],
    ["mail bob@annex.com", []],
    ["write to bob@bo.com", []],
    ["@Bobby", []],
  ])("%j mentions %j", (body, ids) => {
    expect(mentionedAgents(body, agents)).toEqual(ids);
  });
});
