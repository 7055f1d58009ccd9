// An agent works email in the real browser: a customer's mail (through Dovecot) is offered, accepted and
// answered (Ctrl+Enter), the answer reaches the SMTP peer in the thread; then the agent writes a new email.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { startEmailApp, type EmailApp } from "../support/email-app.ts";
import { createAgent, createQueue, TEST_PASSWORD } from "../support/factories.ts";

let e: EmailApp;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  e = await startEmailApp({ publicUrl: "local" });
  await createQueue(e.t.pool, { name: "Support" });
  const agent = await createAgent(e.t.pool, { name: "Eve Email" });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signInThroughForm(page, e.t.url, agent.email, TEST_PASSWORD);
  await page.getByTestId("presence-select").selectOption("available");
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await e?.close();
});

describe("email in the workspace", () => {
  it("offers a customer's mail, sends the agent's answer in its thread, and starts a new email", async () => {
    const first = await e.receive({ from: "Una Customer <una@example.net>", subject: "Wrong size", text: "I ordered M and got L." });
    const offer = page.getByTestId("offer-item");
    await expect.poll(() => offer.textContent(), { timeout: 15_000 }).toContain("Una Customer");
    await offer.getByTestId("offer-accept").click();
    await expect.poll(() => page.getByTestId("timeline").textContent()).toContain("I ordered M and got L.");
    expect(await page.getByTestId("composer-email-reply").innerText()).toBe("Reply to una@example.net — Re: Wrong size");

    // Enter is a new line in a mail; Ctrl+Enter sends it.
    const input = page.getByTestId("composer-input");
    await input.fill("Sorry about that.");
    await input.press("Enter");
    await input.pressSequentially("A new one is on its way.");
    await input.press("Control+Enter");
    const sent = await e.sent((m) => m.envelope.to.includes("una@example.net"));
    expect(sent.parsed.text?.trim()).toBe("Sorry about that.\nA new one is on its way.");
    expect(sent.parsed.inReplyTo).toBe(`<${first.messageId}>`);
    const outbound = page.locator(`[data-testid="message-item"][data-direction="outbound"]`).filter({ hasText: "A new one is on its way." });
    await expect.poll(() => outbound.getByTestId("message-status").textContent()).toContain("sent");
    await page.screenshot({ path: join(tmpdir(), "switchboard-email-workspace.png") });

    await page.getByTestId("new-email").click();
    await page.getByTestId("new-email-subject").fill("Your refund");
    await page.getByTestId("new-email-body").fill("The refund for the L shirt is on its way.");
    await page.screenshot({ path: join(tmpdir(), "switchboard-new-email.png") });
    await page.getByTestId("new-email-send").click();
    const started = await e.sent((m) => m.parsed.subject === "Your refund");
    expect(started.envelope.to).toEqual(["una@example.net"]);
    // The new thread opens, with its own subject, and sits in the agent's list.
    await expect.poll(() => page.getByTestId("composer-email-reply").innerText()).toBe("Reply to una@example.net — Re: Your refund");
    await expect.poll(() => page.getByTestId("conversation-item").count()).toBe(2);
  }, 60_000);
});
