// A channel whose provider refuses our credentials is shown failing to every signed-in agent, live, and
// the banner goes away by itself when a held send goes through again.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepOutbox } from "../../server/domain/outbound/sweep-outbox.ts";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, createAssignedConversation, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("a failing channel", () => {
  it("shows a banner to an agent who did nothing, and clears it when sending works again", async () => {
    const watcher = await createAgent(t.pool, { name: "Watching Agent" });
    await signInThroughForm(page, t.url, watcher.email, TEST_PASSWORD);
    await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
    expect(await page.getByTestId("channel-failing-banner").count()).toBe(0);

    // Another agent's reply meets Twilio's "Authenticate" (wrong auth token).
    const sender = await createAgent(t.pool, { capacity: { sms: 5 } });
    const cookie = await t.login(sender.email);
    const { id } = await createAssignedConversation(t.pool, { agentId: sender.id, customerPhone: "+14155550123" });
    t.fake.failNext(1, { status: 401, code: 20003, message: "Authenticate" });
    expect((await t.api(cookie, "POST", `/api/conversations/${id}/messages`, { body: "Held while failing" })).status).toBe(201);

    const banner = page.getByTestId("channel-failing-banner");
    await banner.waitFor();
    expect(await banner.textContent()).toContain("SMS");
    expect(await banner.textContent()).toContain("20003");
    await page.screenshot({ path: "/tmp/switchboard-channel-failing.png" });

    await sweepOutbox({ pool: t.pool, queues: t.sb.queues });
    await banner.waitFor({ state: "detached" });
    await expect.poll(() => t.fake.messages().filter((r) => r.response?.status === 201).length).toBe(1);
  });
});
