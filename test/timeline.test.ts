// The customer timeline at length: 10,000 items over four channels and twelve conversations page back
// exactly once each in order, with and without a channel or kind filter, at one SQL query per page
// whatever the page size or depth; cursors of another filter or made up are refused; catch-up keeps
// to the filter; and one person by SMS, voice and verified chat is one customer with one timeline.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView, TimelineChanges, TimelinePage, WidgetView } from "../shared/api.ts";
import type { Actor } from "../server/domain/auth/permissions.ts";
import { identityHmac } from "../server/domain/chat/link-verified-identity.ts";
import { timelinePage, type TimelineFilter } from "../server/domain/workspace/timeline.ts";
import { connectVisitor } from "./support/chat-visitor.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { newSid } from "../demo/twilio-simulator/fake-twilio.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";
import { seedTimeline, type SeededTimeline } from "./support/timeline-seed.ts";
import { postSignedForm } from "./support/twilio-webhooks.ts";

const ITEMS = 10_000;
let t: TestApp;
let cookie: string;
let actor: Actor;
let seeded: SeededTimeline;
let queries = 0;
/** The app's pool with every query counted: what the domain function costs per page. */
let counted: pg.Pool;

beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
  const agent = await createAgent(t.pool, { name: "Dana Agent" });
  actor = { id: agent.id, role: "agent", name: agent.name };
  cookie = await t.login(agent.email);
  seeded = await seedTimeline(t.pool, { items: ITEMS, authorAgentId: agent.id });
  const pool = t.pool;
  counted = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === "query") return (...args: unknown[]) => (queries++, (target.query as (...a: unknown[]) => unknown).apply(target, args));
      if (prop === "connect") throw new Error("the timeline must not take a client of its own (its queries would go uncounted)");
      return Reflect.get(target, prop, receiver);
    },
  });
}, 60_000);
afterAll(async () => t?.close());

const ALL: TimelineFilter = { channel: [], kind: [] };

/** Ids in display order (oldest first) straight from the table, for the filter. */
async function expectedIds(filter: TimelineFilter): Promise<string[]> {
  const { rows } = await t.pool.query<{ id: string }>(
    `SELECT id FROM messages WHERE customer_id = $1 AND (cardinality($2::text[]) = 0 OR channel::text = ANY($2))
        AND (cardinality($3::text[]) = 0 OR kind::text = ANY($3)) ORDER BY created_at, id`,
    [seeded.customerId, filter.channel, filter.kind],
  );
  return rows.map((r) => r.id);
}

/** Walks from the newest page to the oldest; returns every id seen (oldest first) and each page's cursor. */
async function walk(filter: TimelineFilter, limit: number): Promise<{ ids: string[]; cursors: string[]; messages: MessageView[] }> {
  const pages: MessageView[][] = [];
  const cursors: string[] = [];
  let before: string | undefined;
  for (let n = 0; n < ITEMS; n++) {
    const page = await timelinePage({ pool: t.pool }, actor, { customerId: seeded.customerId, before, limit, filter });
    expect(page.messages.length).toBeLessThanOrEqual(limit);
    pages.unshift(page.messages);
    if (!page.olderCursor) break;
    expect(page.messages.length).toBe(limit);
    cursors.push(page.olderCursor);
    before = page.olderCursor;
  }
  const messages = pages.flat();
  return { ids: messages.map((m) => m.id), cursors, messages };
}

describe("paging 10,000 items", () => {
  it("the seed has runs of equal created_at, so the id tie-break is exercised", async () => {
    const { rows } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT created_at FROM messages WHERE customer_id = $1 GROUP BY created_at HAVING count(*) > 1) d`,
      [seeded.customerId],
    );
    expect(rows[0]!.n).toBeGreaterThan(ITEMS / 4);
    const conversations = await t.pool.query(`SELECT DISTINCT channel, conversation_id FROM messages WHERE customer_id = $1`, [seeded.customerId]);
    expect(conversations.rowCount).toBe(12);
  });

  it("walking every page backwards yields every item exactly once, in order", async () => {
    const { ids, messages } = await walk(ALL, 100);
    expect(ids.length).toBe(ITEMS);
    expect(new Set(ids).size).toBe(ITEMS);
    expect(ids).toEqual(await expectedIds(ALL));
    // Each item carries what the client shows, from the same query: author, files, email summary.
    const note = messages.find((m) => m.kind === "note")!;
    expect(note.authorName).toBe("Dana Agent");
    expect(messages.find((m) => m.media.length > 0)?.media[0]).toMatchObject({ contentType: "image/png" });
    expect(messages.find((m) => m.kind === "email")?.email?.subject).toMatch(/^Order \d+$/);
  });

  it.each([
    ["one channel", { channel: ["email"], kind: [] }],
    ["two channels", { channel: ["sms", "voice"], kind: [] }],
    ["notes only", { channel: [], kind: ["note"] }],
    ["calls and voicemails on voice", { channel: ["voice"], kind: ["call", "voicemail"] }],
  ] as [string, TimelineFilter][])("with a filter (%s) every matching item comes once, in order, and nothing else", async (_name, filter) => {
    const expected = await expectedIds(filter);
    expect(expected.length).toBeGreaterThan(200);
    const { ids, messages } = await walk(filter, 97);
    expect(ids).toEqual(expected);
    for (const m of messages) {
      if (filter.channel.length) expect(filter.channel).toContain(m.channel);
      if (filter.kind.length) expect(filter.kind).toContain(m.kind);
    }
  });

  it("costs one query per page: first or deep, 20 or 100 items, filtered or not", async () => {
    const costs: Record<string, number> = {};
    for (const filter of [ALL, { channel: ["chat"], kind: [] } as TimelineFilter]) {
      // A cursor names a message, not a page size: the walk's cursors serve both sizes.
      const { cursors } = await walk(filter, 100);
      for (const limit of [20, 100]) {
        const at = { first: undefined, middle: cursors[Math.floor(cursors.length / 2)], oldest: cursors.at(-1) };
        for (const [where, before] of Object.entries(at)) {
          queries = 0;
          const page = await timelinePage({ pool: counted }, actor, { customerId: seeded.customerId, before, limit, filter });
          expect(page.messages.length).toBeGreaterThan(0);
          costs[`${filter.channel.join("+") || "all"} ${limit} ${where}`] = queries;
        }
      }
    }
    expect(Object.keys(costs).length).toBe(12);
    expect(new Set(Object.values(costs))).toEqual(new Set([1]));
  });
});

const timelineApi = (query: string) => t.api<TimelinePage & { error?: { code: string } }>(cookie, "GET", `/api/customers/${seeded.customerId}/timeline?${query}`);

describe("cursors and filters over HTTP", () => {
  it("accepts repeated and comma-separated channels alike, and refuses an unknown one", async () => {
    const repeated = await timelineApi("channel=sms&channel=email&limit=30");
    const comma = await timelineApi("channel=email,sms&limit=30");
    expect(repeated.status).toBe(200);
    expect(comma.body.messages.map((m) => m.id)).toEqual(repeated.body.messages.map((m) => m.id));
    expect(new Set(repeated.body.messages.map((m) => m.channel))).toEqual(new Set(["sms", "email"]));
    expect(comma.body.olderCursor).toBe(repeated.body.olderCursor);
    for (const bad of ["channel=fax", "kind=letter", "channel=sms,,fax"]) {
      const res = await timelineApi(bad);
      expect(res.status, bad).toBe(400);
      expect(res.body.error?.code).toBe("VALIDATION");
    }
  });

  it("refuses a cursor used with another filter, another customer's, made up or garbled (400 VALIDATION)", async () => {
    const emailPage = await timelineApi("channel=email&limit=10");
    const allPage = await timelineApi("limit=10");
    const emailCursor = emailPage.body.olderCursor!;
    const allCursor = allPage.body.olderCursor!;
    expect((await timelineApi(`channel=email&limit=10&before=${emailCursor}`)).status).toBe(200);
    expect((await timelineApi(`limit=10&before=${allCursor}`)).status).toBe(200);

    const sms = await t.sendSms({ From: "+12125550123", Body: "another customer" });
    expect(sms.status).toBe(200);
    const otherId = (await t.pool.query<{ id: string }>(`SELECT id FROM messages WHERE external_id = $1`, [sms.messageSid])).rows[0]!.id;
    // The anchor of a cursor of the unfiltered page that is not an email: right key, wrong row.
    const smsId = (await t.pool.query<{ id: string }>(`SELECT id FROM messages WHERE customer_id = $1 AND channel = 'sms' LIMIT 1`, [seeded.customerId])).rows[0]!.id;
    const forge = (text: string) => Buffer.from(text).toString("base64url");
    const refused = {
      "a filtered cursor without the filter": `limit=10&before=${emailCursor}`,
      "an unfiltered cursor with a filter": `channel=email&limit=10&before=${allCursor}`,
      "a filtered cursor with another filter": `channel=sms&limit=10&before=${emailCursor}`,
      "another customer's message": `limit=10&before=${forge(`v1|${otherId}|c=;k=`)}`,
      "a made-up id": `limit=10&before=${forge(`v1|${randomUUID()}|c=;k=`)}`,
      "a message outside the filter": `channel=email&limit=10&before=${forge(`v1|${smsId}|c=email;k=`)}`,
      "an old-style cursor": `limit=10&before=${forge(`${new Date().toISOString()}|${smsId}`)}`,
      garbage: "limit=10&before=garbage",
    };
    for (const [what, query] of Object.entries(refused)) {
      const res = await timelineApi(query);
      expect(res.status, what).toBe(400);
      expect(res.body.error?.code, what).toBe("VALIDATION");
    }
  });

  it("catch-up from a filtered page's change cursor brings only the filter's new messages", async () => {
    const page = await timelineApi("channel=email&limit=5");
    const since = page.body.changeCursor;
    // A text from the customer's phone (same customer) and an email on their email thread.
    const phone = (await t.pool.query<{ value: string }>(`SELECT value FROM identities WHERE customer_id = $1 AND kind = 'phone'`, [seeded.customerId])).rows[0]!.value;
    const sms = await t.sendSms({ From: phone, Body: "a new text" });
    expect(sms.status).toBe(200);
    const email = await t.pool.query<{ id: string }>(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, external_id)
       VALUES ($1, $2, 'email', 'inbound', 'email', 'a new email', 'received', $3) RETURNING id`,
      [seeded.conversations.email[0], seeded.customerId, `<${randomUUID()}@example.test>`],
    );
    const changes = await t.api<TimelineChanges>(cookie, "GET", `/api/customers/${seeded.customerId}/timeline/changes?since=${since}&channel=email`);
    expect(changes.status).toBe(200);
    expect(changes.body.messages.map((m) => m.id)).toContain(email.rows[0]!.id);
    expect(changes.body.messages.every((m) => m.channel === "email")).toBe(true);
    const unfiltered = await t.api<TimelineChanges>(cookie, "GET", `/api/customers/${seeded.customerId}/timeline/changes?since=${since}`);
    expect(unfiltered.body.messages.map((m) => m.body)).toEqual(expect.arrayContaining(["a new text", "a new email"]));
    expect((await t.api(cookie, "GET", `/api/customers/${seeded.customerId}/timeline/changes?since=${since}&channel=pigeon`)).status).toBe(400);
    // The newest filtered page now ends with the new email, and a deeper page still pages on.
    const after = await timelineApi("channel=email&limit=5");
    expect(after.body.messages.at(-1)?.id).toBe(email.rows[0]!.id);
    expect((await timelineApi(`channel=email&limit=5&before=${after.body.olderCursor}`)).body.messages.length).toBe(5);
  });
});

describe("one person on every channel", () => {
  it("the same person by SMS, voice and verified chat is one customer and one timeline in the order it happened", async () => {
    const admin = await createAgent(t.pool, { role: "admin" });
    const site = "https://shop.example.test";
    const widget = (await t.api<{ widget: WidgetView }>(await t.login(admin.email), "POST", "/api/widgets", { name: "Shop", allowedOrigins: [site] })).body.widget;
    const phone = "+12125550444";

    const sms = await t.sendSms({ From: phone, Body: "Where is my parcel?" });
    expect(sms.status).toBe(200);
    const callSid = newSid("CA");
    const path = "/webhooks/twilio/voice";
    const params = { AccountSid: t.fake.accountSid, ApiVersion: "2010-04-01", Direction: "inbound", CallSid: callSid, From: phone, To: "+14155550100", CallStatus: "ringing" };
    const call = await postSignedForm({ url: t.url + path, signatureUrl: t.config.publicUrl + path, authToken: t.fake.authToken, params });
    expect(call.status).toBe(200);
    // The shop's server signs the phone as it knows it: the visitor is linked to the caller's customer.
    const claimed = "(212) 555-0444";
    const { socket } = await connectVisitor(t.url, { widgetKey: widget.publicKey, origin: site, identity: { kind: "phone", value: claimed, hmac: identityHmac(widget.identitySecret!, claimed) } });
    try {
      const ack = await socket.emitWithAck("chat:send", { clientId: randomUUID(), body: "I called about my parcel" });
      expect(ack.ok).toBe(true);
    } finally {
      socket.disconnect();
    }

    const customers = await t.pool.query<{ customer_id: string; channel: string }>(
      `SELECT DISTINCT customer_id, channel FROM conversations WHERE customer_id = (SELECT customer_id FROM identities WHERE kind = 'phone' AND value = $1)`,
      [phone],
    );
    expect(customers.rows.map((r) => r.channel).sort()).toEqual(["chat", "sms", "voice"]);
    const customerId = customers.rows[0]!.customer_id;
    const visitor = await t.pool.query(`SELECT customer_id FROM identities WHERE kind = 'chat_visitor'`);
    expect(visitor.rows.map((r) => r.customer_id)).toContain(customerId);

    const page = await t.api<TimelinePage>(cookie, "GET", `/api/customers/${customerId}/timeline`);
    const inbound = page.body.messages.filter((m) => m.direction === "inbound").map((m) => `${m.channel}/${m.kind}`);
    expect(inbound).toEqual(["sms/text", "voice/call", "chat/text"]);
  });
});
