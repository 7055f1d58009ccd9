// Canned replies in a real browser: a supervisor's reply is found by typing "/hel" in the composer,
// its variables filled from the conversation, and sent through Twilio; with no customer name the
// placeholder stays, the composer says so and Send stays off until it is filled in.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, createAssignedConversation, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let page: Page;
let agent: { id: string; email: string; name: string };
beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  await createQueue(t.pool, { name: "Support" });
  const supervisor = await createAgent(t.pool, { role: "supervisor", name: "Sam Supervisor" });
  const created = await t.api(await t.login(supervisor.email), "POST", "/api/canned-replies", {
    title: "Hello",
    shortcut: "hello",
    body: "Hi {{customer.firstName}}, this is {{agent.name}}.",
    channel: "sms",
  });
  expect(created.status).toBe(201);
  agent = await createAgent(t.pool, { name: "Robin Agent" });
  browser = await launchBrowser();
  page = await browser.newPage();
  await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
  await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function openConversation(customerPhone: string, displayName: string | null): Promise<string> {
  const c = await createAssignedConversation(t.pool, { agentId: agent.id, customerPhone });
  await t.pool.query(`UPDATE customers SET display_name = $2 WHERE id = $1`, [c.customerId, displayName]);
  // The list shows what was assigned when it loaded: a reload picks up these conversations made behind its back.
  await page.reload();
  await page.locator(`[data-testid="conversation-item"][data-conversation-id="${c.id}"]`).click();
  await page.locator(`[data-testid="conversation-view"][data-conversation-id="${c.id}"]`).getByTestId("composer-input").waitFor();
  return c.id;
}

describe("canned replies in the composer", () => {
  it("finds a reply by its shortcut, fills in the customer's and the agent's names, and sends it", async () => {
    await openConversation("+14155550161", "Ann Lee");
    const input = page.getByTestId("composer-input");
    await input.pressSequentially("/hel");
    const option = page.getByTestId("canned-reply-option").filter({ hasText: "/hello" });
    await option.waitFor();
    await page.screenshot({ path: "/tmp/switchboard-canned-picker.png" });
    await input.press("Enter");
    expect(await input.inputValue()).toBe("Hi Ann, this is Robin Agent.");
    expect(await page.getByTestId("canned-reply-picker").count()).toBe(0);
    expect(await page.getByTestId("composer-unfilled").count()).toBe(0);

    await page.getByTestId("composer-send").click();
    const sent = await t.fake.waitFor((r) => r.form.To === "+14155550161");
    expect(sent.form.Body).toBe("Hi Ann, this is Robin Agent.");
  });

  it("keeps a variable with no value visible, names it, and does not send until it is filled in", async () => {
    await openConversation("+14155550162", null);
    const input = page.getByTestId("composer-input");
    await input.pressSequentially("/hel");
    await page.getByTestId("canned-reply-option").filter({ hasText: "/hello" }).click();
    expect(await input.inputValue()).toBe("Hi {{customer.firstName}}, this is Robin Agent.");
    const warning = page.getByTestId("composer-unfilled");
    await warning.waitFor();
    expect(await warning.textContent()).toContain("{{customer.firstName}}");
    expect(await page.getByTestId("composer-send").isDisabled()).toBe(true);
    await page.screenshot({ path: "/tmp/switchboard-canned-unfilled.png" });
    // Enter does not send it either.
    await input.press("Enter");
    expect(await input.inputValue()).toBe("Hi {{customer.firstName}}, this is Robin Agent.");

    await input.fill("Hi Bo, this is Robin Agent.");
    await expect.poll(() => page.getByTestId("composer-send").isDisabled()).toBe(false);
    expect(await warning.count()).toBe(0);
    await page.getByTestId("composer-send").click();
    const sent = await t.fake.waitFor((r) => r.form.To === "+14155550162");
    expect(sent.form.Body).toBe("Hi Bo, this is Robin Agent.");
    expect(t.fake.messages().filter((r) => r.form.To === "+14155550162")).toHaveLength(1);
  });

  it("moves through the matches with the arrow keys, and closes the list on Escape leaving the typed text", async () => {
    await t.pool.query(`INSERT INTO canned_replies (title, shortcut, body) VALUES ('Help desk hours', 'help-desk', 'We are here 9 to 5.')`);
    await openConversation("+14155550163", "Cy Doe");
    const input = page.getByTestId("composer-input");
    // Enter sends an SMS: a new line is Shift+Enter.
    await input.pressSequentially("Thanks!");
    await input.press("Shift+Enter");
    await input.pressSequentially("/hel");
    await expect.poll(() => page.getByTestId("canned-reply-option").evaluateAll((els) => els.map((e) => e.getAttribute("data-shortcut")))).toEqual(["hello", "help-desk"]);
    await input.press("ArrowDown");
    await input.press("Enter");
    expect(await input.inputValue()).toBe("Thanks!\nWe are here 9 to 5.");

    await input.fill("");
    await input.pressSequentially("/h");
    await page.getByTestId("canned-reply-picker").waitFor();
    await input.press("Escape");
    expect(await page.getByTestId("canned-reply-picker").count()).toBe(0);
    expect(await input.inputValue()).toBe("/h");
  });
});
