// Find anyone (issue 11, item 4) through the real app: by name (partial, any case, any script), phone in
// any format, email, or a word of a message or note; merged-away customers never; bad queries refused.
// Notes are searched: every agent may read them (no island), and "the one whose note says refund" is a real ask.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody } from "../shared/api.ts";
import type { SearchResponse, SearchResult } from "../shared/search.ts";
import { createAgent, createCustomer } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let cookie: string;
const ids = {} as Record<"ana" | "dmitry" | "yamada" | "kettle" | "note" | "ruby" | "caller" | "merged" | "survivor", string>;
let anaLatest: string;

async function addEmail(customerId: string, email: string): Promise<void> {
  await t.pool.query(`INSERT INTO identities (customer_id, kind, value, verified, source) VALUES ($1, 'email', $2, true, 'test')`, [customerId, email.toLowerCase()]);
}

async function addConversation(customerId: string, channel: string, lastMessageAt: string, messages: { body: string; kind?: string; direction?: string }[] = []): Promise<string> {
  const { rows } = await t.pool.query<{ id: string }>(
    `INSERT INTO conversations (customer_id, channel, status, customer_address, last_message_at) VALUES ($1, $2, 'resolved', 'test', $3) RETURNING id`,
    [customerId, channel, lastMessageAt],
  );
  for (const m of messages) {
    await t.pool.query(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status) VALUES ($1, $2, $3, $4, $5, $6, 'received')`,
      [rows[0]!.id, customerId, channel, m.direction ?? "inbound", m.kind ?? "text", m.body],
    );
  }
  return rows[0]!.id;
}

async function search(q: string, extra = ""): Promise<{ status: number; body: SearchResponse & Partial<ErrorBody> }> {
  return t.api<SearchResponse & Partial<ErrorBody>>(cookie, "GET", `/api/customers/search?q=${encodeURIComponent(q)}${extra}`);
}
const found = async (q: string): Promise<SearchResult[]> => {
  const res = await search(q);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results;
};
const customerIds = async (q: string) => (await found(q)).map((r) => r.customer.id);

beforeAll(async () => {
  t = await startTestApp();
  cookie = await t.login((await createAgent(t.pool)).email);
  ids.ana = (await createCustomer(t.pool, { displayName: "Ana López", phone: "+14155550100", tier: "gold" })).id;
  await addEmail(ids.ana, "Ana.Lopez@Example.com");
  await addConversation(ids.ana, "email", "2026-11-01T10:00:00Z", [{ body: "Hello" }]);
  anaLatest = await addConversation(ids.ana, "sms", "2026-11-20T10:00:00Z", [{ body: "Thanks!" }]);
  ids.dmitry = (await createCustomer(t.pool, { displayName: "Дмитрий Иванов", phone: "+14155550177" })).id;
  ids.yamada = (await createCustomer(t.pool, { displayName: "山田太郎" })).id;
  ids.kettle = (await createCustomer(t.pool, { displayName: "Quentin Quill", phone: "+14155550188" })).id;
  await addConversation(ids.kettle, "chat", "2026-11-21T10:00:00Z", [
    { body: "Good morning. I ordered it last week and now the blue kettle arrived with a cracked lid, can you send a new one? I need it before the weekend because my parents visit and they drink tea all day long." },
    // System events are not words anyone wrote: never searched.
    { body: "Transferred to the zebra queue", kind: "event", direction: "internal" },
  ]);
  ids.note = (await createCustomer(t.pool, { displayName: "Nora Notes" })).id;
  await addConversation(ids.note, "voice", "2026-11-22T10:00:00Z", [{ body: "Refund approved for the crimson toaster", kind: "note", direction: "internal" }]);
  ids.ruby = (await createCustomer(t.pool, { displayName: "Ruby Stone" })).id;
  ids.caller = (await createCustomer(t.pool, { displayName: "Carl Caller" })).id;
  await addConversation(ids.caller, "sms", "2026-11-23T10:00:00Z", [{ body: "My sister ruby gave me your number: 4155550100, call her back" }]);
  ids.survivor = (await createCustomer(t.pool, { displayName: "Sam Survivor" })).id;
  ids.merged = (await createCustomer(t.pool, { displayName: "Morgan Mergedaway", phone: "+14155550199" })).id;
  await addConversation(ids.merged, "sms", "2026-11-23T10:00:00Z", [{ body: "a duplicate about the walrus" }]);
  await t.pool.query(`UPDATE customers SET merged_into_id = $1 WHERE id = $2`, [ids.survivor, ids.merged]);
  for (let i = 0; i < 30; i++) await createCustomer(t.pool, { displayName: `Limit Tester ${i}` });
});
afterAll(async () => t?.close());

describe("search by name", () => {
  it("finds a partial name in any case, with what the workspace shows", async () => {
    for (const q of ["ana", "LÓPEZ", "ana ló", "pez", "ana lopez", "LOPEZ"]) expect(await customerIds(q), q).toContain(ids.ana);
    const [ana] = await found("Ana Lo");
    expect(ana).toEqual({
      customer: { id: ids.ana, displayName: "Ana López", tier: "gold" },
      bestAddress: "+1 415 555 0100",
      matchedOn: "name",
      snippet: null,
      latestConversationId: anaLatest,
      latestConversationChannel: "sms",
      lastContactAt: "2026-11-20T10:00:00.000Z",
    });
  });

  it("finds names in other scripts, also from one or two letters", async () => {
    expect(await customerIds("иванов")).toEqual([ids.dmitry]);
    expect(await customerIds("ДМИТ")).toEqual([ids.dmitry]);
    expect(await customerIds("山田")).toEqual([ids.yamada]);
    expect(await customerIds("太郎")).toEqual([ids.yamada]);
    // One character of such a script can be a whole family name.
    const wang = await createCustomer(t.pool, { displayName: "王芳" });
    expect(await customerIds("王")).toEqual([wang.id]);
  });

  it("puts the start of a name before a match inside it", async () => {
    await createCustomer(t.pool, { displayName: "Mariana Stone" });
    const results = await found("ana");
    expect(results[0]!.customer.id).toBe(ids.ana);
  });
});

describe("search by phone", () => {
  it("finds a phone however it is written, and by a part of its digits", async () => {
    for (const q of ["+1 (415) 555-0100", "4155550100", "415.555.0100", "+14155550100"]) {
      const [first] = await found(q);
      expect({ q, id: first?.customer.id, on: first?.matchedOn }).toEqual({ q, id: ids.ana, on: "phone" });
    }
    const partial = await found("555 0100");
    expect(partial.map((r) => r.customer.id)).toContain(ids.ana);
    expect(partial.find((r) => r.customer.id === ids.ana)!.bestAddress).toBe("+1 415 555 0100");
    expect(await customerIds("0177")).toEqual([ids.dmitry]);
  });

  it("ranks the exact number before a message that mentions it", async () => {
    const results = await found("4155550100");
    expect(results.map((r) => [r.customer.id, r.matchedOn])).toEqual([[ids.ana, "phone"], [ids.caller, "message"]]);
  });
});

describe("search by email", () => {
  it("finds an email exactly in any case, and by a part of it", async () => {
    const [exact] = await found("ANA.LOPEZ@example.COM");
    expect({ id: exact?.customer.id, on: exact?.matchedOn, address: exact?.bestAddress }).toEqual({ id: ids.ana, on: "email", address: "ana.lopez@example.com" });
    const partial = await found("Lopez@Exam");
    expect(partial.map((r) => [r.customer.id, r.matchedOn])).toEqual([[ids.ana, "email"]]);
  });
});

describe("search by a word of a message", () => {
  it("finds the customer by a word of their message, half typed too, with the words around it", async () => {
    for (const q of ["kettle", "KETT", "blue kettle", "cracked"]) {
      const results = await found(q);
      expect({ q, ids: results.map((r) => r.customer.id) }).toEqual({ q, ids: [ids.kettle] });
    }
    const [hit] = await found("kettle");
    expect(hit!.matchedOn).toBe("message");
    expect(hit!.snippet).toMatch(/^….*blue kettle arrived with a cracked lid.*…$/);
    expect(hit!.snippet!.length).toBeLessThan(170);
    expect(hit!.latestConversationChannel).toBe("chat");
  });

  it("finds internal notes, never system events", async () => {
    const [note] = await found("crimson");
    expect({ id: note?.customer.id, on: note?.matchedOn, snippet: note?.snippet }).toEqual({ id: ids.note, on: "message", snippet: "Refund approved for the crimson toaster" });
    expect(await found("zebra")).toEqual([]);
  });

  it("leaves a word in more than 20,000 messages out of the message search, unless a rarer word is beside it", async () => {
    const { id } = await createCustomer(t.pool, { displayName: "Pat Postal" });
    const conversation = await addConversation(id, "sms", "2026-11-24T10:00:00Z");
    await t.pool.query(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status)
       SELECT $1, $2, 'sms', 'outbound', 'text', 'Your parcel is on its way (' || g || ')', 'sent' FROM generate_series(1, 21000) g`,
      [conversation, id],
    );
    await addConversation(ids.note, "sms", "2026-11-25T10:00:00Z", [{ body: "The parcel 77123 came back damaged" }]);
    // As autovacuum would after such a batch: the planner's statistics say how common each word is.
    await t.pool.query(`ANALYZE messages`);
    const alone = await search("parcel");
    expect({ status: alone.status, results: alone.body.results, tooCommon: alone.body.tooCommon }).toEqual({ status: 200, results: [], tooCommon: ["parcel"] });
    expect((await search("parc")).body.tooCommon).toEqual(["parc"]);
    const narrowed = await search("parcel 77123");
    expect({ ids: narrowed.body.results.map((r) => r.customer.id), tooCommon: narrowed.body.tooCommon }).toEqual({ ids: [ids.note], tooCommon: [] });
  });

  it("ranks a name before a message hit", async () => {
    expect((await found("ruby")).map((r) => [r.customer.id, r.matchedOn])).toEqual([[ids.ruby, "name"], [ids.caller, "message"]]);
  });
});

describe("what is never found", () => {
  it("a customer merged into another, by name, phone or message", async () => {
    for (const q of ["Mergedaway", "+1 415 555 0199", "walrus"]) expect(await found(q), q).toEqual([]);
  });

  it("a redacted name: the index keeps no old text", async () => {
    const { id } = await createCustomer(t.pool, { displayName: "Erasmus Forgotten" });
    expect(await customerIds("Erasmus")).toEqual([id]);
    await t.pool.query(`UPDATE customers SET display_name = 'Erased customer' WHERE id = $1`, [id]);
    expect(await found("Erasmus")).toEqual([]);
  });

  it("text that is only LIKE wildcards matches nothing by accident", async () => {
    expect(await found("%%%")).toEqual([]);
    expect(await found("___")).toEqual([]);
  });
});

describe("the query", () => {
  it("refuses an empty, blank or too long query, and a limit over 25", async () => {
    for (const extra of ["", "&q=%20%20", `&q=${"a".repeat(101)}`, "&q=ana&limit=26", "&q=ana&limit=0", "&q=ana&sort=name"]) {
      const res = await t.api<ErrorBody>(cookie, "GET", `/api/customers/search?${extra.slice(1)}`);
      expect({ extra, status: res.status, code: res.body.error.code }).toEqual({ extra, status: 400, code: "VALIDATION" });
    }
  });

  it("answers 10 results by default and at most the limit asked", async () => {
    expect((await found("limit tester")).length).toBe(10);
    expect((await search("limit tester", "&limit=25")).body.results.length).toBe(25);
    expect((await search("limit tester", "&limit=3")).body.results.length).toBe(3);
  });
});
