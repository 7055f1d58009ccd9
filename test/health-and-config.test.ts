// Health endpoints, and configuration that stops start with one line naming the variable.
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../server/config.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

const base = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/x", SESSION_SECRET: "s".repeat(32) };
const apps: TestApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

describe("configuration", () => {
  it("names the missing or bad variable in one line", () => {
    expect(() => loadConfig({ SESSION_SECRET: "s".repeat(32) })).toThrow(new ConfigError("Configuration error: DATABASE_URL is required but not set"));
    expect(() => loadConfig({ ...base, PORT: "eighty" })).toThrow(/^Configuration error: PORT /);
    expect(() => loadConfig({ ...base, SESSION_SECRET: "short" })).toThrow("Configuration error: SESSION_SECRET must be at least 32 characters");
    expect(() => loadConfig({ ...base, TWILIO_PHONE_NUMBER: "555-0100", TWILIO_ACCOUNT_SID: "AC" + "0".repeat(32), TWILIO_AUTH_TOKEN: "x" })).toThrow(
      /^Configuration error: TWILIO_PHONE_NUMBER must be an E\.164 number/,
    );
  });

  it("turns a channel off, with the reason, when its settings are absent, and refuses half a setup", () => {
    const c = loadConfig(base);
    expect(c.sms).toBeNull();
    expect(c.channels.sms).toEqual({ enabled: false, reason: expect.stringContaining("TWILIO_ACCOUNT_SID") });
    expect(() => loadConfig({ ...base, TWILIO_ACCOUNT_SID: "AC" + "0".repeat(32) })).toThrow(
      "Configuration error: TWILIO_AUTH_TOKEN is required when the other TWILIO_* settings are set",
    );
  });
});

describe("health", () => {
  it("answers /healthz and /readyz when Postgres and Redis are up", async () => {
    const t = await startTestApp();
    apps.push(t);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" }, channels: {}, mailboxes: {} });
  });

  it("answers 503 naming what is down", async () => {
    const t = await startTestApp({ env: { REDIS_URL: "redis://127.0.0.1:1", DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" }, start: { runWorkers: false } });
    apps.push(t);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = await ready.json();
    expect(body.status).toBe("not ready: postgres, redis down");
    expect(body.checks.postgres).toMatch(/^down: /);
    expect(body.checks.redis).toMatch(/^down: /);
  });

  it("answers 503 for SMS webhooks when the SMS channel is off", async () => {
    const t = await startTestApp({ env: { TWILIO_ACCOUNT_SID: "", TWILIO_AUTH_TOKEN: "", TWILIO_PHONE_NUMBER: "" } });
    apps.push(t);
    const res = await t.sendSms();
    expect(res.status).toBe(503);
    expect(res.body).toMatch(/not configured/);
  });
});
