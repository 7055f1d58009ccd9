// Starts the whole product for a test file: its own database and Redis prefix, the fake Twilio API,
// and helpers to sign webhooks, sign in and connect agent sockets.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { io as connectSocket, type Socket } from "socket.io-client";
import type { AgentClientToServer, AgentServerToClient } from "../../shared/events.ts";
import { AGENT_NAMESPACE } from "../../shared/events.ts";
import { loadConfig, type Config } from "../../server/config.ts";
import { createLogger } from "../../server/log.ts";
import { startSwitchboard, type StartOptions, type Switchboard } from "../../server/switchboard.ts";
import { freePort } from "../../scripts/local-services.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { TEST_REDIS_URL } from "./env.ts";
import { startFakeTwilio, type FakeTwilio } from "../../demo/twilio-simulator/fake-twilio.ts";
import { TEST_PASSWORD } from "./factories.ts";
import { postSignedForm, smsStatusParams, smsWebhookParams } from "./twilio-webhooks.ts";

export { freePort };

export const BUSINESS_NUMBER = "+14155550100";

export interface TestApp {
  sb: Switchboard;
  config: Config;
  url: string;
  fake: FakeTwilio;
  pool: Switchboard["db"]["pool"];
  /** POSTs a signed inbound SMS webhook; params override a realistic default set. */
  sendSms(overrides?: Record<string, string | undefined>): Promise<{ status: number; body: string; messageSid: string }>;
  sendStatus(messageSid: string, status: string, opts?: { messageId?: string; errorCode?: string }): Promise<{ status: number }>;
  login(email: string, password?: string): Promise<string>;
  /** Sends the workspace's own Origin (PUBLIC_URL's), as a browser does; `headers` override it. */
  api<T = unknown>(cookie: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** The origin of PUBLIC_URL: what the workspace's pages send as Origin. */
  origin: string;
  connectAgent(cookie: string, headers?: Record<string, string>): Promise<Socket<AgentServerToClient, AgentClientToServer>>;
  close(): Promise<void>;
}

export async function startTestApp(
  opts: {
    publicUrl?: string | "local";
    env?: Record<string, string>;
    start?: Partial<Omit<StartOptions, "config">>;
    configure?: (c: Config) => void;
    /** A migrated database of the test's own (e.g. on a PostgreSQL it stops and starts); else a fresh clone. */
    database?: TestDatabase;
  } = {},
): Promise<TestApp> {
  const db = opts.database ?? (await createTestDatabase());
  const fake = await startFakeTwilio();
  const port = await freePort();
  // By default Twilio "calls" a public https URL, as behind a proxy: the signature covers that URL, not ours.
  // "local": the browser's own origin (a browser test needs non-Secure cookies over plain http).
  const publicUrl = opts.publicUrl === "local" ? `http://127.0.0.1:${port}` : (opts.publicUrl ?? "https://switchboard.example.test");
  const config = loadConfig({
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: publicUrl,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    TWILIO_PHONE_NUMBER: BUSINESS_NUMBER,
    TWILIO_API_BASE_URL: fake.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
    REDIS_PREFIX: `sbtest-${randomBytes(4).toString("hex")}`,
    ...opts.env,
  });
  const origin = new URL(publicUrl).origin;
  opts.configure?.(config);
  const sb = await startSwitchboard({
    config,
    log: createLogger(config.logLevel),
    sweepEveryMs: 60_000,
    disconnectGraceMs: 60_000,
    outboundBackoffMs: 50,
    mediaBackoffMs: 50,
    ...opts.start,
  });
  const url = sb.url;
  const sockets: Socket[] = [];

  const app: TestApp = {
    sb,
    config,
    url,
    fake,
    pool: sb.db.pool,
    origin,
    async sendSms(overrides = {}) {
      const params = smsWebhookParams({ AccountSid: fake.accountSid, ...overrides });
      const res = await postSignedForm({
        url: `${url}/webhooks/twilio/sms`,
        signatureUrl: `${publicUrl}/webhooks/twilio/sms`,
        authToken: fake.authToken,
        params,
      });
      return { status: res.status, body: res.body, messageSid: params.MessageSid! };
    },
    async sendStatus(messageSid, status, o = {}) {
      const path = `/webhooks/twilio/sms/status${o.messageId ? `?messageId=${o.messageId}` : ""}`;
      const params = smsStatusParams({ MessageSid: messageSid, MessageStatus: status, AccountSid: fake.accountSid, ...(o.errorCode ? { ErrorCode: o.errorCode } : {}) });
      const res = await postSignedForm({ url: url + path, signatureUrl: publicUrl + path, authToken: fake.authToken, params });
      return { status: res.status };
    },
    async login(email, password = TEST_PASSWORD) {
      const res = await fetch(`${url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", origin },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
      return cookie;
    },
    async api(cookie, method, path, body, headers = {}) {
      const res = await fetch(url + path, {
        method,
        headers: { cookie, origin, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      // An HTML answer (an email's frame document) is returned as its text.
      const json = text !== "" && (res.headers.get("content-type") ?? "").includes("json");
      return { status: res.status, body: (json ? JSON.parse(text) : text || null) as never };
    },
    async connectAgent(cookie, headers = {}) {
      const socket = connectSocket(url + AGENT_NAMESPACE, { extraHeaders: { cookie, origin, ...headers }, transports: ["websocket"], reconnection: false });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", reject);
      });
      return socket as Socket<AgentServerToClient, AgentClientToServer>;
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await sb.close();
      await fake.close();
      await deleteKeys(config.redisUrl, config.redisPrefix);
      await db.drop();
    },
  };
  return app;
}

/** Deletes the run's keys from the Redis it used (nothing to do when that Redis was never reachable). */
async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on("error", () => {}); // a test that pointed the app at a dead Redis left nothing there
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } catch {
    // unreachable Redis: see above
  } finally {
    redis.disconnect();
  }
}

/** Polls until fn returns a truthy value (for state that settles asynchronously, e.g. after a job). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`condition not met in time${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}

/** Resolves with the next event of that name on the socket (rejects after a timeout). */
export function nextEvent<T>(socket: Socket, event: string, predicate: (payload: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = (payload: T) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(payload);
    };
    socket.on(event, handler);
  });
}
