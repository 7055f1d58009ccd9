// `npm run demo -- --traffic 30/min` against the real product: the rate flag, and a seeded run whose
// customers come as the mix says — every channel, new and returning, tiers set, callers who hang up on
// hold, texters who send STOP — and land in the product as such.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoMail, type DemoMail } from "../demo/mail/demo-mail.ts";
import { trafficFromArgs } from "../demo/traffic/rate.ts";
import { tierSetter } from "../demo/traffic/set-tier.ts";
import { createTraffic, DEFAULT_MIX, type Traffic } from "../demo/traffic/traffic.ts";
import { startTwilioSimulator, type TwilioSimulator } from "../demo/twilio-simulator/simulator.ts";
import type { WidgetView } from "../shared/api.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { BUSINESS_NUMBER, eventually, freePort, startTestApp, type TestApp } from "./support/test-app.ts";

/** A small seeded generator (mulberry32): the same arrivals on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the --traffic flag", () => {
  it("reads arrivals per second, minute or hour, and refuses anything else by name", () => {
    expect(trafficFromArgs(["--traffic", "30/min"])).toBe(30);
    expect(trafficFromArgs(["--traffic=2/s"])).toBe(120);
    expect(trafficFromArgs(["--traffic", "120/h"])).toBe(2);
    expect(trafficFromArgs([])).toBeNull();
    expect(() => trafficFromArgs(["--traffic", "fast"])).toThrow(/^--traffic: /);
    expect(() => trafficFromArgs(["--traffic", "100/s"])).toThrow(/^--traffic: between/);
  });
});

describe("demo traffic", () => {
  let t: TestApp;
  let sim: TwilioSimulator;
  let mail: DemoMail;
  let traffic: Traffic;
  const errors: string[] = [];
  const ARRIVALS = 60;
  beforeAll(async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    sim = await startTwilioSimulator({ switchboardUrl: url, publicUrl: url, businessNumber: BUSINESS_NUMBER, deliveryDelayMs: { min: 5, max: 10 }, holdMusicMs: 100 });
    mail = await startDemoMail({ businessAddress: "support@acme.test", businessName: "Acme Support" });
    t = await startTestApp({
      publicUrl: url,
      env: { PORT: String(port), TWILIO_AUTH_TOKEN: sim.authToken, TWILIO_ACCOUNT_SID: sim.accountSid, TWILIO_API_BASE_URL: sim.apiUrl, IMAP_URL: mail.imapUrl, SMTP_URL: mail.smtpUrl, MAIL_FROM: mail.mailFrom },
      start: { mail: { watcher: { backoffMs: { min: 100, max: 400 }, rescanMs: 3000, timeoutMs: 5000 }, refreshMs: 200 } },
    });
    await createQueue(t.pool, { name: "Support" });
    const admin = await createAgent(t.pool, { role: "admin" });
    const cookie = await t.login(admin.email);
    const origin = "http://shop.test";
    const widget = (await t.api<{ widget: WidgetView }>(cookie, "POST", "/api/widgets", { name: "Shop", allowedOrigins: [origin] })).body.widget;
    traffic = createTraffic({
      sim,
      mail,
      chat: { switchboardUrl: t.url, widgetKey: widget.publicKey, origin },
      setTier: tierSetter(t.sb.db.prisma, { id: admin.id, role: "admin", name: "Traffic" }),
      random: seeded(13),
      timeScale: 0.01,
      onError: (what, err) => errors.push(`${what}: ${err.message}`),
    });
  });
  afterAll(async () => {
    await traffic?.stop();
    await t?.close();
    await sim?.close();
    await mail?.close();
  });

  it("brings the stated mix of customers, and the product sees them so", { timeout: 90_000 }, async () => {
    for (let i = 0; i < ARRIVALS; i++) await traffic.arrive();
    const stats = traffic.stats();
    expect(stats.arrivals).toBe(ARRIVALS);
    // Each channel's share, and the returning customers', near what the mix says (a seeded draw of 60).
    for (const [channel, share] of Object.entries(DEFAULT_MIX.channels)) {
      expect(Math.abs(stats.byChannel[channel as keyof typeof stats.byChannel] / ARRIVALS - share), channel).toBeLessThan(0.12);
    }
    expect(stats.returning).toBeGreaterThan(0);
    expect(stats.newCustomers).toBeGreaterThan(stats.returning);
    expect(stats.tiers.gold + stats.tiers.platinum).toBeGreaterThan(0);
    expect(stats.hungUp).toBeGreaterThan(0);
    expect(stats.optedOut).toBeGreaterThan(0);

    const count = async (sql: string, params: unknown[] = []) => Number((await t.pool.query<{ n: string }>(sql, params)).rows[0]!.n);
    // Every channel reached the product; the mails once the watcher has fetched them.
    for (const channel of ["sms", "voice", "email", "chat"]) {
      await eventually(async () => ((await count(`SELECT count(*) AS n FROM conversations WHERE channel = $1`, [channel])) > 0 ? true : undefined), { timeoutMs: 20_000 });
    }
    // Those who texted STOP are opted out on the consent ledger; the tiers are the customers'.
    await eventually(async () => ((await count(`SELECT count(DISTINCT customer_id) AS n FROM consent_changes WHERE source = 'sms_stop'`)) === stats.optedOut ? true : undefined), { timeoutMs: 20_000 });
    await eventually(async () => ((await count(`SELECT count(*) AS n FROM customers WHERE tier_source = 'set' AND tier IN ('gold', 'platinum')`)) === stats.tiers.gold + stats.tiers.platinum ? true : undefined), { timeoutMs: 30_000 });
    // The callers who hung up on hold ended their calls waiting: abandoned, as the reports count them.
    await eventually(async () => ((await count(`SELECT count(*) AS n FROM conversations WHERE channel = 'voice' AND status = 'resolved'`)) >= stats.hungUp ? true : undefined), { timeoutMs: 20_000 });
    expect(errors).toEqual([]);
  });
});
