// TRUST_PROXY: X-Forwarded-For names the client only when the peer is a trusted proxy, and HTTP and
// socket.io limits key on that one address (proxy-addr, as express computes req.ip).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WidgetView } from "../shared/api.ts";
import { loadConfig } from "../server/config.ts";
import { connectVisitor, type VisitorSocket } from "./support/chat-visitor.ts";
import { createAgent, TEST_PASSWORD } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

const SITE = "https://shop.example.test";
const base = { DATABASE_URL: "postgres://x@127.0.0.1/x", SESSION_SECRET: "s".repeat(32) };

describe("TRUST_PROXY", () => {
  it("is false by default, a hop count, or addresses and CIDRs; true and nonsense are refused", () => {
    const trust = (value?: string) => loadConfig({ ...base, ...(value === undefined ? {} : { TRUST_PROXY: value }) }).trustProxy;
    expect(trust().trust("127.0.0.1", 0)).toBe(false);
    expect(trust("1").trust("203.0.113.9", 0)).toBe(true);
    expect(trust("1").trust("203.0.113.9", 1)).toBe(false);
    const list = trust("10.0.0.0/8, 192.0.2.7");
    expect([list.trust("10.1.2.3", 0), list.trust("192.0.2.7", 0), list.trust("192.168.1.1", 0)]).toEqual([true, true, false]);
    expect(trust("loopback").trust("::1", 0)).toBe(true);
    expect(() => trust("true")).toThrow(/TRUST_PROXY/);
    expect(() => trust("not an address")).toThrow(/TRUST_PROXY/);
  });
});

async function signIn(t: TestApp, email: string, password: string, forwardedFor: string) {
  const res = await fetch(`${t.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ email, password }),
  });
  return res.status;
}

describe("without a trusted proxy", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it("ignores X-Forwarded-For: a guesser cannot pick a fresh address per guess", async () => {
    const agent = await createAgent(t.pool);
    for (let i = 0; i < 5; i++) expect(await signIn(t, agent.email, `guess ${i}`, `203.0.113.${i + 1}`)).toBe(401);
    expect(await signIn(t, agent.email, TEST_PASSWORD, "203.0.113.99")).toBe(429);
  });
});

describe("behind a trusted proxy", () => {
  let t: TestApp;
  let widget: WidgetView;
  const sockets: VisitorSocket[] = [];
  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: "127.0.0.1" } });
    const admin = await createAgent(t.pool, { role: "admin" });
    const cookie = await t.login(admin.email);
    widget = (await t.api<{ widget: WidgetView }>(cookie, "POST", "/api/widgets", { name: "Shop", allowedOrigins: [SITE] })).body.widget;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t?.close();
  });

  it("keys the chat connect limit on each visitor's own address, not the load balancer's", async () => {
    const connect = async (address: string) => {
      try {
        const v = await connectVisitor(t.url, { widgetKey: widget.publicKey, origin: SITE, headers: { "x-forwarded-for": address } });
        sockets.push(v.socket);
        return "connected";
      } catch (err) {
        return (err as { data?: { code?: string } }).data?.code ?? (err as Error).message;
      }
    };
    const busy = `198.51.100.${randomBytes(1)[0]! % 200}`;
    const results: string[] = [];
    for (let i = 0; i < 31; i++) results.push(await connect(busy));
    expect(results.slice(0, 30).every((r) => r === "connected")).toBe(true);
    expect(results[30]).toBe("RATE_LIMITED");
    // Another visitor behind the same proxy keeps their own budget.
    expect(await connect("192.0.2.44")).toBe("connected");
  });

  it("keys sign-in limits on the forwarded address", async () => {
    const agent = await createAgent(t.pool);
    for (let i = 0; i < 5; i++) expect(await signIn(t, agent.email, `guess ${i}`, "203.0.113.10")).toBe(401);
    expect(await signIn(t, agent.email, TEST_PASSWORD, "203.0.113.10")).toBe(429);
    expect(await signIn(t, agent.email, TEST_PASSWORD, "203.0.113.11")).toBe(200);
  });
});
