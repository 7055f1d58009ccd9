// The rules behind the table in test/authorization.test.ts, one by one: a conversation is changed by
// its assigned agent or a supervisor (others are told who owns it); a call is transferred only to an
// agent who can take it; a forward phone is set by an admin or by a code texted to it; every change
// of an agent, queue, widget or forward phone leaves an audit row.
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation } from "./support/conversations.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let owner: { id: string; name: string; cookie: string };
let other: { id: string; cookie: string };
let supervisor: { id: string; name: string; cookie: string };
let admin: { id: string; cookie: string };
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false });

beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
  const signIn = async (a: { id: string; email: string; name: string }) => ({ ...a, cookie: await t.login(a.email) });
  owner = await signIn(await createAgent(t.pool, { name: "Olive Owner", presence: "available" }));
  other = await signIn(await createAgent(t.pool, { name: "Otto Other", presence: "available" }));
  supervisor = await signIn(await createAgent(t.pool, { name: "Sam Supervisor", role: "supervisor" }));
  admin = await signIn(await createAgent(t.pool, { name: "Ada Admin", role: "admin" }));
});
afterAll(async () => t?.close());

type ErrorReply = { error?: { code: string; details?: Record<string, unknown> } };
const audits = async (entityId: string, action: string) =>
  (await t.pool.query(`SELECT actor_id, data FROM audit_events WHERE entity_id = $1 AND action = $2 ORDER BY created_at`, [entityId, action])).rows;

describe("a conversation someone else is assigned", () => {
  it("can be read by any agent, but only its agent or a supervisor replies, resolves, controls or wraps up; the others are told who owns it", async () => {
    const sms = await createConversation(t.pool, { channel: "sms", assignedAgentId: owner.id });
    const call = await createConversation(t.pool, { channel: "voice", assignedAgentId: owner.id });
    const ownedBy = { code: "NOT_ASSIGNED", details: { assignedAgentId: owner.id, assignedAgentName: "Olive Owner" } };

    expect((await t.api(other.cookie, "GET", `/api/conversations/${sms.id}`)).status).toBe(200);
    const attempts = [
      ["POST", `/api/conversations/${sms.id}/messages`, { body: "I'll take this" }],
      ["POST", `/api/conversations/${sms.id}/resolve`, undefined],
      ["POST", `/api/conversations/${call.id}/call`, { action: "transfer", toAgentId: other.id }],
      ["POST", `/api/conversations/${call.id}/call`, { action: "hangup" }],
      ["POST", `/api/conversations/${call.id}/wrap-up`, { disposition: "resolved" }],
    ] as const;
    for (const [method, path, body] of attempts) {
      const res = await t.api<ErrorReply>(other.cookie, method, path, body);
      expect({ path, status: res.status, error: res.body.error }).toMatchObject({ path, status: 403, error: ownedBy });
    }
    // Nothing happened: no reply stored or sent, still open, still the owner's, Twilio never asked.
    const rows = await t.pool.query(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = ANY($1) AND direction <> 'inbound'`, [[sms.id, call.id]]);
    expect(rows.rows[0].n).toBe(0);
    const state = await t.pool.query(`SELECT status, assigned_agent_id FROM conversations WHERE id = ANY($1)`, [[sms.id, call.id]]);
    expect(state.rows).toEqual([{ status: "assigned", assigned_agent_id: owner.id }, { status: "assigned", assigned_agent_id: owner.id }]);
    expect(t.fake.callUpdates().filter((r) => r.path.includes(call.callSid!))).toEqual([]);

    // A supervisor may step in.
    const reply = await t.api<{ message: { authorAgentId: string } }>(supervisor.cookie, "POST", `/api/conversations/${sms.id}/messages`, { body: "Supervisor here" });
    expect(reply.status).toBe(201);
    expect(reply.body.message.authorAgentId).toBe(supervisor.id);
    await t.fake.waitFor((r) => r.form.To === sms.phone && r.form.Body === "Supervisor here");
    expect((await t.api(supervisor.cookie, "POST", `/api/conversations/${sms.id}/resolve`)).status).toBe(200);
  });

  it("nobody owns a waiting conversation: an agent must take it first", async () => {
    const waiting = await createConversation(t.pool, { channel: "sms", assignedAgentId: null });
    const res = await t.api<ErrorReply>(other.cookie, "POST", `/api/conversations/${waiting.id}/messages`, { body: "Hi" });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "NOT_ASSIGNED", details: { assignedAgentId: null, assignedAgentName: null } });
  });

  it("a supervisor who wraps up a call ends the wrap-up of the agent who took it", async () => {
    const call = await createConversation(t.pool, { channel: "voice", assignedAgentId: owner.id });
    await t.pool.query(`UPDATE agents SET presence = 'wrap_up' WHERE id = $1`, [owner.id]);
    expect((await t.api(supervisor.cookie, "POST", `/api/conversations/${call.id}/wrap-up`, { disposition: "follow_up" })).status).toBe(200);
    expect((await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [owner.id])).rows[0].presence).toBe("available");
    expect((await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [supervisor.id])).rows[0].presence).toBe("offline");
  });
});

describe("a call transfer", () => {
  it("goes only to an agent who is available with a free line, or to a queue", async () => {
    const call = await createConversation(t.pool, { channel: "voice", assignedAgentId: owner.id });
    const offline = await createAgent(t.pool, { name: "Off Line", presence: "offline" });
    const away = await createAgent(t.pool, { name: "A. Way", presence: "away" });
    const busy = await createAgent(t.pool, { name: "Bea Busy", presence: "busy" });
    const full = await createAgent(t.pool, { name: "Full Line", presence: "available" });
    await createConversation(t.pool, { channel: "voice", assignedAgentId: full.id });
    const free = await createAgent(t.pool, { name: "Free Line", presence: "available" });
    const transfer = (toAgentId: string) => t.api<ErrorReply>(owner.cookie, "POST", `/api/conversations/${call.id}/call`, { action: "transfer", toAgentId });

    for (const [agent, reason, presence] of [[offline, "not_available", "offline"], [away, "not_available", "away"], [busy, "not_available", "busy"], [full, "no_free_capacity", "available"]] as const) {
      const res = await transfer(agent.id);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: "AGENT_UNAVAILABLE", details: { agentId: agent.id, name: agent.name, presence, reason } });
    }
    expect((await t.pool.query(`SELECT assigned_agent_id FROM conversations WHERE id = $1`, [call.id])).rows[0].assigned_agent_id).toBe(owner.id);
    expect(t.fake.callUpdates().filter((r) => r.path.includes(call.callSid!))).toEqual([]);

    const listed = (await t.api<{ agents: { id: string }[] }>(owner.cookie, "GET", "/api/transfer-targets")).body.agents.map((a) => a.id);
    expect(listed).toContain(free.id);
    for (const unable of [offline.id, away.id, busy.id, full.id, owner.id]) expect(listed).not.toContain(unable);

    expect((await transfer(free.id)).status).toBe(200);
    const redirect = await t.fake.waitFor((r) => r.path.endsWith(`/Calls/${call.callSid}.json`));
    expect(xml.parse(redirect.form.Twiml!).Response.Dial.Client).toBe(`agent-${free.id}`);
    expect((await t.pool.query(`SELECT assigned_agent_id FROM conversations WHERE id = $1`, [call.id])).rows[0].assigned_agent_id).toBe(free.id);

    // A supervisor sends it on to another queue: back in line there.
    const billing = await createQueue(t.pool, { name: "Billing" });
    const queued = await t.api(supervisor.cookie, "POST", `/api/conversations/${call.id}/call`, { action: "transfer_to_queue", queueId: billing.id });
    expect(queued.status).toBe(200);
    const moved = await t.pool.query(`SELECT queue_id, assigned_agent_id FROM conversations WHERE id = $1`, [call.id]);
    expect(moved.rows[0]).toEqual({ queue_id: billing.id, assigned_agent_id: null });
  });
});

describe("an agent's forward phone", () => {
  const codeTextedTo = async (phone: string, nth = 1) => {
    await t.fake.waitFor(() => t.fake.messages().filter((r) => r.form.To === phone).length >= nth);
    const texts = t.fake.messages().filter((r) => r.form.To === phone);
    return /\b(\d{6})\b/.exec(texts[nth - 1]!.form.Body!)![1]!;
  };
  const forwardPhone = async (id: string) => (await t.pool.query(`SELECT forward_phone FROM agents WHERE id = $1`, [id])).rows[0].forward_phone;

  it("is set only once the code texted to it comes back: wrong and expired codes are refused, requests are limited", async () => {
    const agent = await createAgent(t.pool, { name: "Phil Phone" });
    const cookie = await t.login(agent.email);
    const ask = () => t.api<{ verification: { phone: string; attemptsLeft: number }; error?: { code: string } }>(cookie, "PUT", "/api/me/phone", { phone: "(415) 555-0142" });
    const confirm = (code: string) => t.api<ErrorReply & { agent: { forwardPhone: string } }>(cookie, "POST", "/api/me/phone/confirm", { code });

    const asked = await ask();
    expect(asked.status).toBe(202);
    expect(asked.body.verification).toMatchObject({ phone: "+14155550142", attemptsLeft: 5 });
    const code = await codeTextedTo("+14155550142");
    expect(await forwardPhone(agent.id)).toBeNull();
    const stored = await t.pool.query(`SELECT code_hash FROM forward_phone_codes WHERE agent_id = $1`, [agent.id]);
    expect(stored.rows[0].code_hash).not.toContain(code);

    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const refused = await confirm(wrong);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "VERIFICATION_FAILED", details: { reason: "wrong_code", attemptsLeft: 4 } });
    expect(await forwardPhone(agent.id)).toBeNull();
    const confirmed = await confirm(code);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.agent.forwardPhone).toBe("+14155550142");
    expect(await audits(agent.id, "agent_forward_phone_changed")).toEqual([{ actor_id: agent.id, data: { before: null, after: "+14155550142", via: "code" } }]);
    expect((await confirm(code)).body.error).toMatchObject({ code: "VERIFICATION_FAILED", details: { reason: "no_code" } });

    // A code past its time is refused, even when right.
    await ask();
    const late = await codeTextedTo("+14155550142", 2);
    await t.pool.query(`UPDATE forward_phone_codes SET expires_at = now() - interval '1 second' WHERE agent_id = $1 AND confirmed_at IS NULL`, [agent.id]);
    expect((await confirm(late)).body.error).toMatchObject({ code: "VERIFICATION_FAILED", details: { reason: "expired" } });

    // Three codes an hour: each is a text the business pays for.
    expect((await ask()).status).toBe(202);
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe("RATE_LIMITED");
    expect(t.fake.messages().filter((r) => r.form.To === "+14155550142").length).toBe(3);
  });

  it("takes five wrong tries, then not even the right code", async () => {
    const agent = await createAgent(t.pool);
    const cookie = await t.login(agent.email);
    await t.api(cookie, "PUT", "/api/me/phone", { phone: "+14155550177" });
    const code = await codeTextedTo("+14155550177");
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const tries = await Promise.all([1, 2, 3, 4, 5, 6].map(() => t.api<ErrorReply>(cookie, "POST", "/api/me/phone/confirm", { code: wrong })));
    // Parallel guesses are counted one by one: five wrong ones, then refused outright.
    const reasons = tries.map((r) => r.body.error?.details?.reason).sort();
    expect(reasons).toEqual(["too_many_attempts", "wrong_code", "wrong_code", "wrong_code", "wrong_code", "wrong_code"]);
    const last = await t.api<ErrorReply>(cookie, "POST", "/api/me/phone/confirm", { code });
    expect(last.body.error).toMatchObject({ code: "VERIFICATION_FAILED", details: { reason: "too_many_attempts" } });
    expect(await forwardPhone(agent.id)).toBeNull();
  });

  it("is set directly by an admin, audited; an agent cannot set another's", async () => {
    const agent = await createAgent(t.pool);
    expect((await t.api<ErrorReply>(other.cookie, "PUT", `/api/agents/${agent.id}/phone`, { phone: "+14155550166" })).body.error?.code).toBe("FORBIDDEN");
    const set = await t.api<{ agent: { forwardPhone: string } }>(admin.cookie, "PUT", `/api/agents/${agent.id}/phone`, { phone: "+14155550166" });
    expect(set.body.agent.forwardPhone).toBe("+14155550166");
    expect(await audits(agent.id, "agent_forward_phone_changed")).toEqual([{ actor_id: admin.id, data: { before: null, after: "+14155550166", via: "admin" } }]);
  });
});

describe("admin changes", () => {
  it("of an agent's role, name, skills and capacity are validated and audited with before and after", async () => {
    const agent = await createAgent(t.pool, { name: "Nia New", capacity: { chat: 3 } });
    const patch = (body: unknown, cookie = admin.cookie) => t.api<ErrorReply & { agent: Record<string, unknown> }>(cookie, "PATCH", `/api/agents/${agent.id}`, body);
    for (const bad of [{}, { role: "king" }, { capacity: { chat: 99 } }, { password: "x" }]) expect((await patch(bad)).status).toBe(400);
    expect((await patch({ role: "admin" }, supervisor.cookie)).body.error?.code).toBe("FORBIDDEN");

    const changed = await patch({ role: "supervisor", skills: ["billing"], capacity: { chat: 5 } });
    expect(changed.status).toBe(200);
    expect(changed.body.agent).toMatchObject({ role: "supervisor", skills: ["billing"], capacity: { voice: 1, chat: 5, sms: 5, email: 8 } });
    const [row] = await audits(agent.id, "agent_updated");
    expect(row).toEqual({
      actor_id: admin.id,
      data: {
        before: { role: "agent", skills: [], capacity: { voice: 1, chat: 3, sms: 5, email: 8 } },
        after: { role: "supervisor", skills: ["billing"], capacity: { voice: 1, chat: 5, sms: 5, email: 8 } },
      },
    });
  });

  it("keep one admin at least", async () => {
    await t.pool.query(`UPDATE agents SET role = 'agent' WHERE role = 'admin' AND id <> $1`, [admin.id]);
    const res = await t.api<ErrorReply>(admin.cookie, "PATCH", `/api/agents/${admin.id}`, { role: "agent" });
    expect(res.body.error?.code).toBe("CONFLICT");
  });

  it("of agents, queues and widgets each leave an audit row", async () => {
    const created = await t.api<{ agent: { id: string } }>(admin.cookie, "POST", "/api/agents", { email: "audit.me@example.test", name: "Audit Me", password: "a long enough password", role: "supervisor" });
    expect((await audits(created.body.agent.id, "agent_created"))[0]).toMatchObject({ actor_id: admin.id, data: { after: { role: "supervisor", email: "audit.me@example.test" } } });

    const queue = await createQueue(t.pool);
    await t.api(admin.cookie, "PUT", `/api/queues/${queue.id}`, { maxWaitSeconds: 120, requiredSkills: ["spanish"] });
    expect(await audits(queue.id, "queue_updated")).toEqual([
      { actor_id: admin.id, data: { before: { maxWaitSeconds: 600, requiredSkills: [] }, after: { maxWaitSeconds: 120, requiredSkills: ["spanish"] } } },
    ]);

    const widget = await t.api<{ widget: { publicKey: string } }>(admin.cookie, "POST", "/api/widgets", { name: "Shop", allowedOrigins: ["https://shop.example.test"] });
    expect(await audits(widget.body.widget.publicKey, "widget_created")).toEqual([{ actor_id: admin.id, data: { name: "Shop", allowedOrigins: ["https://shop.example.test"], queueId: null } }]);
    // Supervisors read the widgets, without the signing secret.
    const seen = await t.api<{ widgets: { publicKey: string; identitySecret: string | null }[] }>(supervisor.cookie, "GET", "/api/widgets");
    expect(seen.body.widgets.find((w) => w.publicKey === widget.body.widget.publicKey)!.identitySecret).toBeNull();
  });
});
