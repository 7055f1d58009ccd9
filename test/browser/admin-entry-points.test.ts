// Numbers and mailboxes mapped to queues (issue 12, item 6) in the real browser: an admin adds a Twilio
// number (a bad one is refused beside the field), sends its texts to a queue, and a text to it then waits
// there; adds a mailbox (a bad address is refused beside the field), maps it to a queue and sees its
// state; a supervisor reads the same without being able to change it.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openTeamScreen } from "../support/browser.ts";
import { createQueue } from "../support/factories.ts";
import { eventually, startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let billing: string;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  billing = (await createQueue(t.pool, { name: "Billing" })).id;
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const signedIn = (role: "admin" | "supervisor") => openTeamScreen(browser, t, { role, tab: "entry-points" });

describe("numbers and mailboxes", () => {
  it("an admin adds a number and sends its texts to a queue; a text to it waits there", async () => {
    const page = await signedIn("admin");
    const form = page.getByTestId("add-number-form");
    await form.getByLabel("New number").fill("415 555");
    await form.getByRole("button", { name: "Add number" }).click();
    await page.getByTestId("number-error").waitFor();
    await form.getByLabel("New number").fill("+14155550199");
    await form.getByLabel("Label").fill("Billing line");
    await form.getByRole("button", { name: "Add number" }).click();
    const row = page.locator('[data-testid="number-row"][data-number="+14155550199"]');
    await row.waitFor();
    await row.getByLabel("Texts to +14155550199 wait in").selectOption(billing);
    await eventually(async () => (await t.pool.query(`SELECT 1 FROM phone_numbers WHERE number = '+14155550199' AND sms_queue_id = $1`, [billing])).rowCount);

    const sms = await t.sendSms({ From: "+12125550188", To: "+14155550199", Body: "About my invoice" });
    expect(sms.status).toBe(200);
    const waiting = await t.pool.query(`SELECT cv.queue_id FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE m.external_id = $1`, [sms.messageSid]);
    expect(waiting.rows).toEqual([{ queue_id: billing }]);
  });

  it("an admin adds a mailbox and maps it to a queue; its state shows", async () => {
    const page = await signedIn("admin");
    await page.getByTestId("add-mailbox").click();
    const form = page.getByTestId("mailbox-form");
    await form.getByLabel("Mailbox name").fill("Billing mail");
    await form.getByLabel("Mailbox address").fill("not an address");
    await form.getByLabel("imap host").fill("127.0.0.1");
    await form.getByLabel("imap port").fill("1");
    await form.getByLabel("imap user").fill("billing");
    await form.getByLabel("imap password").fill("secret-pw");
    await form.getByLabel("smtp host").fill("127.0.0.1");
    await form.getByLabel("smtp port").fill("1");
    await form.getByRole("button", { name: "Add mailbox" }).click();
    await form.getByTestId("mailbox-address-error").waitFor();
    await form.getByLabel("Mailbox address").fill("billing@acme.test");
    await form.getByRole("button", { name: "Add mailbox" }).click();
    const row = page.locator('[data-testid="mailbox-row"][data-address="billing@acme.test"]');
    await row.waitFor();
    await row.getByLabel("Mail to billing@acme.test joins").selectOption(billing);
    await eventually(async () => (await t.pool.query(`SELECT 1 FROM mailboxes WHERE address = 'billing@acme.test' AND queue_id = $1`, [billing])).rowCount);
    await page.screenshot({ path: join(tmpdir(), "switchboard-admin-entry-points.png") });
  });

  it("a supervisor reads the numbers and mailboxes without changing them", async () => {
    const page = await signedIn("supervisor");
    const row = page.locator('[data-testid="number-row"][data-number="+14155550199"]');
    await row.waitFor();
    expect(await row.getByLabel("Texts to +14155550199 wait in").isDisabled()).toBe(true);
    expect(await page.getByTestId("add-number-form").count()).toBe(0);
    expect(await page.getByTestId("add-mailbox").count()).toBe(0);
  });
});
