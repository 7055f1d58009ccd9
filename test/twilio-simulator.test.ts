// The demo's Twilio simulator against the real product: a customer's text arrives as Twilio's signed
// webhook, and each reply gets Twilio's status callbacks (sent, then delivered, or undelivered 30003).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwilioSimulator, UNREACHABLE_HANDSET, type TwilioSimulator } from "../demo/twilio-simulator/simulator.ts";
import type { MessageView } from "../shared/api.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { BUSINESS_NUMBER, eventually, freePort, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let sim: TwilioSimulator;
let cookie: string;
/** The next random() the simulator draws: 0 makes a reply undelivered, 0.99 delivered (rate 0.5). */
let draw = 0.99;
const failures: string[] = [];
beforeAll(async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  sim = await startTwilioSimulator({
    switchboardUrl: url,
    publicUrl: url,
    businessNumber: BUSINESS_NUMBER,
    deliveryDelayMs: { min: 5, max: 20 },
    undeliveredRate: 0.5,
    random: () => draw,
    onWebhookFailure: (what, detail) => failures.push(`${what}: ${detail}`),
  });
  t = await startTestApp({ publicUrl: url, env: { PORT: String(port), TWILIO_AUTH_TOKEN: sim.authToken, TWILIO_ACCOUNT_SID: sim.accountSid, TWILIO_API_BASE_URL: sim.apiUrl } });
  await createQueue(t.pool, { name: "Support" });
  const agent = await createAgent(t.pool, { presence: "available", capacity: { sms: 20 } });
  cookie = await t.login(agent.email);
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

/** The customer texts in, the agent accepts the offer and replies; returns the reply's stored id. */
async function textAndReply(from: string, reply: string): Promise<string> {
  const sent = await sim.textBusiness(from, "Where is my order?");
  expect(sent.status).toBe("received");
  const conversationId = await eventually(async () => (await t.pool.query(`SELECT conversation_id FROM messages WHERE external_id = $1`, [sent.sid])).rows[0]?.conversation_id as string | undefined);
  const offer = await eventually(async () => (await t.pool.query(`SELECT id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversationId])).rows[0]);
  expect((await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
  const res = await t.api<{ message: MessageView }>(cookie, "POST", `/api/conversations/${conversationId}/messages`, { body: reply });
  expect(res.status).toBe(201);
  return res.body.message.id;
}

const stored = (id: string) => t.pool.query(`SELECT status, external_id, error_code FROM messages WHERE id = $1`, [id]).then((r) => r.rows[0]);

describe("the Twilio simulator", () => {
  it("hands a customer's text to Switchboard as Twilio's signed webhook, stored once with its MessageSid", async () => {
    const sent = await sim.textBusiness("+12125550101", "Hello there");
    expect(sent).toMatchObject({ status: "received", direction: "from_customer" });
    const { rows } = await t.pool.query(`SELECT body, direction FROM messages WHERE external_id = $1`, [sent.sid]);
    expect(rows).toEqual([{ body: "Hello there", direction: "inbound" }]);
    expect(sim.phones.thread("+12125550101").map((m) => m.status)).toEqual(["received"]);
    expect(failures).toEqual([]);
  });

  it("shows a refused webhook on the phone, with Switchboard's HTTP status", async () => {
    const wrong = await startTwilioSimulator({ switchboardUrl: t.url, publicUrl: t.url, businessNumber: BUSINESS_NUMBER, authToken: "not-the-account-token" });
    try {
      const sent = await wrong.textBusiness("+12125550102", "Signed with the wrong token");
      expect(sent).toMatchObject({ status: "refused", errorCode: 403 });
    } finally {
      await wrong.close();
    }
  });

  it("reports a reply sent, then delivered, through its signed status callback; the phone shows both", async () => {
    draw = 0.99;
    const id = await textAndReply("+12125550103", "It ships today");
    await eventually(async () => ((await stored(id)).status === "delivered" ? true : undefined));
    await sim.settled();
    const thread = sim.phones.thread("+12125550103");
    expect(thread.at(-1)).toMatchObject({ direction: "to_customer", body: "It ships today", status: "delivered", sid: (await stored(id)).external_id });
    const resource = sim.fake.acceptedMessages().find((m) => m.sid === thread.at(-1)!.sid);
    expect(resource).toMatchObject({ status: "delivered", error_code: null });
    expect(failures).toEqual([]);
  });

  it("now and then ends a reply undelivered with error 30003, as a carrier would", async () => {
    draw = 0;
    const id = await textAndReply("+12125550104", "This one will not arrive");
    await eventually(async () => ((await stored(id)).status === "failed" ? true : undefined));
    expect((await stored(id)).error_code).toBe(String(UNREACHABLE_HANDSET));
    await sim.settled();
    expect(sim.phones.thread("+12125550104").at(-1)).toMatchObject({ status: "undelivered", errorCode: UNREACHABLE_HANDSET });
    expect(failures).toEqual([]);
  });
});
