// Service-level warnings and breaches (issue 9, item 3): a waiting conversation raises a warning at 80%
// of its target and a breach at its due time, each recorded once and shown live to supervisors and the
// queue's members (test/service-levels-recovery.test.ts: across worker restarts and lost Redis jobs).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OfferView } from "../shared/api.ts";
import type { AlertView } from "../shared/service-levels.ts";
import type { DomainEvent } from "../server/domain/events.ts";
import { raiseServiceLevelAlert } from "../server/domain/service-levels/raise-alert.ts";
import { sweepServiceLevels } from "../server/domain/service-levels/sweep-service-levels.ts";
import { watchServiceLevel } from "../server/domain/service-levels/watch-service-level.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { delayedCheckIds, kindsOf, serviceLevelHelpers, type AlertRow } from "./support/service-levels.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

describe("service-level alerts", () => {
  let t: TestApp;
  let h: ReturnType<typeof serviceLevelHelpers>;
  let supportId: string;
  let supervisor: Awaited<ReturnType<typeof h.alertSocket>>;
  let member: Awaited<ReturnType<typeof h.alertSocket>>;
  let outsider: Awaited<ReturnType<typeof h.alertSocket>>;

  beforeAll(async () => {
    t = await startTestApp();
    h = serviceLevelHelpers(t);
    // The first queue is the default: texts land in it, and every agent joins it.
    supportId = (await createQueue(t.pool, { name: "Support" })).id;
    const sup = await createAgent(t.pool, { role: "supervisor", name: "Sam Supervisor" });
    const mem = await createAgent(t.pool, { name: "Mel Member" });
    const out = await createAgent(t.pool, { name: "Oz Outsider" });
    // The supervisor sees alerts as a supervisor, not as a member; the outsider serves other queues.
    await t.pool.query(`DELETE FROM queue_members WHERE agent_id = ANY($1)`, [[sup.id, out.id]]);
    supervisor = await h.alertSocket(sup.email);
    member = await h.alertSocket(mem.email);
    outsider = await h.alertSocket(out.email);
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    // Nobody takes work unless a test says so; no open work from an earlier test.
    await t.pool.query(`UPDATE agents SET presence = 'offline'`);
    await t.pool.query(`UPDATE offers SET status = 'withdrawn' WHERE status = 'pending'`);
    await t.pool.query(`UPDATE conversations SET status = 'resolved', waiting_since = NULL WHERE status <> 'resolved'`);
  });

  it("raises a warning at 80% of the target and a breach at the due time, once each, to supervisors and the queue's members", async () => {
    await h.setTarget(supportId, "gold", 1);
    const c = await h.textIn("gold");
    expect(c.dueAt.getTime() - c.waitingSince.getTime()).toBe(1000);

    await eventually(async () => kindsOf(member.alerts, c.id).length === 2 && kindsOf(supervisor.alerts, c.id).length === 2, { timeoutMs: 8000 });
    expect(kindsOf(member.alerts, c.id)).toEqual(["warning", "breach"]);
    expect(kindsOf(supervisor.alerts, c.id)).toEqual(["warning", "breach"]);
    // A round trip on the outsider's socket: an alert emitted to it would have arrived before the answer.
    await outsider.socket.emitWithAck("customer:watch", { customerId: c.customerId });
    expect(kindsOf(outsider.alerts, c.id)).toEqual([]);

    const [warning, breach] = member.alerts.filter((a) => a.conversationId === c.id);
    expect(breach).toMatchObject({ kind: "breach", tier: "gold", channel: "sms", queueId: supportId, queueName: "Support", customerId: c.customerId, customerName: "Casey gold", targetSeconds: 1, waitingSince: c.waitingSince.toISOString(), dueAt: c.dueAt.toISOString() });
    expect(warning!.lateMs).toBeGreaterThanOrEqual(0);
    expect(breach!.lateMs).toBeGreaterThanOrEqual(0);

    const rows = await h.alertsOf(c.id);
    expect(rows.map((r) => [r.kind, r.tier, r.queue_id, r.channel, r.target_seconds])).toEqual([
      ["warning", "gold", supportId, "sms", 1],
      ["breach", "gold", supportId, "sms", 1],
    ]);
    const [w, b] = rows as [AlertRow, AlertRow];
    // Not before its moment, and late_ms says by how much after it.
    expect(w.raised_at.getTime()).toBeGreaterThanOrEqual(c.waitingSince.getTime() + 800);
    expect(b.raised_at.getTime()).toBeGreaterThanOrEqual(c.dueAt.getTime());
    expect(w.late_ms).toBe(w.raised_at.getTime() - (c.waitingSince.getTime() + 800));
    expect(b.late_ms).toBe(b.raised_at.getTime() - c.dueAt.getTime());

    // Routed again (as the sweep does every interval): nothing more is armed, raised or sent.
    await t.sb.queues.routeConversation(c.id, 1);
    await waitForQueuesToDrain(t.sb.queues, { names: ["routing", "serviceLevels"] });
    expect(await watchServiceLevel({ pool: t.pool, queues: t.sb.queues }, c.id)).toEqual([]);
    const again = await raiseServiceLevelAlert({ pool: t.pool, events: t.sb.events, queues: t.sb.queues }, { conversationId: c.id, kind: "breach", waitingSince: c.waitingSince });
    expect(again.outcome).toBe("already_raised");
    expect((await h.alertsOf(c.id)).length).toBe(2);
    await supervisor.socket.emitWithAck("customer:watch", { customerId: c.customerId });
    expect(kindsOf(supervisor.alerts, c.id)).toEqual(["warning", "breach"]);
  });

  it("raises no breach for a conversation answered before its due time", async () => {
    await h.setTarget(supportId, "standard", 4);
    const answerer = await createAgent(t.pool, { name: "Ada Answerer" });
    const cookie = await t.login(answerer.email);
    const socket = await t.connectAgent(cookie);
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "available" });
    const [offer, c] = await Promise.all([nextEvent<OfferView>(socket, "offer:new"), h.textIn("standard")]);
    expect(offer.conversation.id).toBe(c.id);
    expect((await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);

    // Both checks were armed and have run (the breach's at the due time) and found it answered.
    await waitForQueuesToDrain(t.sb.queues, { names: ["routing", "serviceLevels"], timeoutMs: 10_000 });
    expect(Date.now()).toBeGreaterThanOrEqual(c.dueAt.getTime());
    expect(await h.alertsOf(c.id)).toEqual([]);
  });

  it("a move to a queue with a longer target puts the checks back to the new moments", async () => {
    await h.setTarget(supportId, "platinum", 3);
    const vip = await createQueue(t.pool, { name: "VIP" });
    await h.setTarget(vip.id, "platinum", 100);
    const c = await h.textIn("platinum");
    await waitForQueuesToDrain(t.sb.queues, { names: ["routing"] });
    const ws = c.waitingSince.getTime();
    expect((await delayedCheckIds(t)).filter((id) => id.includes(c.id)).sort()).toEqual(
      [`sla-breach-${c.id}-${ws}-${ws + 3000}`, `sla-warning-${c.id}-${ws}-${ws + 2400}`],
    );

    // Moved before its warning: the same wait, the VIP queue's target (the trigger recomputes the due time).
    await t.pool.query(`UPDATE conversations SET queue_id = $2 WHERE id = $1`, [c.id, vip.id]);
    // The old checks fire, find the moments later, and leave checks for the new ones.
    const expected = [`sla-breach-${c.id}-${ws}-${ws + 100_000}`, `sla-warning-${c.id}-${ws}-${ws + 80_000}`];
    await eventually(async () => JSON.stringify((await delayedCheckIds(t)).filter((id) => id.includes(c.id)).sort()) === JSON.stringify(expected), { timeoutMs: 8000 });
    expect(await h.alertsOf(c.id)).toEqual([]);
    await t.sb.queues.serviceLevels.obliterate({ force: true });
  });

  it("the delayed job and the sweep racing record and announce each alert once", async () => {
    const published: DomainEvent[] = [];
    const deps = { pool: t.pool, queues: t.sb.queues, events: { publish: async (...e: DomainEvent[]) => void published.push(...e) } };
    await h.setTarget(supportId, "standard", 1);
    const c = await h.waitedSince(supportId, 30);
    const raise = (kind: "warning" | "breach") => raiseServiceLevelAlert(deps, { conversationId: c.id, kind, waitingSince: c.waitingSince });
    const results = await Promise.all([
      raise("warning"), raise("breach"), sweepServiceLevels(deps), raise("warning"), raise("breach"), sweepServiceLevels(deps), raise("breach"), raise("warning"),
    ]);
    const raisedByJobs = results.filter((r) => typeof r === "object" && r.outcome === "raised").length;
    const raisedBySweeps = results.filter((r): r is number => typeof r === "number").reduce((a, b) => a + b, 0);
    expect(raisedByJobs + raisedBySweeps).toBe(2);
    expect(published.filter((e) => e.type === "service_level.alert").length).toBe(2);
    const rows = await h.alertsOf(c.id);
    expect(rows.map((r) => r.kind)).toEqual(["warning", "breach"]);
    // Raised about 29 s after its moment: the wait began 30 s ago, the warning was due 0.8 s into it.
    expect(rows[0]!.late_ms).toBeGreaterThanOrEqual(29_200);
    expect(rows[0]!.late_ms).toBeLessThan(60_000);
  });

  it("lists alerts to supervisors and admins, newest first, by queue and time", async () => {
    const deps = { pool: t.pool, queues: t.sb.queues, events: t.sb.events };
    // The database's clock (raised_at is its now()), taken after the earlier tests' alerts.
    const before = ((await t.pool.query<{ now: Date }>(`SELECT now()`)).rows[0]!.now).toISOString();
    await h.setTarget(supportId, "standard", 1);
    const other = await createQueue(t.pool, { name: "Billing" });
    await h.setTarget(other.id, "standard", 1);
    const c = await h.waitedSince(supportId, 10);
    const elsewhere = await h.waitedSince(other.id, 10);
    expect(await sweepServiceLevels(deps, { graceSeconds: 0 })).toBe(4);

    const res = await t.api<{ alerts: AlertView[] }>(supervisor.cookie, "GET", `/api/service-level-alerts?since=${encodeURIComponent(before)}&queueId=${supportId}`);
    expect(res.status).toBe(200);
    expect(res.body.alerts.map((a) => [a.conversationId, a.kind]).sort()).toEqual([[c.id, "breach"], [c.id, "warning"]]);
    const raised = res.body.alerts.map((a) => a.raisedAt);
    expect(raised).toEqual([...raised].sort().reverse());
    const all = await t.api<{ alerts: AlertView[] }>(supervisor.cookie, "GET", `/api/service-level-alerts?since=${encodeURIComponent(before)}&limit=3`);
    expect(all.body.alerts.length).toBe(3);
    expect((await t.api<{ alerts: AlertView[] }>(supervisor.cookie, "GET", `/api/service-level-alerts?queueId=${other.id}`)).body.alerts.map((a) => a.conversationId)).toEqual([elsewhere.id, elsewhere.id]);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await t.api<{ alerts: AlertView[] }>(supervisor.cookie, "GET", `/api/service-level-alerts?since=${encodeURIComponent(later)}`)).body.alerts).toEqual([]);

    const refused = await t.api<{ error: { code: string } }>(member.cookie, "GET", "/api/service-level-alerts");
    expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    for (const bad of ["since=yesterday", "queueId=nope", "limit=0", "limit=501"]) {
      const r = await t.api<{ error: { code: string } }>(supervisor.cookie, "GET", `/api/service-level-alerts?${bad}`);
      expect([bad, r.status, r.body.error.code]).toEqual([bad, 400, "VALIDATION"]);
    }
  });
});
