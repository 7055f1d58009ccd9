// MMS media: fetched from Twilio by a job with the account's credentials (Basic auth, then Twilio's
// redirect to storage that must get none), checked like chat files, stored, and shown by our signed
// link only. A file that cannot be had reads as unavailable with the reason; the message is never lost.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageView } from "../shared/api.ts";
import { MEDIA_FETCH_ATTEMPTS } from "../server/jobs/queues.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { newSid } from "../demo/twilio-simulator/fake-twilio.ts";
import { eventually, nextEvent, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let supervisorCookie: string;
// The sweep runs often here: a fetch whose job was lost is picked up within the test.
beforeAll(async () => {
  t = await startTestApp({ start: { sweepEveryMs: 300 } });
  await createQueue(t.pool, { name: "Support" });
  supervisorCookie = await t.login((await createAgent(t.pool, { role: "supervisor" })).email);
});
afterAll(async () => t?.close());

const png = (size: number) => {
  const data = randomBytes(size);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(data);
  return data;
};
let phone = 300;
const nextPhone = () => `+1646555${String(phone++).padStart(4, "0")}`;

async function sendMms(media: { url: string; contentType: string }[], body = "Here is a photo") {
  const params: Record<string, string> = { MessageSid: newSid("MM"), From: nextPhone(), Body: body, NumMedia: String(media.length) };
  media.forEach((m, i) => {
    params[`MediaUrl${i}`] = m.url;
    params[`MediaContentType${i}`] = m.contentType;
  });
  const res = await t.sendSms(params);
  expect(res.status).toBe(200);
  return res.messageSid;
}

const storedMedia = async (messageSid: string) =>
  (await t.pool.query<{ id: string; customer_id: string; body: string; media: { url?: string; state?: string; reason?: string }[] }>(
    `SELECT id, customer_id, body, media FROM messages WHERE external_id = $1`,
    [messageSid],
  )).rows[0]!;
const settled = (messageSid: string) =>
  eventually(async () => {
    const m = await storedMedia(messageSid);
    return m.media.every((item) => item.state !== "pending") && m;
  }, { timeoutMs: 10_000 });
const timelineOf = async (customerId: string) =>
  t.api<{ messages: MessageView[] }>(supervisorCookie, "GET", `/api/customers/${customerId}/timeline`);

describe("MMS media", () => {
  it("is fetched with the account's credentials, stored as served, and shown only by our signed link", async () => {
    const data = png(4096);
    const file = t.fake.addMedia({ contentType: "image/png", data });
    const socket = await t.connectAgent(supervisorCookie);
    const live = nextEvent<MessageView>(socket, "message:new", (m) => m.body === "Photo of the damage");
    const sid = await sendMms([{ url: file.url, contentType: "image/png" }], "Photo of the damage");
    // The live message says the file is on its way, and carries no Twilio URL.
    const first = await live;
    expect(first.media).toEqual([{ contentType: "image/png", state: "pending" }]);

    const message = await settled(sid);
    const fetched = t.fake.requests.filter((r) => r.path === file.path);
    expect(fetched).toHaveLength(1);
    expect(fetched[0]!.auth).toEqual({ username: t.fake.accountSid, password: t.fake.authToken });
    const attachment = await t.pool.query(`SELECT content_type, data, message_id, customer_id FROM attachments WHERE message_id = $1`, [message.id]);
    expect(attachment.rows).toHaveLength(1);
    expect(attachment.rows[0]).toMatchObject({ content_type: "image/png", customer_id: message.customer_id });
    expect(Buffer.compare(attachment.rows[0].data, data)).toBe(0);

    const timeline = await timelineOf(message.customer_id);
    const view = timeline.body.messages.find((m) => m.id === message.id)!;
    expect(view.media).toEqual([{ url: expect.stringMatching(new RegExp(`^${t.config.publicUrl}/files/[0-9a-f-]{36}/`)), contentType: "image/png" }]);
    const raw = JSON.stringify(timeline.body);
    for (const secret of ["api.twilio.com", t.fake.url, file.path, "/Media/ME"]) expect(raw).not.toContain(secret);
    const served = await fetch(t.url + new URL(view.media[0]!.url!).pathname);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(Buffer.compare(Buffer.from(await served.arrayBuffer()), data)).toBe(0);
    socket.disconnect();
  });

  it("retries a failing fetch and stores the file once Twilio answers", async () => {
    const data = png(1024);
    const file = t.fake.addMedia({ contentType: "image/png", data });
    t.fake.failNext(2, { status: 503 });
    const sid = await sendMms([{ url: file.url, contentType: "image/png" }]);
    const message = await settled(sid);
    expect(message.media[0]).toEqual({ url: expect.stringContaining("/files/"), contentType: "image/png" });
    expect(t.fake.requests.filter((r) => r.path === file.path).length).toBe(3);
  });

  it("shows a file Twilio no longer has (404) as unavailable at once, and keeps the message", async () => {
    const missing = `https://api.twilio.com/2010-04-01/Accounts/${t.fake.accountSid}/Messages/${newSid("MM")}/Media/${newSid("ME")}`;
    const sid = await sendMms([{ url: missing, contentType: "image/jpeg" }], "Did my picture arrive?");
    const message = await settled(sid);
    expect(message.body).toBe("Did my picture arrive?");
    expect(message.media).toEqual([expect.objectContaining({ state: "unavailable", reason: expect.stringContaining("404") })]);
    // Final: not asked again.
    expect(t.fake.requests.filter((r) => r.path === new URL(missing).pathname)).toHaveLength(1);
    const view = (await timelineOf(message.customer_id)).body.messages.find((m) => m.id === message.id)!;
    expect(view.media).toEqual([{ contentType: "image/jpeg", state: "unavailable", reason: expect.stringContaining("404") }]);
  });

  it("gives up after its retries with the reason, and the message stays", async () => {
    const file = t.fake.addMedia({ contentType: "image/png", data: png(512) });
    t.fake.failNext(MEDIA_FETCH_ATTEMPTS, { status: 500 });
    const sid = await sendMms([{ url: file.url, contentType: "image/png" }], "Second try");
    const message = await settled(sid);
    expect(message.body).toBe("Second try");
    expect(message.media).toEqual([expect.objectContaining({ state: "unavailable", reason: expect.stringMatching(/500.*gave up/) })]);
    expect(t.fake.requests.filter((r) => r.path === file.path)).toHaveLength(MEDIA_FETCH_ATTEMPTS);
  });

  it("refuses a file whose bytes are not its type, like a chat upload", async () => {
    const file = t.fake.addMedia({ contentType: "image/png", data: Buffer.from("MZ this is really a program") });
    const sid = await sendMms([{ url: file.url, contentType: "image/png" }]);
    const message = await settled(sid);
    expect(message.media).toEqual([expect.objectContaining({ state: "unavailable", reason: expect.stringContaining("not image/png") })]);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM attachments WHERE message_id = $1`, [message.id])).rows[0].n).toBe(0);
  });

  it("is fetched by the sweep when its job was lost: pending files are read from Postgres", async () => {
    const data = png(2048);
    const file = t.fake.addMedia({ contentType: "image/png", data });
    const sid = newSid("MM");
    expect((await t.sendSms({ MessageSid: sid, From: nextPhone(), Body: "text first" })).status).toBe(200);
    // As if the webhook's commit went through and the process died before queueing the fetch.
    await t.pool.query(`UPDATE messages SET media = $2, created_at = now() - interval '2 minutes' WHERE external_id = $1`, [
      sid,
      JSON.stringify([{ state: "pending", sourceUrl: file.url, contentType: "image/png" }]),
    ]);
    const message = await settled(sid);
    expect(message.media[0]).toEqual({ url: expect.stringContaining("/files/"), contentType: "image/png" });
    const attachment = await t.pool.query(`SELECT data FROM attachments WHERE message_id = $1`, [message.id]);
    expect(Buffer.compare(attachment.rows[0].data, data)).toBe(0);
  });
});
