// Reports (issue 12, item 5): a scripted day of traffic through the real webhooks, sockets and REST paths
// (test/support/report-traffic.ts), then every figure of the reports checked against the values this
// test computes from its own script (test/support/report-expectations.ts): by queue, channel, agent and
// tier, at a midnight boundary, in hourly buckets across both daylight-saving days of New York, and
// under each way the metric settings count abandons, short abandons and callbacks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricSettings } from "../shared/metrics.ts";
import type { Report, ReportGroupBy } from "../shared/reports.ts";
import { REPORTS_PER_AGENT } from "../server/domain/reports/build-report.ts";
import { createAgent, createQueue, setMemberships } from "./support/factories.ts";
import { runScriptedDay, TARGETS } from "./support/report-day.ts";
import { expectedCell, rounded, type Script } from "./support/report-expectations.ts";
import { reportTraffic, type ScriptAgent } from "./support/report-traffic.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

const SITE = "https://shop.example.test";
const NY = "America/New_York";
const DEFAULTS: MetricSettings = { shortAbandonSeconds: 5, abandonsWithinTarget: "neither", callbacks: "excluded" };

let t: TestApp;
let traffic: ReturnType<typeof reportTraffic>;
let ann: ScriptAgent, ben: ScriptAgent, sup: { cookie: string }, admin: { cookie: string }, agentCookie: string;
let support: string, billing: string;
let script: Script;

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
  script = await runScriptedDay({ t, traffic, ann, ben, sup, support, billing });
}, 120_000);
afterAll(async () => {
  traffic?.close();
  await t?.close();
});

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

  it("limits each supervisor to a person's pace of reports (429 RATE_LIMITED past it), not their colleagues", async () => {
    const busy = await t.login((await createAgent(t.pool, { role: "supervisor" })).email);
    const path = `/api/reports?${new URLSearchParams({ from: "2026-03-10", to: "2026-03-10", timeZone: NY })}`;
    for (let i = 0; i < REPORTS_PER_AGENT.limit; i++) expect((await t.api(busy, "GET", path)).status).toBe(200);
    const refused = await t.api<{ error: { code: string } }>(busy, "GET", path);
    expect([refused.status, refused.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    expect((await t.api(sup.cookie, "GET", path)).status).toBe(200);
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
