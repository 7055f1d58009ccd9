// Canned replies through the real app: supervisors and admins keep them, every agent lists them (per
// channel), the shortcut is unique, each change is audited, and a reply with a placeholder left is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CannedReplyView } from "../shared/canned-replies.ts";
import { createAgent, createAssignedConversation, createQueue } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

type ErrorAnswer = { error: { code: string; details?: unknown } };
let t: TestApp;
const cookies = {} as Record<"agent" | "supervisor" | "admin", string>;
let agentId: string;
let supervisorId: string;

beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
  for (const role of ["agent", "supervisor", "admin"] as const) {
    const a = await createAgent(t.pool, { role, name: `The ${role}` });
    if (role === "agent") agentId = a.id;
    if (role === "supervisor") supervisorId = a.id;
    cookies[role] = await t.login(a.email);
  }
});
afterAll(async () => t?.close());

const create = (cookie: string, body: unknown) => t.api<{ cannedReply: CannedReplyView } & ErrorAnswer>(cookie, "POST", "/api/canned-replies", body);
const list = async (cookie: string, query = "") =>
  (await t.api<{ cannedReplies: CannedReplyView[] }>(cookie, "GET", `/api/canned-replies${query}`)).body.cannedReplies.map((r) => r.shortcut);
const audits = async (id: string) =>
  (await t.pool.query<{ action: string; actor_id: string; data: Record<string, unknown> }>(
    `SELECT action, actor_id, data FROM audit_events WHERE entity_type = 'canned_reply' AND entity_id = $1 ORDER BY created_at`, [id],
  )).rows;

describe("managing canned replies", () => {
  it("lets a supervisor create, change and delete one, each change audited", async () => {
    const created = await create(cookies.supervisor, { title: "Greeting", shortcut: "greet", body: "Hi {{customer.firstName}}!" });
    expect(created.status).toBe(201);
    const reply = created.body.cannedReply;
    expect(reply).toMatchObject({ title: "Greeting", shortcut: "greet", body: "Hi {{customer.firstName}}!", channel: null, createdBy: { id: supervisorId } });

    const updated = await t.api<{ cannedReply: CannedReplyView }>(cookies.admin, "PATCH", `/api/canned-replies/${reply.id}`, { channel: "sms", title: "Hello" });
    expect(updated.status).toBe(200);
    expect(updated.body.cannedReply).toMatchObject({ title: "Hello", shortcut: "greet", channel: "sms" });

    expect((await t.api(cookies.supervisor, "DELETE", `/api/canned-replies/${reply.id}`)).status).toBe(204);
    expect((await t.pool.query(`SELECT 1 FROM canned_replies WHERE id = $1`, [reply.id])).rowCount).toBe(0);
    expect(await audits(reply.id)).toEqual([
      expect.objectContaining({ action: "canned_reply_created", actor_id: supervisorId, data: { after: expect.objectContaining({ shortcut: "greet" }) } }),
      expect.objectContaining({ action: "canned_reply_updated", data: { before: { title: "Greeting", channel: null }, after: { title: "Hello", channel: "sms" } } }),
      expect.objectContaining({ action: "canned_reply_deleted", actor_id: supervisorId }),
    ]);
    const missing = await t.api<ErrorAnswer>(cookies.admin, "DELETE", `/api/canned-replies/${reply.id}`);
    expect([missing.status, missing.body.error.code]).toEqual([404, "NOT_FOUND"]);
  });

  it("lets an agent list them but not change them", async () => {
    const { body } = await create(cookies.admin, { title: "Thanks", shortcut: "thanks", body: "Thank you!" });
    expect(await list(cookies.agent)).toContain("thanks");
    const attempts = [
      await create(cookies.agent, { title: "Mine", shortcut: "mine", body: "Mine" }),
      await t.api<ErrorAnswer>(cookies.agent, "PATCH", `/api/canned-replies/${body.cannedReply.id}`, { title: "Changed" }),
      await t.api<ErrorAnswer>(cookies.agent, "DELETE", `/api/canned-replies/${body.cannedReply.id}`),
    ];
    expect(attempts.map((a) => [a.status, a.body.error.code])).toEqual(Array(3).fill([403, "FORBIDDEN"]));
    expect((await t.pool.query(`SELECT title FROM canned_replies WHERE id = $1`, [body.cannedReply.id])).rows).toEqual([{ title: "Thanks" }]);
    expect(await list(cookies.agent)).not.toContain("mine");
    expect(await audits(body.cannedReply.id)).toHaveLength(1);
  });

  it("refuses a bad shortcut, an unknown field and a body over 5000 characters", async () => {
    const bad = [
      await create(cookies.admin, { title: "Caps", shortcut: "Hello", body: "x" }),
      await create(cookies.admin, { title: "Space", shortcut: "two words", body: "x" }),
      await create(cookies.admin, { title: "Long", shortcut: "a".repeat(41), body: "x" }),
      await create(cookies.admin, { title: "Extra", shortcut: "extra", body: "x", createdBy: agentId }),
      await create(cookies.admin, { title: "Huge", shortcut: "huge", body: "x".repeat(5001) }),
      await create(cookies.admin, { title: "Channel", shortcut: "fax", body: "x", channel: "fax" }),
    ];
    expect(bad.map((a) => [a.status, a.body.error.code])).toEqual(Array(6).fill([400, "VALIDATION"]));
    expect((await create(cookies.admin, { title: "Max", shortcut: "max-40-" + "a".repeat(33), body: "x".repeat(5000) })).status).toBe(201);
  });

  it("answers 409 CONFLICT naming the field for a shortcut taken, on create and on update", async () => {
    await create(cookies.admin, { title: "One", shortcut: "taken", body: "One" });
    const again = await create(cookies.supervisor, { title: "Two", shortcut: "taken", body: "Two" });
    expect([again.status, again.body.error.code, again.body.error.details]).toEqual([409, "CONFLICT", { field: "shortcut" }]);
    const other = (await create(cookies.admin, { title: "Three", shortcut: "free", body: "Three" })).body.cannedReply;
    const renamed = await t.api<ErrorAnswer>(cookies.admin, "PATCH", `/api/canned-replies/${other.id}`, { shortcut: "taken" });
    expect([renamed.status, renamed.body.error.code, renamed.body.error.details]).toEqual([409, "CONFLICT", { field: "shortcut" }]);
    expect(await audits(other.id)).toHaveLength(1);
  });

  it("lists a channel's own replies and the channel-less ones", async () => {
    await create(cookies.admin, { title: "SMS only", shortcut: "sms-only", body: "x", channel: "sms" });
    await create(cookies.admin, { title: "Email only", shortcut: "email-only", body: "x", channel: "email" });
    await create(cookies.admin, { title: "Anywhere", shortcut: "anywhere", body: "x" });
    const sms = await list(cookies.agent, "?channel=sms");
    expect(sms).toEqual(expect.arrayContaining(["sms-only", "anywhere"]));
    expect(sms).not.toContain("email-only");
    expect(await list(cookies.agent)).toEqual(expect.arrayContaining(["sms-only", "email-only", "anywhere"]));
    const bad = await t.api<ErrorAnswer>(cookies.agent, "GET", "/api/canned-replies?channel=fax");
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION"]);
  });
});

describe("a reply with a variable left unfilled", () => {
  it("is refused with the variables named, and nothing is stored or sent", async () => {
    const conversation = await createAssignedConversation(t.pool, { agentId, customerPhone: "+14155550142" });
    const count = async () => Number((await t.pool.query(`SELECT count(*) FROM messages WHERE conversation_id = $1`, [conversation.id])).rows[0].count);
    const before = await count();
    const refused = await t.api<ErrorAnswer>(cookies.agent, "POST", `/api/conversations/${conversation.id}/messages`, {
      body: "Hi {{customer.firstName}}, this is {{ agent.name }}.",
    });
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([
      400, "VALIDATION", { field: "body", variables: ["customer.firstName", "agent.name"] },
    ]);
    expect(await count()).toBe(before);
    // Braces that are not a placeholder are the customer's text, sent as written.
    const sent = await t.api(cookies.agent, "POST", `/api/conversations/${conversation.id}/messages`, { body: "Use the code {{ 42 }} or {x}" });
    expect(sent.status).toBe(201);
    await t.fake.waitFor((r) => r.form.To === "+14155550142");
    expect(t.fake.messages().filter((r) => r.form.To === "+14155550142").map((r) => r.form.Body)).toEqual(["Use the code {{ 42 }} or {x}"]);
  });
});
