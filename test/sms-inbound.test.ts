// Inbound SMS: signature, validation, identity, idempotency under Twilio's retries, media.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAgent, createQueue } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";
import { postSignedForm, smsWebhookParams } from "./support/twilio-webhooks.ts";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
});
afterAll(async () => t?.close());

const count = async (sql: string, params: unknown[] = []) => Number((await t.pool.query<{ n: string }>(sql, params)).rows[0]!.n);

describe("POST /webhooks/twilio/sms", () => {
  beforeEach(async () => {
    await t.pool.query("UPDATE agents SET presence = 'offline'");
  });

  it("stores a signed message on a new customer and conversation and answers empty TwiML after the commit", async () => {
    const res = await t.sendSms({ From: "+12125550101", Body: "Where is my order?" });
    expect(res.status).toBe(200);
    expect(res.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const { rows } = await t.pool.query(
      `SELECT m.body, m.direction, m.status, m.external_id, cv.status AS conversation_status, cv.channel, i.value AS phone
         FROM messages m JOIN conversations cv ON cv.id = m.conversation_id JOIN identities i ON i.customer_id = m.customer_id
        WHERE m.external_id = $1`,
      [res.messageSid],
    );
    expect(rows).toEqual([
      { body: "Where is my order?", direction: "inbound", status: "received", external_id: res.messageSid, conversation_status: "queued", channel: "sms", phone: "+12125550101" },
    ]);
  });

  it("stores one message and raises one offer however often Twilio retries in parallel", async () => {
    const agent = await createAgent(t.pool, { presence: "available" });
    const params = smsWebhookParams({ AccountSid: t.fake.accountSid, From: "+12125550102", Body: "retry me" });
    const post = () =>
      postSignedForm({ url: `${t.url}/webhooks/twilio/sms`, signatureUrl: `${t.config.publicUrl}/webhooks/twilio/sms`, authToken: t.fake.authToken, params });
    const results = await Promise.all([post(), post(), post()]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await count(`SELECT count(*) AS n FROM messages WHERE external_id = $1`, [params.MessageSid])).toBe(1);
    const conversationId = (await t.pool.query(`SELECT conversation_id FROM messages WHERE external_id = $1`, [params.MessageSid])).rows[0].conversation_id;
    await eventually(async () => (await count(`SELECT count(*) AS n FROM offers WHERE conversation_id = $1`, [conversationId])) === 1);
    // Any duplicate routing would have shown itself once the routing queue is empty.
    await waitForQueuesToDrain(t.sb.queues);
    expect(await count(`SELECT count(*) AS n FROM offers WHERE conversation_id = $1`, [conversationId])).toBe(1);
    expect((await t.pool.query(`SELECT agent_id FROM offers WHERE conversation_id = $1`, [conversationId])).rows[0].agent_id).toBe(agent.id);
    expect(await count(`SELECT count(*) AS n FROM conversations cv JOIN identities i ON i.customer_id = cv.customer_id WHERE i.value = '+12125550102'`)).toBe(1);
  });

  it("refuses forged, missing and wrong-URL signatures with 403 and stores nothing", async () => {
    const before = await count(`SELECT count(*) AS n FROM messages`);
    const params = smsWebhookParams({ AccountSid: t.fake.accountSid, From: "+12125550103" });
    const url = `${t.url}/webhooks/twilio/sms`;
    const forged = await postSignedForm({ url, authToken: "not-the-real-token", signatureUrl: `${t.config.publicUrl}/webhooks/twilio/sms`, params });
    const missing = await postSignedForm({ url, authToken: t.fake.authToken, params, signature: null });
    // Signed for the loopback URL the request reached, not the public URL Twilio was given.
    const wrongUrl = await postSignedForm({ url, authToken: t.fake.authToken, params });
    const tampered = await postSignedForm({
      url,
      authToken: t.fake.authToken,
      signatureUrl: `${t.config.publicUrl}/webhooks/twilio/sms`,
      params,
      signature: undefined,
    }).then(async () =>
      // Same signature, different body.
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": (await import("./support/twilio-webhooks.ts")).signTwilioRequest(t.fake.authToken, `${t.config.publicUrl}/webhooks/twilio/sms`, params),
        },
        body: new URLSearchParams({ ...params, Body: "changed in transit" }).toString(),
      }),
    );
    expect([forged.status, missing.status, wrongUrl.status, tampered.status]).toEqual([403, 403, 403, 403]);
    // The one correctly signed copy above (the `.then` source) was stored; the forged ones were not.
    expect(await count(`SELECT count(*) AS n FROM messages WHERE body = 'changed in transit'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM messages`)).toBe(before + 1);
  });

  it("answers 400 with the reason for malformed bodies and stores nothing", async () => {
    const before = await count(`SELECT count(*) AS n FROM messages`);
    const noSid = await t.sendSms({ MessageSid: undefined, SmsSid: undefined, SmsMessageSid: undefined });
    const badFrom = await t.sendSms({ From: "not a phone" });
    const empty = await t.sendSms({ Body: "" });
    const badMedia = await t.sendSms({ NumMedia: "1" });
    expect(noSid.status).toBe(400);
    expect(badFrom.status).toBe(400);
    expect(badFrom.body).toContain("From");
    expect(empty.status).toBe(400);
    expect(badMedia.status).toBe(400);
    expect(badMedia.body).toContain("MediaUrl0");
    expect(await count(`SELECT count(*) AS n FROM messages`)).toBe(before);
  });

  it("treats two formats of one number as one customer", async () => {
    await t.sendSms({ From: "+1 415 555 0142", Body: "first" });
    await t.sendSms({ From: "(415) 555-0142", Body: "second" });
    const { rows } = await t.pool.query(
      `SELECT DISTINCT m.customer_id FROM messages m WHERE m.body IN ('first', 'second')`,
    );
    expect(rows).toHaveLength(1);
    const identities = await t.pool.query(`SELECT value FROM identities WHERE customer_id = $1`, [rows[0].customer_id]);
    expect(identities.rows).toEqual([{ value: "+14155550142" }]);
  });

  it("keeps MMS media on the message, to fetch, and never fetches another account's URL", async () => {
    const res = await t.sendSms({
      From: "+12125550104",
      Body: "",
      NumMedia: "2",
      MediaUrl0: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
      MediaContentType0: "image/jpeg",
      MediaUrl1: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
      MediaContentType1: "application/pdf",
    });
    expect(res.status).toBe(200);
    // AC1 is not this account: the credentials are never sent there, and the files read as unavailable.
    const media = await eventually(async () => {
      const { rows } = await t.pool.query(`SELECT media FROM messages WHERE external_id = $1`, [res.messageSid]);
      return rows[0].media.every((m: { state?: string }) => m.state === "unavailable") && rows[0].media;
    });
    expect(media).toEqual([
      expect.objectContaining({ state: "unavailable", contentType: "image/jpeg", reason: expect.any(String) }),
      expect.objectContaining({ state: "unavailable", contentType: "application/pdf", reason: expect.any(String) }),
    ]);
    expect(t.fake.requests.some((r) => r.path.includes("/Media/"))).toBe(false);
  });

  it("adds a second message to the customer's open conversation", async () => {
    await t.sendSms({ From: "+12125550105", Body: "one" });
    await t.sendSms({ From: "+12125550105", Body: "two" });
    const { rows } = await t.pool.query(`SELECT DISTINCT conversation_id FROM messages WHERE body IN ('one', 'two')`);
    expect(rows).toHaveLength(1);
  });
});
