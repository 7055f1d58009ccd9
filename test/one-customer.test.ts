// One customer across every channel (issue 11): the same person texts, calls, chats verified by the
// shop, and — once an agent has added their email to the record — writes an email; all four land on one
// customer and one timeline, in the order they happened, through the real webhooks, widget and mailbox.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomerView, TimelinePage, WidgetView } from "../shared/api.ts";
import { identityHmac } from "../server/domain/chat/link-verified-identity.ts";
import { connectVisitor } from "./support/chat-visitor.ts";
import { startEmailApp, type EmailApp } from "./support/email-app.ts";
import { createAgent } from "./support/factories.ts";
import { newSid } from "../demo/twilio-simulator/fake-twilio.ts";
import { postSignedForm } from "./support/twilio-webhooks.ts";

let e: EmailApp;
beforeAll(async () => {
  e = await startEmailApp();
}, 60_000);
afterAll(async () => e?.close());

describe("one customer, every channel", () => {
  it("SMS, a call, a verified chat and an email are one customer and one timeline, in order", async () => {
    const { t } = e;
    const admin = await createAgent(t.pool, { role: "admin" });
    const cookie = await t.login(admin.email);
    const site = "https://shop.example.test";
    const widget = (await t.api<{ widget: WidgetView }>(cookie, "POST", "/api/widgets", { name: "Shop", allowedOrigins: [site] })).body.widget;
    const phone = "+12125550555";

    expect((await t.sendSms({ From: phone, Body: "Where is my parcel?" })).status).toBe(200);
    const path = "/webhooks/twilio/voice";
    const params = { AccountSid: t.fake.accountSid, ApiVersion: "2010-04-01", Direction: "inbound", CallSid: newSid("CA"), From: phone, To: "+14155550100", CallStatus: "ringing" };
    expect((await postSignedForm({ url: t.url + path, signatureUrl: t.config.publicUrl + path, authToken: t.fake.authToken, params })).status).toBe(200);
    // The shop's server signs the phone as it knows it, in its own format.
    const claimed = "(212) 555-0555";
    const { socket } = await connectVisitor(t.url, { widgetKey: widget.publicKey, origin: site, identity: { kind: "phone", value: claimed, hmac: identityHmac(widget.identitySecret!, claimed) } });
    try {
      expect((await socket.emitWithAck("chat:send", { clientId: randomUUID(), body: "I called about my parcel" })).ok).toBe(true);
    } finally {
      socket.disconnect();
    }
    const customerId = (await t.pool.query(`SELECT customer_id FROM identities WHERE kind = 'phone' AND value = $1`, [phone])).rows[0].customer_id as string;

    // The agent learns their email on the call and adds it to the record; their mail then joins them.
    const added = await t.api<{ customer: CustomerView }>(cookie, "POST", `/api/customers/${customerId}/identities`, { kind: "email", value: "Pat.Parcel@Example.test" });
    expect(added.status).toBe(201);
    const mail = await e.receive({ from: "pat.parcel@example.test", subject: "Parcel", text: "Here is the tracking number you asked for" });
    const stored = await e.stored(mail.messageId);
    expect(stored.customer_id).toBe(customerId);

    const channels = await t.pool.query(`SELECT DISTINCT channel::text AS channel FROM conversations WHERE customer_id = $1 ORDER BY 1`, [customerId]);
    expect(channels.rows.map((r) => r.channel)).toEqual(["sms", "voice", "email", "chat"].sort());
    const page = await t.api<TimelinePage>(cookie, "GET", `/api/customers/${customerId}/timeline`);
    const inbound = page.body.messages.filter((m) => m.direction === "inbound").map((m) => `${m.channel}/${m.kind}`);
    expect(inbound).toEqual(["sms/text", "voice/call", "chat/text", "email/email"]);
    const customer = await t.api<{ customer: CustomerView }>(cookie, "GET", `/api/customers/${customerId}`);
    expect(customer.body.customer.identities.map((i) => i.kind).sort()).toEqual(["chat_visitor", "email", "phone"]);
  });
});
