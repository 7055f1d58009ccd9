import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import twilio from "twilio";
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { classifyTwilioError, createTwilioRestClient } from "../channels/twilio/rest-client.ts";
import { startFakeTwilio, type FakeTwilio } from "../demo/twilio-simulator/fake-twilio.ts";
import { postSignedForm, signTwilioRequest, smsStatusParams, smsWebhookParams } from "./support/twilio-webhooks.ts";

const TO = "+12125550123";
const FROM = "+14155550100";

async function captureError(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

describe("fake Twilio REST API with the real twilio client", () => {
  let fake: FakeTwilio;
  let client: ReturnType<typeof createTwilioRestClient>;

  beforeAll(async () => {
    fake = await startFakeTwilio();
    client = createTwilioRestClient({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      apiBaseUrl: fake.url,
    });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it("receives messages.create as Twilio would and answers with a queued message", async () => {
    const message = await client.messages.create({
      to: TO,
      from: FROM,
      body: "Your order has shipped",
      statusCallback: "https://switchboard.example/webhooks/twilio/sms-status",
    });

    expect(fake.messages()).toHaveLength(1);
    const req = fake.messages()[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(req.path).toMatch(/^\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\.json$/);
    expect(req.auth).toEqual({ username: fake.accountSid, password: fake.authToken });
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req.form).toEqual({
      To: TO,
      From: FROM,
      Body: "Your order has shipped",
      StatusCallback: "https://switchboard.example/webhooks/twilio/sms-status",
    });

    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.sid).toBe(req.response?.body.sid);
    expect(message.status).toBe("queued");
    expect(message.to).toBe(TO);
    expect(message.from).toBe(FROM);
    expect(message.accountSid).toBe(fake.accountSid);
    expect(message.errorCode).toBeNull();
    expect(message.numSegments).toBe("1");
    expect(message.dateCreated).toBeInstanceOf(Date);

    const fetched = await client.messages(message.sid).fetch();
    expect(fetched.sid).toBe(message.sid);
  });

  it("keeps every MediaUrl of a media message", async () => {
    await client.messages.create({ to: TO, from: FROM, mediaUrl: ["https://a.example/1.jpg", "https://a.example/2.jpg"] });
    const req = fake.messages()[0]!;
    expect(req.formAll.filter(([k]) => k === "MediaUrl").map(([, v]) => v)).toEqual([
      "https://a.example/1.jpg",
      "https://a.example/2.jpg",
    ]);
    expect(req.form.MediaUrl).toBe("https://a.example/2.jpg");
    expect(req.response?.body.num_media).toBe("2");
  });

  it("refuses a message without a body or media with 21602", async () => {
    const err = await captureError(client.messages.create({ to: TO, from: FROM }));
    expect(classifyTwilioError(err)).toMatchObject({ retryable: false, code: "21602", httpStatus: 400 });
  });

  it("a 500 makes create throw, and the error is retryable", async () => {
    fake.failNext(1, { status: 500 });
    const err = await captureError(client.messages.create({ to: TO, from: FROM, body: "hi" }));
    expect(classifyTwilioError(err)).toMatchObject({ retryable: true, httpStatus: 500, code: "20500" });
    // Only the next request fails.
    await expect(client.messages.create({ to: TO, from: FROM, body: "hi" })).resolves.toMatchObject({ status: "queued" });
    expect(fake.messages().map((r) => r.response?.status)).toEqual([500, 201]);
  });

  it("a 429 is retryable", async () => {
    fake.failNext(1, { status: 429 });
    const err = await captureError(client.messages.create({ to: TO, from: FROM, body: "hi" }));
    expect(classifyTwilioError(err)).toMatchObject({ retryable: true, httpStatus: 429, code: "20429" });
  });

  it("a 400 with Twilio's code is permanent and keeps the code", async () => {
    fake.failNext(1, { status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
    const err = await captureError(client.messages.create({ to: "+1555", from: FROM, body: "hi" }));
    expect(err).toBeInstanceOf(twilio.RestException);
    expect(classifyTwilioError(err)).toEqual({
      retryable: false,
      kind: "permanent",
      outcome: "not_sent",
      code: "21211",
      message: "Invalid 'To' Phone Number",
      httpStatus: 400,
    });
    expect((err as InstanceType<typeof twilio.RestException>).moreInfo).toBe("https://www.twilio.com/docs/errors/21211");
  });

  it("a dropped connection is a retryable network error", async () => {
    fake.dropNext(1);
    const err = await captureError(client.messages.create({ to: TO, from: FROM, body: "hi" }));
    const c = classifyTwilioError(err);
    // Twilio may have acted on it before the connection broke: the outcome is unknown.
    expect(c).toMatchObject({ retryable: true, kind: "transient", outcome: "unknown", httpStatus: null, code: null });
    expect(c.message).toMatch(/ECONNRESET|socket hang up/);
    // The request was recorded even though it got no answer.
    expect(fake.messages()).toHaveLength(1);
    expect(fake.messages()[0]!.response).toBeNull();
  });

  it("a refused connection is a retryable network error", async () => {
    const dead = createTwilioRestClient({
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      apiBaseUrl: "http://127.0.0.1:1",
    });
    const err = await captureError(dead.messages.create({ to: TO, from: FROM, body: "hi" }));
    // Nothing left this machine: Twilio cannot have it.
    expect(classifyTwilioError(err)).toMatchObject({ retryable: true, outcome: "not_sent", httpStatus: null, code: null });
    expect(classifyTwilioError(err).message).toMatch(/ECONNREFUSED/);
  });

  it("a timeout is a retryable network error; a client-side mistake is not retryable", async () => {
    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const slow = createTwilioRestClient({
        accountSid: fake.accountSid,
        authToken: fake.authToken,
        apiBaseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        timeoutMs: 150,
      });
      const err = await captureError(slow.messages.create({ to: TO, from: FROM, body: "hi" }));
      expect(classifyTwilioError(err)).toMatchObject({ retryable: true, outcome: "unknown", httpStatus: null, code: null });
      expect(classifyTwilioError(err).message).toMatch(/timeout/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
    expect(classifyTwilioError(new Error("Required parameter \"params['to']\" missing."))).toMatchObject({
      retryable: false,
      httpStatus: null,
    });
  });

  it("a wrong auth token gets 401 with code 20003", async () => {
    const wrong = createTwilioRestClient({
      accountSid: fake.accountSid,
      authToken: "not-the-token",
      apiBaseUrl: fake.url,
    });
    const err = await captureError(wrong.messages.create({ to: TO, from: FROM, body: "hi" }));
    // Bad credentials fail every send alike: the channel is failing, not this message.
    expect(classifyTwilioError(err)).toMatchObject({ retryable: false, kind: "auth", outcome: "not_sent", httpStatus: 401, code: "20003" });
    expect(fake.requests[0]!.auth).toEqual({ username: fake.accountSid, password: "not-the-token" });
    expect(fake.messages()[0]!.response?.status).toBe(401);
  });

  it("lists messages as Twilio does: filtered by To and From, newest first, paged", async () => {
    await client.messages.create({ to: TO, from: FROM, body: "first" });
    await client.messages.create({ to: "+14155550999", from: FROM, body: "elsewhere" });
    await client.messages.create({ to: TO, from: FROM, body: "second" });
    const listed = await client.messages.list({ to: TO, from: FROM, limit: 10 });
    expect(listed.map((m) => m.body)).toEqual(["second", "first"]);
    expect(listed[0]!.dateCreated).toBeInstanceOf(Date);
    const list = fake.requests.find((r) => r.method === "GET")!;
    expect(list.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(list.query).toMatchObject({ To: TO, From: FROM });
    // Paging follows next_page_uri: a limit above the page size reads two pages.
    const paged = await client.messages.list({ to: TO, pageSize: 1, limit: 2 });
    expect(paged.map((m) => m.body)).toEqual(["second", "first"]);
  });

  it("can accept a message and answer only after the client gave up", async () => {
    const slow = createTwilioRestClient({ accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.url, timeoutMs: 150 });
    fake.delayNext(1, 1000);
    const err = await captureError(slow.messages.create({ to: TO, from: FROM, body: "did it go?" }));
    expect(classifyTwilioError(err)).toMatchObject({ outcome: "unknown" });
    // Twilio has it all the same: a list finds it.
    expect((await client.messages.list({ to: TO })).map((m) => m.body)).toEqual(["did it go?"]);
  });

  it("creates and updates calls", async () => {
    const call = await client.calls.create({ to: TO, from: FROM, url: "https://switchboard.example/voice/outbound" });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.status).toBe("queued");
    expect(fake.calls()[0]!.form).toMatchObject({ To: TO, From: FROM, Url: "https://switchboard.example/voice/outbound" });

    const twiml = new twilio.twiml.VoiceResponse();
    twiml.dial().queue("support");
    const updated = await client.calls(call.sid).update({ twiml: twiml.toString() });
    expect(updated.sid).toBe(call.sid);
    expect(fake.callUpdates()).toHaveLength(1);
    expect(fake.callUpdates()[0]!.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Calls/${call.sid}.json`);
    expect(fake.callUpdates()[0]!.form.Twiml).toContain("<Queue>support</Queue>");

    const ended = await client.calls(call.sid).update({ status: "completed" });
    expect(ended.status).toBe("completed");
  });

  it("waitFor resolves on a later request and times out with a useful error", async () => {
    const waiting = fake.waitFor((r) => r.form.Body === "later");
    await client.messages.create({ to: TO, from: FROM, body: "later" });
    await expect(waiting).resolves.toMatchObject({ form: { Body: "later" } });
    await expect(fake.waitFor((r) => r.form.Body === "never", 50)).rejects.toThrow(/no matching request/);
  });

  it("answers unknown paths with a Twilio-shaped 404", async () => {
    const res = await fetch(`${fake.url}/2010-04-01/Accounts/${fake.accountSid}/Nope.json`, {
      headers: { Authorization: "Basic " + Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString("base64") },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 20404, status: 404 });
  });
});

describe("signed Twilio webhooks", () => {
  const authToken = "webhook-test-token";
  let server: Server;
  let base: string;
  const received: { url: string; signature: string | undefined; params: Record<string, string> }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
        const signature = req.headers["x-twilio-signature"] as string | undefined;
        received.push({ url: req.url ?? "", signature, params });
        // Validates against the public URL, as the app must behind a proxy.
        const valid =
          signature !== undefined &&
          twilio.validateRequest(authToken, signature, `https://public.switchboard.example${req.url}`, params);
        res.writeHead(valid ? 200 : 403, { "Content-Type": "text/xml" });
        res.end(valid ? "<Response/>" : "invalid signature");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("signs exactly as twilio.validateRequest expects", () => {
    const params = smsWebhookParams({ Body: "Hi there & welcome +1 ✓" });
    const url = "https://public.switchboard.example/webhooks/twilio/sms?x=1";
    const sig = signTwilioRequest(authToken, url, params);
    expect(twilio.validateRequest(authToken, sig, url, params)).toBe(true);
    expect(twilio.validateRequest("other-token", sig, url, params)).toBe(false);
    expect(twilio.validateRequest(authToken, sig, url, { ...params, Body: "tampered" })).toBe(false);
  });

  it("postSignedForm signs for the public URL and the receiver validates it", async () => {
    const params = smsWebhookParams({ Body: "STOP" });
    const res = await postSignedForm({
      url: `${base}/webhooks/twilio/sms`,
      signatureUrl: "https://public.switchboard.example/webhooks/twilio/sms",
      authToken,
      params,
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe("<Response/>");
    expect(received.at(-1)!.params).toEqual(params);
  });

  it("a signature for the wrong URL, a forged one, or none is refused", async () => {
    const params = smsWebhookParams();
    const url = `${base}/webhooks/twilio/sms`;
    expect((await postSignedForm({ url, authToken, params })).status).toBe(403); // signed for the loopback URL
    expect((await postSignedForm({ url, authToken, params, signature: "Zm9yZ2Vk" })).status).toBe(403);
    expect((await postSignedForm({ url, authToken, params, signature: null })).status).toBe(403);
    expect(received.at(-1)!.signature).toBeUndefined();
  });

  it("builds realistic inbound SMS and status callback parameters", () => {
    const p = smsWebhookParams({ From: "+447700900123", NumMedia: undefined });
    expect(p.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(p.SmsSid).toBe(p.MessageSid);
    expect(p).toMatchObject({ From: "+447700900123", SmsStatus: "received", ApiVersion: "2010-04-01", NumSegments: "1" });
    expect(p.AccountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect("NumMedia" in p).toBe(false);

    const s = smsStatusParams({ MessageSid: "SM" + "1".repeat(32), MessageStatus: "undelivered", ErrorCode: "30003" });
    expect(s).toMatchObject({ MessageSid: "SM" + "1".repeat(32), SmsSid: "SM" + "1".repeat(32), MessageStatus: "undelivered", SmsStatus: "undelivered", ErrorCode: "30003" });
    expect("ErrorCode" in smsStatusParams({ MessageSid: "SMx", MessageStatus: "delivered" })).toBe(false);
  });
});
