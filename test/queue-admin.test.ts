// The admin API of queues (issue 9, items 2 and 6): queues with a default and overflow, members with
// levels, service targets per tier and channel, tier thresholds, a customer's tier, and Twilio numbers;
// validated, role-checked and audited, through the real app and database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomerTierView, PhoneNumberView, QueueMemberView, QueueView, ServiceTargetView, TierThresholds } from "../shared/queues.ts";
import { createConversation } from "./support/conversations.ts";
import { createAgent, createCustomer, createQueue } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

type ErrorAnswer = { error: { code: string; details?: { path: (string | number)[] }[] } };

let t: TestApp;
let admin: string;
let supervisor: string;
let agent: string;
let supportId: string;
beforeAll(async () => {
  t = await startTestApp();
  // The install's first queue is the default.
  supportId = (await createQueue(t.pool, { name: "Support" })).id;
  admin = await t.login((await createAgent(t.pool, { role: "admin" })).email);
  supervisor = await t.login((await createAgent(t.pool, { role: "supervisor" })).email);
  agent = await t.login((await createAgent(t.pool, { role: "agent" })).email);
});
afterAll(async () => t?.close());

let seq = 0;
const newQueue = async (body: Record<string, unknown> = {}) => {
  const res = await t.api<{ queue: QueueView }>(admin, "POST", "/api/queues", { name: `Queue ${++seq}`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.queue;
};
/** The answer's error code and the field it names. */
const refusal = (res: { status: number; body: unknown }) => {
  const error = (res.body as ErrorAnswer).error;
  return { status: res.status, code: error?.code, field: error?.details?.[0]?.path.join(".") };
};
const audits = async (entityId: string) =>
  (await t.pool.query(`SELECT action, actor_id, data FROM audit_events WHERE entity_id = $1 ORDER BY created_at, id`, [entityId])).rows;

describe("queues", () => {
  it("are created and changed by admins only, read by everyone, each change audited", async () => {
    const body = { name: "Billing", requiredSkills: ["billing"], timezone: "Europe/Paris", afterMaxWait: "voicemail" };
    expect(refusal(await t.api(agent, "POST", "/api/queues", body))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect(refusal(await t.api(supervisor, "POST", "/api/queues", body))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    const created = await t.api<{ queue: QueueView }>(admin, "POST", "/api/queues", body);
    expect(created.status).toBe(201);
    const billing = created.body.queue;
    expect(billing).toMatchObject({ ...body, isDefault: false, overflowQueueId: null, overflowAfterSeconds: null, overflowWhenUnstaffed: false, maxWaitSeconds: 600 });
    expect(refusal(await t.api(admin, "POST", "/api/queues", { name: "Billing" }))).toMatchObject({ status: 409, code: "CONFLICT" });

    // Agents list queues (to send a call to another one) but do not change them.
    const listed = await t.api<{ queues: QueueView[] }>(agent, "GET", "/api/queues");
    expect(listed.body.queues.map((q) => q.name)).toEqual(expect.arrayContaining(["Support", "Billing"]));
    expect((await t.api<{ queue: QueueView }>(agent, "GET", `/api/queues/${billing.id}`)).body.queue).toEqual(billing);
    expect(refusal(await t.api(agent, "PUT", `/api/queues/${billing.id}`, { maxWaitSeconds: 60 }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect(refusal(await t.api(supervisor, "PUT", `/api/queues/${billing.id}`, { maxWaitSeconds: 60 }))).toMatchObject({ status: 403, code: "FORBIDDEN" });

    const changed = await t.api<{ queue: QueueView }>(admin, "PUT", `/api/queues/${billing.id}`, {
      overflowQueueId: supportId,
      overflowAfterSeconds: 90,
      overflowWhenUnstaffed: true,
    });
    expect(changed.body.queue).toMatchObject({ overflowQueueId: supportId, overflowAfterSeconds: 90, overflowWhenUnstaffed: true, name: "Billing" });
    const log = await audits(billing.id);
    expect(log.map((a) => a.action)).toEqual(["queue_created", "queue_updated"]);
    expect(log[1].data).toEqual({
      before: { overflowQueueId: null, overflowAfterSeconds: null, overflowWhenUnstaffed: false },
      after: { overflowQueueId: supportId, overflowAfterSeconds: 90, overflowWhenUnstaffed: true },
    });
    expect(refusal(await t.api(admin, "GET", `/api/queues/00000000-0000-4000-8000-000000000000`))).toMatchObject({ status: 404, code: "NOT_FOUND" });
  });

  it("refuse a bad time zone, an overflow to itself, to no queue, or round in a circle, naming the field", async () => {
    const a = await newQueue();
    const b = await newQueue({ overflowQueueId: a.id });
    const c = await newQueue({ overflowQueueId: b.id });
    expect(refusal(await t.api(admin, "PUT", `/api/queues/${a.id}`, { timezone: "Mars/Olympus" }))).toEqual({ status: 400, code: "VALIDATION", field: "timezone" });
    expect(refusal(await t.api(admin, "POST", "/api/queues", { name: "Zoned", timezone: "Not/AZone" }))).toEqual({ status: 400, code: "VALIDATION", field: "timezone" });
    expect(refusal(await t.api(admin, "PUT", `/api/queues/${a.id}`, { overflowQueueId: a.id }))).toEqual({ status: 400, code: "VALIDATION", field: "overflowQueueId" });
    const nowhere = "00000000-0000-4000-8000-000000000000";
    expect(refusal(await t.api(admin, "PUT", `/api/queues/${a.id}`, { overflowQueueId: nowhere }))).toEqual({ status: 400, code: "VALIDATION", field: "overflowQueueId" });
    // c → b → a: a overflowing to c would close the circle.
    expect(refusal(await t.api(admin, "PUT", `/api/queues/${a.id}`, { overflowQueueId: c.id }))).toEqual({ status: 400, code: "VALIDATION", field: "overflowQueueId" });
    expect(refusal(await t.api(admin, "PUT", `/api/queues/${a.id}`, { overflowAfterSeconds: 30 }))).toEqual({ status: 400, code: "VALIDATION", field: "overflowQueueId" });
    expect(refusal(await t.api(admin, "PUT", `/api/queues/${a.id}`, { afterMaxWait: "email" }))).toEqual({ status: 400, code: "VALIDATION", field: "afterMaxWait" });
    // None of it changed anything.
    expect((await t.pool.query(`SELECT overflow_queue_id, timezone FROM queues WHERE id = $1`, [a.id])).rows[0]).toEqual({ overflow_queue_id: null, timezone: "UTC" });
    expect((await audits(a.id)).map((r) => r.action)).toEqual(["queue_created"]);
    // Breaking the chain first makes the same overflow fine.
    expect((await t.api(admin, "PUT", `/api/queues/${b.id}`, { overflowQueueId: null })).status).toBe(200);
    expect((await t.api<{ queue: QueueView }>(admin, "PUT", `/api/queues/${a.id}`, { overflowQueueId: c.id })).body.queue.overflowQueueId).toBe(c.id);
  });

  it("have one default: making another the default unsets the previous one in the same step", async () => {
    const defaults = async () => (await t.pool.query(`SELECT id FROM queues WHERE is_default`)).rows.map((r) => r.id);
    expect(await defaults()).toEqual([supportId]);
    expect(refusal(await t.api(admin, "PUT", `/api/queues/${supportId}`, { isDefault: false }))).toEqual({ status: 400, code: "VALIDATION", field: "isDefault" });
    const vip = await newQueue({ isDefault: true });
    expect(vip.isDefault).toBe(true);
    expect(await defaults()).toEqual([vip.id]);
    expect((await t.pool.query(`SELECT entry_queue_id('sms', '+19995550000') AS id`)).rows[0].id).toBe(vip.id);
    // And back, by update.
    expect((await t.api<{ queue: QueueView }>(admin, "PUT", `/api/queues/${supportId}`, { isDefault: true })).body.queue.isDefault).toBe(true);
    expect(await defaults()).toEqual([supportId]);
    const log = await audits(supportId);
    expect(log.at(-1)).toMatchObject({ action: "queue_updated", data: { before: { isDefault: false }, after: { isDefault: true } } });
  });

  it("are deleted only when not the default and no conversation was ever in them", async () => {
    expect(refusal(await t.api(admin, "DELETE", `/api/queues/${supportId}`))).toMatchObject({ status: 409, code: "CONFLICT" });
    const busy = await newQueue();
    const conversation = await createConversation(t.pool);
    await t.pool.query(`UPDATE conversations SET queue_id = $2 WHERE id = $1`, [conversation.id, busy.id]);
    const open = await t.api<{ error: { details: unknown } }>(admin, "DELETE", `/api/queues/${busy.id}`);
    expect(open).toMatchObject({ status: 409, body: { error: { code: "CONFLICT", details: { reason: "open_conversations", openConversations: 1 } } } });
    await t.pool.query(`UPDATE conversations SET status = 'resolved', resolved_at = now() WHERE id = $1`, [conversation.id]);
    const history = await t.api(admin, "DELETE", `/api/queues/${busy.id}`);
    expect(history).toMatchObject({ status: 409, body: { error: { code: "CONFLICT", details: { reason: "conversation_history", conversations: 1 } } } });

    const unused = await newQueue();
    const number = await t.api<{ phoneNumber: PhoneNumberView }>(admin, "POST", "/api/phone-numbers", { number: "+14155550111", smsQueueId: unused.id });
    expect(refusal(await t.api(supervisor, "DELETE", `/api/queues/${unused.id}`))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect((await t.api(admin, "DELETE", `/api/queues/${unused.id}`)).status).toBe(204);
    expect((await t.pool.query(`SELECT 1 FROM queues WHERE id = $1`, [unused.id])).rowCount).toBe(0);
    // Its number now feeds the default queue.
    expect((await t.pool.query(`SELECT sms_queue_id FROM phone_numbers WHERE id = $1`, [number.body.phoneNumber.id])).rows[0].sms_queue_id).toBeNull();
    expect((await audits(unused.id)).at(-1)).toMatchObject({ action: "queue_deleted", data: { detached: { numbers: ["+14155550111"] } } });
  });
});

describe("queue members", () => {
  it("are replaced as a whole by admins, with levels 1 to 10, audited before and after", async () => {
    const queue = await newQueue();
    const [ann, bob, cy] = await Promise.all(["Ann", "Bob", "Cy"].map((name) => createAgent(t.pool, { name })));
    const put = (cookie: string, members: unknown) => t.api<{ members: QueueMemberView[] }>(cookie, "PUT", `/api/queues/${queue.id}/members`, { members });
    expect(refusal(await put(admin, [{ agentId: ann!.id, level: 0 }]))).toEqual({ status: 400, code: "VALIDATION", field: "members.0.level" });
    expect(refusal(await put(admin, [{ agentId: ann!.id, level: 11 }]))).toEqual({ status: 400, code: "VALIDATION", field: "members.0.level" });
    expect(refusal(await put(admin, [{ agentId: ann!.id, level: 2 }, { agentId: ann!.id, level: 3 }]))).toEqual({ status: 400, code: "VALIDATION", field: "members.1.agentId" });
    const stranger = "00000000-0000-4000-8000-000000000000";
    expect(refusal(await put(admin, [{ agentId: ann!.id, level: 2 }, { agentId: stranger, level: 3 }]))).toEqual({ status: 400, code: "VALIDATION", field: "members.1.agentId" });
    expect(refusal(await put(supervisor, []))).toMatchObject({ status: 403, code: "FORBIDDEN" });

    expect((await put(admin, [{ agentId: ann!.id, level: 2 }, { agentId: bob!.id, level: 5 }])).body.members).toEqual([
      { agentId: bob!.id, name: "Bob", level: 5 },
      { agentId: ann!.id, name: "Ann", level: 2 },
    ]);
    await put(admin, [{ agentId: ann!.id, level: 7 }, { agentId: cy!.id, level: 1 }]);
    const read = await t.api<{ members: QueueMemberView[] }>(supervisor, "GET", `/api/queues/${queue.id}/members`);
    expect(read.body.members).toEqual([{ agentId: ann!.id, name: "Ann", level: 7 }, { agentId: cy!.id, name: "Cy", level: 1 }]);
    expect(refusal(await t.api(agent, "GET", `/api/queues/${queue.id}/members`))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    const log = (await audits(queue.id)).filter((a) => a.action === "queue_members_replaced");
    expect(log[1].data).toEqual({
      before: [{ agentId: bob!.id, level: 5 }, { agentId: ann!.id, level: 2 }],
      after: [{ agentId: ann!.id, level: 7 }, { agentId: cy!.id, level: 1 }],
    });
  });
});

describe("service targets", () => {
  it("show all twelve, set or the built-in default, and are replaced by admins", async () => {
    const queue = await newQueue();
    const read = async () => (await t.api<{ targets: ServiceTargetView[] }>(supervisor, "GET", `/api/queues/${queue.id}/targets`)).body.targets;
    const of = (ts: ServiceTargetView[], tier: string, channel: string) => ts.find((x) => x.tier === tier && x.channel === channel);
    const defaults = await read();
    expect(defaults).toHaveLength(12);
    expect(defaults.every((x) => x.source === "default")).toBe(true);
    expect(of(defaults, "standard", "voice")).toEqual({ tier: "standard", channel: "voice", seconds: 60, source: "default" });
    expect(of(defaults, "platinum", "voice")!.seconds).toBe(20);
    expect(of(defaults, "standard", "email")!.seconds).toBe(14400);

    const put = (cookie: string, targets: unknown) => t.api<{ targets: ServiceTargetView[] }>(cookie, "PUT", `/api/queues/${queue.id}/targets`, { targets });
    expect(refusal(await put(admin, [{ tier: "gold", channel: "sms", seconds: 0 }]))).toEqual({ status: 400, code: "VALIDATION", field: "targets.0.seconds" });
    expect(refusal(await put(admin, [{ tier: "gold", channel: "fax", seconds: 10 }]))).toEqual({ status: 400, code: "VALIDATION", field: "targets.0.channel" });
    const twice = [{ tier: "gold", channel: "sms", seconds: 10 }, { tier: "gold", channel: "sms", seconds: 20 }];
    expect(refusal(await put(admin, twice))).toEqual({ status: 400, code: "VALIDATION", field: "targets.1" });
    expect(refusal(await put(supervisor, []))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect(refusal(await t.api(agent, "GET", `/api/queues/${queue.id}/targets`))).toMatchObject({ status: 403, code: "FORBIDDEN" });

    const set = await put(admin, [{ tier: "gold", channel: "sms", seconds: 300 }, { tier: "platinum", channel: "chat", seconds: 15 }]);
    expect(of(set.body.targets, "gold", "sms")).toEqual({ tier: "gold", channel: "sms", seconds: 300, source: "set" });
    expect(of(set.body.targets, "platinum", "chat")).toMatchObject({ seconds: 15, source: "set" });
    // Replacing: gold SMS goes back to its default (900 × 2/3).
    const after = await put(admin, [{ tier: "platinum", channel: "chat", seconds: 15 }]);
    expect(of(after.body.targets, "gold", "sms")).toEqual({ tier: "gold", channel: "sms", seconds: 600, source: "default" });
    expect(await read()).toEqual(after.body.targets);
    const log = (await audits(queue.id)).filter((a) => a.action === "service_targets_replaced");
    expect(log.map((a) => a.data)).toEqual([
      { before: [], after: [{ tier: "gold", channel: "sms", seconds: 300 }, { tier: "platinum", channel: "chat", seconds: 15 }] },
      { before: [{ tier: "gold", channel: "sms", seconds: 300 }, { tier: "platinum", channel: "chat", seconds: 15 }], after: [{ tier: "platinum", channel: "chat", seconds: 15 }] },
    ]);
  });
});

describe("phone numbers", () => {
  it("name their SMS and voice queues; a number is registered once; audited", async () => {
    const sales = await newQueue();
    const create = (cookie: string, body: unknown) => t.api<{ phoneNumber: PhoneNumberView }>(cookie, "POST", "/api/phone-numbers", body);
    expect(refusal(await create(admin, { number: "415-555-0199" }))).toEqual({ status: 400, code: "VALIDATION", field: "number" });
    expect(refusal(await create(admin, { number: "+14155550199", smsQueueId: "00000000-0000-4000-8000-000000000000" }))).toEqual({
      status: 400,
      code: "VALIDATION",
      field: "smsQueueId",
    });
    expect(refusal(await create(supervisor, { number: "+14155550199" }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    const created = await create(admin, { number: "+14155550199", label: "Sales", smsQueueId: sales.id });
    expect(created.status).toBe(201);
    expect(created.body.phoneNumber).toMatchObject({ number: "+14155550199", label: "Sales", smsQueueId: sales.id, voiceQueueId: null });
    expect(refusal(await create(admin, { number: "+14155550199" }))).toMatchObject({ status: 409, code: "CONFLICT" });

    const id = created.body.phoneNumber.id;
    const other = await create(admin, { number: "+14155550198" });
    expect(refusal(await t.api(admin, "PUT", `/api/phone-numbers/${other.body.phoneNumber.id}`, { number: "+14155550199" }))).toMatchObject({ status: 409, code: "CONFLICT" });
    const changed = await t.api<{ phoneNumber: PhoneNumberView }>(admin, "PUT", `/api/phone-numbers/${id}`, { voiceQueueId: sales.id, label: null });
    expect(changed.body.phoneNumber).toMatchObject({ label: null, smsQueueId: sales.id, voiceQueueId: sales.id });
    expect((await t.api<{ phoneNumbers: PhoneNumberView[] }>(supervisor, "GET", "/api/phone-numbers")).body.phoneNumbers).toContainEqual(changed.body.phoneNumber);
    expect(refusal(await t.api(agent, "GET", "/api/phone-numbers"))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect((await t.api(admin, "DELETE", `/api/phone-numbers/${id}`)).status).toBe(204);
    expect(refusal(await t.api(admin, "DELETE", `/api/phone-numbers/${id}`))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect((await audits(id)).map((a) => a.action)).toEqual(["phone_number_created", "phone_number_updated", "phone_number_deleted"]);
  });
});

describe("customer tiers", () => {
  const customerWithValue = async (value: number) =>
    (await t.pool.query<{ id: string }>(`INSERT INTO customers (lifetime_value) VALUES ($1) RETURNING id`, [value])).rows[0]!.id;
  const tierOf = async (id: string) => (await t.pool.query(`SELECT tier, tier_source FROM customers WHERE id = $1`, [id])).rows[0];
  const putThresholds = (cookie: string, body: unknown) =>
    t.api<{ thresholds: TierThresholds; customersChanged: number }>(cookie, "PUT", "/api/tier-thresholds", body);

  it("derive gold and platinum from lifetime value; a tier set on the record is kept; null derives again", async () => {
    const [low, mid, high] = [await customerWithValue(500), await customerWithValue(1500), await customerWithValue(6000)];
    const kept = await customerWithValue(6000);
    const setTier = (cookie: string, id: string, tier: string | null) => t.api<{ customer: CustomerTierView }>(cookie, "PUT", `/api/customers/${id}/tier`, { tier });
    // Any agent may set a customer's tier.
    expect((await setTier(agent, kept, "standard")).body.customer).toEqual({ id: kept, tier: "standard", tierSource: "set", lifetimeValue: 6000 });

    expect(refusal(await putThresholds(admin, { gold: 5000, platinum: 1000 }))).toEqual({ status: 400, code: "VALIDATION", field: "platinum" });
    expect(refusal(await putThresholds(admin, { gold: -1, platinum: null }))).toEqual({ status: 400, code: "VALIDATION", field: "gold" });
    expect(refusal(await putThresholds(supervisor, { gold: 1000, platinum: 5000 }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    const put = await putThresholds(admin, { gold: 1000, platinum: 5000 });
    expect(put.body).toEqual({ thresholds: { gold: 1000, platinum: 5000 }, customersChanged: 2 });
    expect((await t.api<{ thresholds: TierThresholds }>(supervisor, "GET", "/api/tier-thresholds")).body.thresholds).toEqual({ gold: 1000, platinum: 5000 });
    expect(await tierOf(low)).toEqual({ tier: "standard", tier_source: "derived" });
    expect(await tierOf(mid)).toEqual({ tier: "gold", tier_source: "derived" });
    expect(await tierOf(high)).toEqual({ tier: "platinum", tier_source: "derived" });
    expect(await tierOf(kept)).toEqual({ tier: "standard", tier_source: "set" });

    // Lower thresholds move the derived ones only; no platinum threshold: nobody is derived platinum.
    await putThresholds(admin, { gold: 100, platinum: null });
    expect((await tierOf(low)).tier).toBe("gold");
    expect((await tierOf(high)).tier).toBe("gold");
    expect(await tierOf(kept)).toEqual({ tier: "standard", tier_source: "set" });
    expect((await setTier(agent, kept, null)).body.customer).toMatchObject({ tier: "gold", tierSource: "derived" });
    // A customer without a lifetime value is standard when derived.
    const plain = await createCustomer(t.pool, { tier: "platinum" });
    expect((await setTier(supervisor, plain.id, null)).body.customer).toMatchObject({ tier: "standard", tierSource: "derived" });

    expect(refusal(await setTier(agent, kept, "diamond"))).toEqual({ status: 400, code: "VALIDATION", field: "tier" });
    expect(refusal(await setTier(agent, "00000000-0000-4000-8000-000000000000", "gold"))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect((await audits(kept)).map((a) => [a.action, a.data])).toEqual([
      ["customer_tier_set", { before: { tier: "standard", tierSource: "derived" }, after: { tier: "standard", tierSource: "set" } }],
      ["customer_tier_set", { before: { tier: "standard", tierSource: "set" }, after: { tier: "gold", tierSource: "derived" } }],
    ]);
    expect((await audits("tier_thresholds")).map((a) => a.data.after)).toEqual([{ gold: 1000, platinum: 5000 }, { gold: 100, platinum: null }]);
  });

  it("give a waiting conversation the due time of its queue's target for the customer's tier and channel", async () => {
    const vip = await newQueue();
    await t.api(admin, "PUT", `/api/queues/${vip.id}/targets`, { targets: [{ tier: "gold", channel: "sms", seconds: 123 }] });
    await t.api(admin, "POST", "/api/phone-numbers", { number: "+14155550177", smsQueueId: vip.id });
    const goldPhone = "+12125550901";
    const gold = await createCustomer(t.pool, { phone: goldPhone });
    await t.api(agent, "PUT", `/api/customers/${gold.id}/tier`, { tier: "gold" });
    const standardPhone = "+12125550902";
    await createCustomer(t.pool, { phone: standardPhone, tier: "standard" });

    for (const from of [goldPhone, standardPhone]) expect((await t.sendSms({ From: from, To: "+14155550177" })).status).toBe(200);
    const { rows } = await t.pool.query(
      `SELECT customer_address, queue_id, service_tier, target_seconds, extract(epoch FROM due_at - waiting_since)::int AS seconds
         FROM conversations WHERE customer_address = ANY($1) ORDER BY customer_address`,
      [[goldPhone, standardPhone]],
    );
    expect(rows).toEqual([
      { customer_address: goldPhone, queue_id: vip.id, service_tier: "gold", target_seconds: 123, seconds: 123 },
      // Standard SMS has no target of its own in this queue: the built-in 15 minutes.
      { customer_address: standardPhone, queue_id: vip.id, service_tier: "standard", target_seconds: 900, seconds: 900 },
    ]);
  });
});
