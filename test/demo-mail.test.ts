// The demo's mail pair (pure Node: hoodiecrow-imap and smtp-server) with the product's email channel as
// configured for any install (IMAP_URL, SMTP_URL, MAIL_FROM): a customer's mail opens a conversation, the
// agent's reply reaches the customer's mail client with its thread token, and the customer's reply joins it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoMail, type DemoMail } from "../demo/mail/demo-mail.ts";
import type { MessageView } from "../shared/api.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let mail: DemoMail;
let cookie: string;
beforeAll(async () => {
  mail = await startDemoMail({ businessAddress: "support@acme.test", businessName: "Acme Support" });
  t = await startTestApp({
    env: { IMAP_URL: mail.imapUrl, SMTP_URL: mail.smtpUrl, MAIL_FROM: mail.mailFrom },
    start: { mail: { watcher: { backoffMs: { min: 100, max: 400 }, rescanMs: 3000, timeoutMs: 5000 }, refreshMs: 200 } },
  });
  await createQueue(t.pool, { name: "Support" });
  const agent = await createAgent(t.pool, { presence: "available", capacity: { email: 5 } });
  cookie = await t.login(agent.email);
  await eventually(async () => (await t.pool.query(`SELECT 1 FROM mailboxes WHERE health = 'connected'`)).rows[0], { timeoutMs: 15_000 });
});
afterAll(async () => {
  await t?.close();
  await mail?.close();
});

const storedBody = (body: string) =>
  eventually(async () => (await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM messages WHERE channel = 'email' AND body LIKE $1`, [`${body}%`])).rows[0], { timeoutMs: 15_000 });

describe("the demo's mail servers", () => {
  it("carry a customer's mail in, the agent's reply out, and the customer's reply back into the same thread", { timeout: 60_000 }, async () => {
    const sent = await mail.send({ from: "pat@customer.test", subject: "Broken kettle", text: "My kettle arrived broken." });
    const { conversation_id: conversationId } = await storedBody("My kettle arrived broken.");
    const offer = await eventually(async () => (await t.pool.query(`SELECT id FROM offers WHERE conversation_id = $1 AND status = 'pending'`, [conversationId])).rows[0], { timeoutMs: 15_000 });
    expect((await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
    const reply = await t.api<{ message: MessageView }>(cookie, "POST", `/api/conversations/${conversationId}/messages`, { body: "A new kettle ships today." });
    expect(reply.status).toBe(201);

    const received = await eventually(async () => mail.mailbox("pat@customer.test").find((m) => m.direction === "from_business"), { timeoutMs: 15_000 });
    expect(received).toMatchObject({ from: "support@acme.test", to: ["pat@customer.test"], subject: "Re: Broken kettle" });
    expect(received.text).toContain("A new kettle ships today.");
    expect(received.references).toContain(sent.messageId);
    expect(received.replyTo).toMatch(/^support\+.+@acme\.test$/);

    const answer = await mail.send({ from: "pat@customer.test", subject: "Re: Broken kettle", text: "Thank you!", inReplyTo: received.messageId });
    expect(answer.to).toEqual([received.replyTo]);
    expect((await storedBody("Thank you!")).conversation_id).toBe(conversationId);
    expect(mail.mailbox("pat@customer.test").map((m) => m.direction)).toEqual(["to_business", "from_business", "to_business"]);
    expect(mail.addresses()).toEqual(["pat@customer.test"]);
  });
});
