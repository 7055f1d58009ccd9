// GET /api/messages/:id/email-html: the frame document's headers (the browser test shows the frame
// holds; this pins each wall of it), the cid: and remote image rewriting, and what is not found.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailConversation, createEmailMessage } from "./support/email-messages.ts";
import { createAgent } from "./support/factories.ts";
import { solidPng } from "./support/request-recorder.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let cookie: string;
let conversation: { id: string; customerId: string };
beforeAll(async () => {
  t = await startTestApp();
  const agent = await createAgent(t.pool, { name: "Erin Email" });
  cookie = await t.login(agent.email);
  conversation = await createEmailConversation(t.pool, { assignedAgentId: agent.id });
});
afterAll(async () => t?.close());

async function frameDocument(messageId: string, query = "") {
  const res = await fetch(`${t.url}/api/messages/${messageId}/email-html${query}`, { headers: { cookie } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe("an email's HTML for the sandboxed frame", () => {
  it("is served with a policy that allows no script, no remote load and no framing by other sites", async () => {
    const m = await createEmailMessage(t.pool, t.config, { conversationId: conversation.id, customerId: conversation.customerId, body: "Hi", html: "<p>Hi</p>" });
    const res = await frameDocument(m.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toBe(
      `default-src 'none'; style-src 'unsafe-inline'; img-src ${t.config.publicUrl}/files/ data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox`,
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.text).toMatch(/^<!doctype html><html><head><meta charset="utf-8"><base target="_blank">.*<style>/s);
    expect(res.text).toContain("<body><p>Hi</p></body>");
    // Remote images widen img-src to https, and nothing else.
    const remote = await frameDocument(m.id, "?images=remote");
    expect(remote.headers.get("content-security-policy")).toContain(`img-src ${t.config.publicUrl}/files/ data: https:;`);
    expect(remote.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'unsafe-inline'; img-src [^;]+; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox$/);
  });

  it("points cid: images at the message's own parts, drops unknown ones and raw remote sources, and restores remote ones only when asked", async () => {
    const m = await createEmailMessage(t.pool, t.config, {
      conversationId: conversation.id,
      customerId: conversation.customerId,
      body: "Photo",
      html:
        `<html><head><meta http-equiv="refresh" content="0;url=https://evil.test/"><base href="https://evil.test/"></head><body>` +
        `<img src="cid:Photo%40Pat" alt="photo"><img src="cid:unknown@pat"><img src="https://tracker.test/t.png" srcset="https://tracker.test/2x.png 2x">` +
        `<img data-remote-src="https://cdn.shop.test/logo.png" alt="logo"><img data-remote-src="javascript:alert(1)" alt="bad">` +
        `<a href="https://shop.test/">shop</a></body></html>`,
      files: [{ name: "photo.png", contentType: "image/png", data: solidPng(4, 4, [0, 0, 0]), contentId: "<photo@pat>" }],
    });
    const { text } = await frameDocument(m.id);
    const fileLink = `${t.config.publicUrl}/files/${m.attachmentIds[0]}/`;
    expect(text).toContain(`<img src="${fileLink}`);
    expect(text).toContain(`<img alt="Inline image not kept" class="sb-missing-image">`);
    expect(text).not.toContain("tracker.test");
    expect(text).not.toContain("evil.test");
    expect(text).toContain(`<img data-remote-src="https://cdn.shop.test/logo.png" alt="logo">`);
    expect(text).toContain(`<a href="https://shop.test/" rel="noopener noreferrer">shop</a>`);

    const remote = await frameDocument(m.id, "?images=remote");
    expect(remote.text).toContain(`<img data-remote-src="https://cdn.shop.test/logo.png" alt="logo" src="https://cdn.shop.test/logo.png">`);
    expect(remote.text).toContain(`<img data-remote-src="javascript:alert(1)" alt="bad">`);
    expect(remote.text).not.toContain("tracker.test");
  });

  it("answers NOT_FOUND for an unknown message and for one without HTML, and VALIDATION for a bad id", async () => {
    const textOnly = await createEmailMessage(t.pool, t.config, { conversationId: conversation.id, customerId: conversation.customerId, body: "Plain" });
    for (const path of [`/api/messages/${textOnly.id}/email-html`, `/api/messages/00000000-0000-4000-8000-000000000000/email-html`]) {
      const res = await t.api<{ error: { code: string } }>(cookie, "GET", path);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 404, code: "NOT_FOUND" });
    }
    const bad = await t.api<{ error: { code: string } }>(cookie, "GET", "/api/messages/not-an-id/email-html");
    expect([bad.status, bad.body.error.code]).toEqual([400, "VALIDATION"]);
    const badQuery = await t.api<{ error: { code: string } }>(cookie, "GET", `/api/messages/${textOnly.id}/email-html?images=all`);
    expect([badQuery.status, badQuery.body.error.code]).toEqual([400, "VALIDATION"]);
  });
});
