// Reports (issue 12, item 5): a scripted day of traffic through the real webhooks, sockets and REST paths
// (test/support/report-traffic.ts), then every figure of the reports checked against the values this
// test computes from its own script (test/support/report-expectations.ts): by queue, channel, agent and
// tier, at a midnight boundary, in hourly buckets across both daylight-saving days of New York, and
// under each way the metric settings count abandons, short abandons and callbacks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricSettings } from "../shared/metrics.ts";
import type { Report, ReportGroupBy } from "../shared/reports.ts";
import { createAgent, createQueue, setMemberships } from "./support/factories.ts";
import { expectedCell, rounded, type Keys, type Script, type ScriptState } from "./support/report-expectations.ts";
import { reportTraffic, retime, storedHistory, type PeriodTimes, type ScriptAgent, type WaitTimes } from "./support/report-traffic.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

const SITE = "https://shop.example.test";
const NY = "America/New_York";
const DEFAULTS: MetricSettings = { shortAbandonSeconds: 5, abandonsWithinTarget: "neither", callbacks: "excluded" };
/** A local New York time on the scripted day (daylight time, −04:00), or another day and offset. */
const T = (hms: string, day = "2026-03-10", offset = "-04:00") => new Date(`${day}T${hms}${offset}`);

let t: TestApp;
let traffic: ReturnType<typeof reportTraffic>;
let ann: ScriptAgent, ben: ScriptAgent, sup: { cookie: string }, admin: { cookie: string }, agentCookie: string;
let support: string, billing: string;
const script: Script = { waits: [], periods: [], responses: [], states: [] };
const TARGETS = { sms: 60, chat: 60, voice: 20 };

async function scriptAgent(name: string): Promise<ScriptAgent> {
  const a = await createAgent(t.pool, { name, softphoneReady: true });
  await setMemberships(t.pool, a.id, [{ queueId: support }, { queueId: billing }]);
  const cookie = await t.login(a.email);
  return { ...a, cookie, socket: await t.connectAgent(cookie) };
}

beforeAll(async () => {
  t = await startTestApp({ env: { WRAP_UP_SECONDS: "600" } });
  support = (await createQueue(t.pool, { name: "Support" })).id;
  billing = (await createQueue(t.pool, { name: "Billing" })).id;
  for (const [channel, seconds] of Object.entries(TARGETS)) {
    await t.pool.query(`INSERT INTO service_targets (queue_id, tier, channel, seconds) VALUES ($1, 'standard', $2, $3), ($4, 'standard', $2, $3)`, [support, channel, seconds, billing]);
  }
  ann = await scriptAgent("Ann Agent");
  ben = await scriptAgent("Ben Agent");
  const s = await createAgent(t.pool, { role: "supervisor" });
  const a = await createAgent(t.pool, { role: "admin" });
  const plain = await createAgent(t.pool);
  await t.pool.query(`DELETE FROM queue_members WHERE agent_id = ANY($1)`, [[s.id, a.id, plain.id]]);
  sup = { cookie: await t.login(s.email) };
  admin = { cookie: await t.login(a.email) };
  agentCookie = await t.login(plain.email);
  const widget = await t.api<{ widget: { publicKey: string } }>(admin.cookie, "POST", "/api/widgets", { name: "Shop", allowedOrigins: [SITE] });
  traffic = reportTraffic(t, { agents: [ann, ben], widgetKey: widget.body.widget.publicKey, site: SITE });
  await runScriptedTraffic();
}, 120_000);
afterAll(async () => {
  traffic?.close();
  await t?.close();
});

const keys = (queue: string | null, channel: string, agent: string | null): Keys => ({ queue, channel, tier: "standard", agent });
/** Adds a conversation's scripted history and sets its stored times to it. */
async function record(conversationId: string, parts: {
  waits: (WaitTimes & { queue: string; outcome: "answered" | "abandoned" | "moved" | "closed"; agent?: string; callback?: boolean; reopened?: boolean })[];
  periods: (PeriodTimes & { agent: string; queue: string; endReason: "resolved" | "transferred" })[];
  response?: { inbound: Date; reply: Date; agent: string; queue: string };
}, channel: string) {
  await retime(t, conversationId, parts);
  for (const w of parts.waits) script.waits.push({ ...keys(w.queue, channel, w.agent ?? null), ...w, target: TARGETS[channel as keyof typeof TARGETS] });
  for (const p of parts.periods) script.periods.push({ ...keys(p.queue, channel, p.agent), ...p });
  if (parts.response) script.responses.push({ ...keys(parts.response.queue, channel, parts.response.agent), ...parts.response });
}

async function runScriptedTraffic() {
  // C1: an SMS answered by Ann in 20 s, first reply after 60 s, resolved.
  const c1 = await traffic.textIn();
  await traffic.acceptAs(ann, c1.conversationId);
  await traffic.reply(ann, c1.conversationId);
  await traffic.resolve(ann, c1.conversationId);
  const c1Times = {
    waits: [{ waitingSince: T("09:00:00"), entered: T("09:00:00"), ended: T("09:00:20"), queue: support, outcome: "answered" as const, agent: ann.id }],
    periods: [{ started: T("09:00:20"), ended: T("09:10:00"), agent: ann.id, queue: support, endReason: "resolved" as const }],
  };
  // C2: a chat Ann takes after 90 s (past the 60 s target), while still on C1: occupancy counts the overlap once.
  const c2 = await traffic.chatIn();
  await traffic.acceptAs(ann, c2.conversationId);
  await traffic.reply(ann, c2.conversationId);
  await traffic.resolve(ann, c2.conversationId);
  expect(await storedHistory(t, c2.conversationId)).toMatchObject({ waits: [{ outcome: "answered", agent_id: ann.id }], periods: [{ end_reason: "resolved" }], response: { replied: true, agent_id: ann.id } });
  await record(c2.conversationId, {
    waits: [{ waitingSince: T("09:05:00"), entered: T("09:05:00"), ended: T("09:06:30"), queue: support, outcome: "answered", agent: ann.id }],
    periods: [{ started: T("09:06:30"), ended: T("09:15:00"), agent: ann.id, queue: support, endReason: "resolved" }],
    response: { inbound: T("09:05:00"), reply: T("09:07:00"), agent: ann.id, queue: support },
  }, "chat");

  // C3: a call Ben answers in 15 s, holds and resumes, 300 s of talk, 45 s of wrap-up.
  const c3 = await traffic.callIn();
  await traffic.acceptAs(ben, c3.conversationId);
  await traffic.callStatus(c3.callSid, "in-progress");
  await traffic.callControl(ben, c3.conversationId, { action: "hold" });
  await traffic.callControl(ben, c3.conversationId, { action: "resume" });
  await traffic.callStatus(c3.callSid, "completed", "300");
  await traffic.wrapUp(ben, c3.conversationId);
  expect(await storedHistory(t, c3.conversationId)).toMatchObject({ waits: [{ outcome: "answered" }], periods: [{ end_reason: "resolved", talk_ended: true, wrapped: true }], response: null });
  await record(c3.conversationId, {
    waits: [{ waitingSince: T("10:00:00"), entered: T("10:00:00"), ended: T("10:00:15"), queue: support, outcome: "answered", agent: ben.id }],
    periods: [{ started: T("10:00:15"), talkEnded: T("10:05:15"), wrapUpMs: 45_000, ended: T("10:06:00"), agent: ben.id, queue: support, endReason: "resolved" }],
  }, "voice");

  // C4–C6: callers who hang up while waiting: after 30 s (past the target), 3 s (a short abandon), 10 s (within the target).
  for (const [start, end] of [["11:00:00", "11:00:30"], ["11:30:00", "11:30:03"], ["11:40:00", "11:40:10"]] as const) {
    const c = await traffic.callIn();
    await traffic.callStatus(c.callSid, "completed", "0");
    expect(await storedHistory(t, c.conversationId)).toMatchObject({ waits: [{ outcome: "abandoned", callback: false }], periods: [] });
    await record(c.conversationId, { waits: [{ waitingSince: T(start), entered: T(start), ended: T(end), queue: support, outcome: "abandoned" }], periods: [] }, "voice");
  }

  // C7: an SMS a supervisor moves to Billing after 40 s; Ann answers it there 30 s later (70 s since it began waiting).
  const c7 = await traffic.textIn();
  await traffic.moveToQueue(sup, c7.conversationId, billing);
  await traffic.acceptAs(ann, c7.conversationId);
  await traffic.reply(ann, c7.conversationId);
  await traffic.resolve(ann, c7.conversationId);
  expect(await storedHistory(t, c7.conversationId)).toMatchObject({ waits: [{ outcome: "moved", queue_id: support }, { outcome: "answered", queue_id: billing }], periods: [{ end_reason: "resolved" }] });
  await record(c7.conversationId, {
    waits: [
      { waitingSince: T("12:00:00"), entered: T("12:00:00"), ended: T("12:00:40"), queue: support, outcome: "moved" },
      { waitingSince: T("12:00:00"), entered: T("12:00:40"), ended: T("12:01:10"), queue: billing, outcome: "answered", agent: ann.id },
    ],
    periods: [{ started: T("12:01:10"), ended: T("12:10:00"), agent: ann.id, queue: billing, endReason: "resolved" }],
    response: { inbound: T("12:00:00"), reply: T("12:02:00"), agent: ann.id, queue: billing },
  }, "sms");

  // C8: C1's customer writes again on the resolved conversation (as an email reply on its thread does:
  // threads.ts' UPDATE, written here because SMS starts a new conversation): a reopen, Ann answers in 30 s.
  await t.pool.query(`UPDATE conversations SET status = 'queued', waiting_since = now(), resolved_at = NULL, updated_at = now() WHERE id = $1`, [c1.conversationId]);
  await traffic.acceptAs(ann, c1.conversationId, () => t.sb.queues.routeConversation(c1.conversationId, 1));
  await traffic.reply(ann, c1.conversationId);
  await traffic.resolve(ann, c1.conversationId);
  expect(await storedHistory(t, c1.conversationId)).toMatchObject({
    waits: [{ outcome: "answered", reopened: false }, { outcome: "answered", reopened: true }], periods: [{ end_reason: "resolved" }, { end_reason: "resolved" }], response: { replied: true },
  });
  await record(c1.conversationId, {
    waits: [...c1Times.waits, { waitingSince: T("14:00:00"), entered: T("14:00:00"), ended: T("14:00:30"), queue: support, outcome: "answered", agent: ann.id, reopened: true }],
    periods: [...c1Times.periods, { started: T("14:00:30"), ended: T("14:05:00"), agent: ann.id, queue: support, endReason: "resolved" }],
    response: { inbound: T("09:00:00"), reply: T("09:01:00"), agent: ann.id, queue: support },
  }, "sms");

  // C9: a call Ann answers in 10 s and transfers to Ben after 180 s; Ben talks 300 s and wraps up 30 s.
  const c9 = await traffic.callIn();
  await traffic.acceptAs(ann, c9.conversationId);
  await traffic.callStatus(c9.callSid, "in-progress");
  await t.api(ben.cookie, "PUT", "/api/me/presence", { presence: "available" });
  await traffic.callControl(ann, c9.conversationId, { action: "transfer", toAgentId: ben.id });
  await traffic.callStatus(c9.callSid, "completed", "480");
  await traffic.wrapUp(ben, c9.conversationId);
  expect(await storedHistory(t, c9.conversationId)).toMatchObject({
    waits: [{ outcome: "answered", agent_id: ann.id }],
    periods: [{ agent_id: ann.id, end_reason: "transferred", talk_ended: false }, { agent_id: ben.id, end_reason: "resolved", talk_ended: true, wrapped: true }],
  });
  await record(c9.conversationId, {
    waits: [{ waitingSince: T("13:00:00"), entered: T("13:00:00"), ended: T("13:00:10"), queue: support, outcome: "answered", agent: ann.id }],
    periods: [
      { started: T("13:00:10"), ended: T("13:03:10"), agent: ann.id, queue: support, endReason: "transferred" },
      { started: T("13:03:10"), talkEnded: T("13:08:10"), wrapUpMs: 30_000, ended: T("13:09:00"), agent: ben.id, queue: support, endReason: "resolved" },
    ],
  }, "voice");

  // C10: a caller hangs up and leaves a voicemail (Twilio's "completed" first): the wait is a callback, Ann takes it after 120 s.
  const c10 = await traffic.callIn();
  await traffic.callStatus(c10.callSid, "completed", "0");
  await traffic.acceptAs(ann, c10.conversationId, () => traffic.voicemail(c10.callSid));
  await traffic.resolve(ann, c10.conversationId);
  expect(await storedHistory(t, c10.conversationId)).toMatchObject({ waits: [{ outcome: "answered", callback: true }], periods: [{ end_reason: "resolved" }] });
  await record(c10.conversationId, {
    waits: [{ waitingSince: T("15:00:00"), entered: T("15:00:00"), ended: T("15:02:00"), queue: support, outcome: "answered", agent: ann.id, callback: true }],
    periods: [{ started: T("15:02:00"), ended: T("15:04:00"), agent: ann.id, queue: support, endReason: "resolved" }],
  }, "voice");

  // C11: across midnight: an SMS offered at 23:59:50 and answered by Ben at 00:00:10 the next day.
  await smsAnsweredBy(ben, { in: T("23:59:50"), answered: T("00:00:10", "2026-03-11"), reply: T("00:01:00", "2026-03-11"), resolved: T("00:05:00", "2026-03-11") });
  // The daylight-saving days: 2026-11-01 repeats 01:00–02:00 (EDT then EST); 2026-03-08 skips 02:00–03:00.
  await smsAnsweredBy(ann, { in: T("01:30:00", "2026-11-01"), answered: T("01:30:30", "2026-11-01"), reply: T("01:31:00", "2026-11-01"), resolved: T("01:40:00", "2026-11-01") });
  await smsAnsweredBy(ben, { in: T("01:59:50", "2026-11-01"), answered: T("01:00:20", "2026-11-01", "-05:00"), reply: T("01:01:00", "2026-11-01", "-05:00"), resolved: T("01:10:00", "2026-11-01", "-05:00") });
  await smsAnsweredBy(ben, { in: T("01:30:00", "2026-11-01", "-05:00"), answered: T("01:31:00", "2026-11-01", "-05:00"), reply: T("01:32:00", "2026-11-01", "-05:00"), resolved: T("01:45:00", "2026-11-01", "-05:00") });
  await smsAnsweredBy(ann, { in: T("01:59:00", "2026-03-08", "-05:00"), answered: T("03:00:30", "2026-03-08"), reply: T("03:01:00", "2026-03-08"), resolved: T("03:20:00", "2026-03-08") });
  await smsAnsweredBy(ann, { in: T("03:30:00", "2026-03-08"), answered: T("03:30:40", "2026-03-08"), reply: T("03:31:00", "2026-03-08"), resolved: T("03:50:00", "2026-03-08") });

  await traffic.awayAll();
  await scriptStates();
}

async function smsAnsweredBy(agent: ScriptAgent, at: { in: Date; answered: Date; reply: Date; resolved: Date }) {
  const c = await traffic.textIn();
  await traffic.acceptAs(agent, c.conversationId);
  await traffic.reply(agent, c.conversationId);
  await traffic.resolve(agent, c.conversationId);
  await record(c.conversationId, {
    waits: [{ waitingSince: at.in, entered: at.in, ended: at.answered, queue: support, outcome: "answered", agent: agent.id }],
    periods: [{ started: at.answered, ended: at.resolved, agent: agent.id, queue: support, endReason: "resolved" }],
    response: { inbound: at.in, reply: at.reply, agent: agent.id, queue: support },
  }, "sms");
}

/** The agents' states on the scripted day, in place of those the traffic above stamped with today's clock. */
async function scriptStates() {
  const states: ScriptState[] = [
    { agent: ann.id, state: "available", start: T("08:30:00"), end: T("13:00:10") },
    { agent: ann.id, state: "busy", start: T("13:00:10"), end: T("13:03:10") },
    { agent: ann.id, state: "available", start: T("13:03:10"), end: T("17:00:00") },
    { agent: ben.id, state: "away", start: T("09:30:00"), end: T("09:45:00") },
    { agent: ben.id, state: "available", start: T("09:45:00"), end: T("10:00:15") },
    { agent: ben.id, state: "busy", start: T("10:00:15"), end: T("10:05:15") },
    { agent: ben.id, state: "wrap_up", start: T("10:05:15"), end: T("10:06:00") },
    { agent: ben.id, state: "available", start: T("10:06:00"), end: T("13:03:10") },
    { agent: ben.id, state: "busy", start: T("13:03:10"), end: T("13:08:10") },
    { agent: ben.id, state: "wrap_up", start: T("13:08:10"), end: T("13:08:40") },
    { agent: ben.id, state: "available", start: T("13:08:40"), end: T("14:00:00") },
    { agent: ben.id, state: "available", start: T("23:50:00"), end: T("00:10:00", "2026-03-11") },
  ];
  await t.pool.query(`DELETE FROM agent_state_periods WHERE ended_at IS NOT NULL`);
  for (const s of states) {
    await t.pool.query(`INSERT INTO agent_state_periods (agent_id, state, started_at, ended_at) VALUES ($1, $2, $3, $4)`, [s.agent, s.state, s.start, s.end]);
  }
  script.states.push(...states);
}

async function report(q: Record<string, string>, cookie = sup.cookie) {
  return t.api<Report>(cookie, "GET", `/api/reports?${new URLSearchParams(q)}`);
}

/** Every group, bucket and total of a report equals the script's own count. */
function expectReportToMatchScript(r: Report, settings: MetricSettings) {
  const groupBy = r.query.groupBy as ReportGroupBy;
  for (const g of r.groups) {
    g.buckets.forEach((cell, i) => {
      const b = r.buckets[i]!;
      expect(rounded(cell), `${groupBy} ${g.name} ${b.label}`).toEqual(rounded(expectedCell(script, groupBy, g.key, new Date(b.start), new Date(b.end), settings)));
    });
    expect(rounded(g.total), `${groupBy} ${g.name} total`).toEqual(rounded(expectedCell(script, groupBy, g.key, new Date(r.start), new Date(r.end), settings)));
  }
  expect(rounded(r.total)).toEqual(rounded(expectedCell(script, groupBy, "*", new Date(r.start), new Date(r.end), settings)));
  r.totalBuckets.forEach((cell, i) => expect(rounded(cell)).toEqual(rounded(expectedCell(script, groupBy, "*", new Date(r.buckets[i]!.start), new Date(r.buckets[i]!.end), settings))));
}

describe("reports over a scripted day", () => {
  it.each(["queue", "channel", "agent", "tier"] as const)("by %s, day by day, match the script in every cell", async (groupBy) => {
    const r = await report({ from: "2026-03-10", to: "2026-03-11", timeZone: NY, groupBy, interval: "day" });
    expect(r.status).toBe(200);
    expect(r.body.buckets.map((b) => [b.start, b.end, b.label])).toEqual([
      ["2026-03-10T04:00:00.000Z", "2026-03-11T04:00:00.000Z", "2026-03-10"],
      ["2026-03-11T04:00:00.000Z", "2026-03-12T04:00:00.000Z", "2026-03-11"],
    ]);
    const expectedKeys = { queue: [support, billing], channel: ["chat", "sms", "voice"], agent: [ann.id, ben.id, null], tier: ["standard"] }[groupBy];
    expect(r.body.groups.map((g) => g.key).sort()).toEqual([...expectedKeys].sort());
    expectReportToMatchScript(r.body, DEFAULTS);
  });
});

describe("periods and time zones", () => {
  it("counts a wait that starts before midnight and ends after it on both days: offered on one, answered on the next", async () => {
    const r = (await report({ from: "2026-03-10", to: "2026-03-11", timeZone: NY, groupBy: "queue", interval: "day" })).body;
    const s = r.groups.find((g) => g.key === support)!;
    // Offered in Support on the 10th: C1, C2, C3, C4–C6, C7 (before its move), the reopen, C9, C10, and C11 at
    // 23:59:50; answered there on the 10th: C1, C2, C3, the reopen, C9, C10; C11 on the 11th after 20 s.
    expect(s.buckets.map((c) => [c.offered, c.answered, c.answerSeconds])).toEqual([[11, 6, 20 + 90 + 15 + 30 + 10 + 120], [0, 1, 20]]);
    // Only the 10th: C11 is offered there and answered outside the period.
    const one = (await report({ from: "2026-03-10", to: "2026-03-10", timeZone: NY, groupBy: "queue", interval: "day" })).body;
    expect(one.total.offered).toBe(12);
    expect(one.total.answered).toBe(6 + 1);
    expectReportToMatchScript(one, DEFAULTS);
    // The same instants in UTC: the boundary moves, the figures follow the script there too.
    const utc = (await report({ from: "2026-03-10", to: "2026-03-11", timeZone: "UTC", groupBy: "channel", interval: "hour" })).body;
    expect(utc.buckets.length).toBe(48);
    expectReportToMatchScript(utc, DEFAULTS);
  });

  it("buckets the scripted day by the hour in New York", async () => {
    const r = (await report({ from: "2026-03-10", to: "2026-03-10", timeZone: NY, groupBy: "agent", interval: "hour" })).body;
    expect(r.buckets.length).toBe(24);
    expect(r.buckets[9]).toEqual({ start: "2026-03-10T13:00:00.000Z", end: "2026-03-10T14:00:00.000Z", label: "2026-03-10 09:00 -04:00" });
    expectReportToMatchScript(r, DEFAULTS);
  });

  it("has 25 hours on the day clocks fall back, the repeated 01:00 twice with its offset", async () => {
    const r = (await report({ from: "2026-11-01", to: "2026-11-01", timeZone: NY, groupBy: "agent", interval: "hour" })).body;
    expect(r.buckets.length).toBe(25);
    expect([r.start, r.end]).toEqual(["2026-11-01T04:00:00.000Z", "2026-11-02T05:00:00.000Z"]);
    expect(r.buckets.slice(0, 4).map((b) => b.label)).toEqual(["2026-11-01 00:00 -04:00", "2026-11-01 01:00 -04:00", "2026-11-01 01:00 -05:00", "2026-11-01 02:00 -05:00"]);
    // 01:30 EDT and 01:59:50 EDT offered in the first 01:00; the second answered 30 s later in the second 01:00, with 01:30 EST.
    expect(r.totalBuckets.slice(0, 3).map((c) => [c.offered, c.answered])).toEqual([[0, 0], [2, 1], [1, 2]]);
    expectReportToMatchScript(r, DEFAULTS);
    const day = (await report({ from: "2026-11-01", to: "2026-11-01", timeZone: NY, groupBy: "tier", interval: "day" })).body;
    expect(Date.parse(day.buckets[0]!.end) - Date.parse(day.buckets[0]!.start)).toBe(25 * 3600_000);
    expect(day.total.offered).toBe(3);
    expectReportToMatchScript(day, DEFAULTS);
  });

  it("has 23 hours on the day clocks spring forward, with no 02:00", async () => {
    const r = (await report({ from: "2026-03-08", to: "2026-03-08", timeZone: NY, groupBy: "queue", interval: "hour" })).body;
    expect(r.buckets.length).toBe(23);
    expect(r.buckets.slice(0, 4).map((b) => b.label)).toEqual(["2026-03-08 00:00 -05:00", "2026-03-08 01:00 -05:00", "2026-03-08 03:00 -04:00", "2026-03-08 04:00 -04:00"]);
    // Offered at 01:59 EST, answered 90 s later at 03:00:30 EDT: one hour apart on the clock, one bucket apart.
    expect(r.totalBuckets.slice(0, 3).map((c) => [c.offered, c.answered, c.answerSeconds])).toEqual([[0, 0, 0], [1, 0, 0], [1, 2, 90 + 40]]);
    expectReportToMatchScript(r, DEFAULTS);
  });
});

describe("metric settings", () => {
  it("change how abandons, short abandons and callbacks count, in the figures and the definitions beside them (admins, audited)", async () => {
    const day = { from: "2026-03-10", to: "2026-03-10", timeZone: NY, groupBy: "queue", interval: "day" };
    const before = (await report(day)).body;
    expect((await t.api(sup.cookie, "GET", "/api/metric-settings")).body).toEqual({ settings: DEFAULTS });
    const refused = await t.api<{ error: { code: string } }>(sup.cookie, "PUT", "/api/metric-settings", { abandonsWithinTarget: "against" });
    expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const bad = await t.api<{ error: { code: string } }>(admin.cookie, "PUT", "/api/metric-settings", { shortAbandonSeconds: 9999 });
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION"]);

    const cases: MetricSettings[] = [
      { shortAbandonSeconds: 5, abandonsWithinTarget: "against", callbacks: "excluded" },
      { shortAbandonSeconds: 5, abandonsWithinTarget: "for", callbacks: "included" },
      { shortAbandonSeconds: 2, abandonsWithinTarget: "neither", callbacks: "included" },
    ];
    const serviceLevels: [number | null, number, number][] = [];
    for (const settings of cases) {
      const put = await t.api<{ settings: MetricSettings }>(admin.cookie, "PUT", "/api/metric-settings", settings);
      expect(put.body.settings).toEqual(settings);
      const r = (await report(day)).body;
      expect(r.settings).toEqual(settings);
      expect(r.definitions.serviceLevel).toContain(`left within ${settings.shortAbandonSeconds} s`);
      expectReportToMatchScript(r, settings);
      serviceLevels.push([r.total.serviceLevel, r.total.abandoned, r.total.shortAbandoned]);
    }
    // The script's day: 4 of 7 within target by default (C6, abandoned within the target, left out; C10 a
    // callback); C6 against it (4 of 8); for it, with C10 (120 s) included (5 of 9); a 2 s threshold makes C5
    // (3 s) a counted abandon, within the target so left out (4 of 8, C10 still included).
    expect([[before.total.serviceLevel, before.total.abandoned, before.total.shortAbandoned], ...serviceLevels]).toEqual([[4 / 7, 2, 1], [4 / 8, 2, 1], [5 / 9, 2, 1], [4 / 8, 3, 0]]);
    const audit = await t.pool.query(`SELECT data FROM audit_events WHERE action = 'metric_settings_updated' ORDER BY created_at`);
    expect(audit.rows.map((r) => r.data.after)).toEqual(cases);
    await t.api(admin.cookie, "PUT", "/api/metric-settings", DEFAULTS);
  });
});

describe("access and input", () => {
  it("refuses agents and explains bad periods with a code", async () => {
    const q = { from: "2026-03-10", to: "2026-03-10", timeZone: NY };
    for (const path of ["/api/reports", "/api/reports.csv"]) {
      const r = await t.api<{ error: { code: string } }>(agentCookie, "GET", `${path}?${new URLSearchParams(q)}`);
      expect([r.status, r.body.error.code]).toEqual([403, "FORBIDDEN"]);
    }
    const bad = [
      { ...q, to: "2026-03-09" },
      { ...q, from: "2025-01-01", to: "2026-03-10" },
      { ...q, timeZone: "Mars/Olympus" },
      { ...q, from: "2026-02-30" },
      { ...q, to: "2026-04-20", interval: "hour" },
      { ...q, groupBy: "customer" },
      { ...q, extra: "1" },
    ];
    for (const b of bad) {
      const r = await report(b);
      expect([r.status, (r.body as unknown as { error: { code: string } }).error.code], JSON.stringify(b)).toEqual([400, "VALIDATION"]);
    }
    expect((await report({ ...q, from: "2025-03-10" })).status).toBe(200);
  });
});

describe("CSV", () => {
  it("downloads every group's buckets and totals, then the definitions they were counted by", async () => {
    const q = { from: "2026-03-10", to: "2026-03-11", timeZone: NY, groupBy: "agent", interval: "day" };
    const res = await fetch(`${t.url}/api/reports.csv?${new URLSearchParams(q)}`, { headers: { cookie: sup.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="report-agent-2026-03-10-2026-03-11.csv"');
    const lines = (await res.text()).trim().split("\n");
    const json = (await report(q)).body;
    expect(lines[0]).toBe("group,bucket_start,bucket_label,offered,answered,frt_seconds,asa_seconds,aht_seconds,abandoned,shortAbandoned,abandonRate,serviceLevel,occupancy,reopenRate,transfers");
    const annTotal = lines.find((l) => l.startsWith("Ann Agent,") && l.includes(",total,"))!.split(",");
    const a = json.groups.find((g) => g.key === ann.id)!.total;
    expect(annTotal.slice(3)).toEqual([a.offered, a.answered, a.frt, a.asa, a.aht, a.abandoned, a.shortAbandoned, a.abandonRate, a.serviceLevel, a.occupancy, a.reopenRate, a.transfers]
      .map((v) => (v === null ? "" : Number.isInteger(v) ? String(v) : v.toFixed(4))));
    expect(lines.filter((l) => l.startsWith("Ann Agent,")).length).toBe(3);
    expect(lines).toContain(`all,2026-03-10T04:00:00.000Z,total,${json.total.offered},${json.total.answered},${json.total.frt!.toFixed(4)},${json.total.asa!.toFixed(4)},${json.total.aht!.toFixed(4)},2,1,${json.total.abandonRate!.toFixed(4)},0.6250,${json.total.occupancy!.toFixed(4)},${json.total.reopenRate!.toFixed(4)},2`);
    const definitions = lines.slice(lines.indexOf("metric,definition") + 1);
    expect(definitions[0]).toBe(`offered,${json.definitions.offered}`);
    expect(definitions.find((l) => l.startsWith("serviceLevel,"))).toBe(`serviceLevel,"${json.definitions.serviceLevel}"`);
  });
});
