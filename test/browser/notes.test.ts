// Internal notes in the real browser: the composer's note mode, "@" to pick a colleague, the note on the
// timeline and the colleague told live in their own workspace; and the SMS counter while replying.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createConversation } from "../support/conversations.ts";
import { createAgent, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let writer: Page;
let colleague: Page;
let conversationId: string;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const owner = await createAgent(t.pool, { name: "Wanda Writer" });
  const ann = await createAgent(t.pool, { name: "Ann Lee" });
  conversationId = (await createConversation(t.pool, { assignedAgentId: owner.id })).id;
  browser = await launchBrowser();
  writer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  colleague = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signInThroughForm(writer, t.url, owner.email, TEST_PASSWORD);
  await signInThroughForm(colleague, t.url, ann.email, TEST_PASSWORD);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("notes and the composer", () => {
  it("counts characters and SMS segments while replying", async () => {
    await writer.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`).click();
    await writer.getByTestId("composer-input").fill("a".repeat(161));
    await expect.poll(() => writer.getByTestId("composer-counter").innerText()).toBe("161 / 1,600 · 2 SMS (GSM-7, 145 left in this one)");
    await writer.getByTestId("composer-input").fill("Grüße 👋");
    await expect.poll(() => writer.getByTestId("composer-counter").innerText()).toContain("1 SMS (UCS-2");
    await writer.getByTestId("composer-input").fill("");
  });

  it("adds a note mentioning a colleague, who is told at once; the note never reaches the customer", async () => {
    const sentBefore = t.fake.messages().length;
    await writer.getByTestId("composer-mode-note").click();
    const input = writer.getByTestId("composer-input");
    await input.pressSequentially("Refund approved, @An");
    await writer.getByTestId("mention-option").filter({ hasText: "@Ann Lee" }).click();
    await input.pressSequentially("please send the label");
    expect(await input.inputValue()).toBe("Refund approved, @Ann Lee please send the label");
    await writer.screenshot({ path: join(tmpdir(), "switchboard-note-mention.png") });
    await input.press("Enter");
    const note = writer.locator(`[data-testid="message-item"][data-direction="internal"]`).filter({ hasText: "please send the label" });
    await note.waitFor();
    await expect.poll(() => colleague.getByTestId("work-notice").innerText()).toContain("Wanda Writer mentioned you in a note");
    await colleague.screenshot({ path: join(tmpdir(), "switchboard-note-notice.png") });
    expect(t.fake.messages().length).toBe(sentBefore);
  });
});
