// The reports screen in a real browser: a supervisor opens it from the header, sees the chart of volume and
// service level, the table of every metric with its definition beside it, changes the grouping, and
// downloads the CSV; an agent has no Reports link. The history is written straight to the tables (the
// figures themselves are checked against a scripted day in test/reports.test.ts).
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, createCustomer, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let agentId: string;
beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const support = await createQueue(t.pool, { name: "Support" });
  const billing = await createQueue(t.pool, { name: "Billing" });
  agentId = (await createAgent(t.pool, { name: "Ann Agent" })).id;
  const customer = await createCustomer(t.pool);
  // Two days of New York time: 2026-03-10 and 11 (EDT), answered and abandoned waits in both queues.
  for (let i = 0; i < 12; i++) {
    const queue = i % 3 === 0 ? billing.id : support.id;
    const { rows } = await t.pool.query<{ id: string }>(
      `INSERT INTO conversations (customer_id, channel, status, customer_address) VALUES ($1, $2, 'resolved', '+15550001111') RETURNING id`,
      [customer.id, i % 2 ? "sms" : "voice"],
    );
    const entered = new Date(Date.parse("2026-03-10T13:00:00Z") + i * 3 * 3600_000);
    const waited = 10 + i * 7;
    const answered = i % 4 !== 3;
    await t.pool.query(
      `INSERT INTO queue_waits (conversation_id, queue_id, channel, tier, target_seconds, waiting_since, entered_at, ended_at, outcome, agent_id)
       VALUES ($1, $2, $3, 'standard', 60, $4, $4, $4::timestamptz + make_interval(secs => $5), $6, $7)`,
      [rows[0]!.id, queue, i % 2 ? "sms" : "voice", entered, waited, answered ? "answered" : "abandoned", answered ? agentId : null],
    );
    if (answered) {
      await t.pool.query(
        `INSERT INTO handling_periods (conversation_id, agent_id, queue_id, channel, tier, started_at, ended_at, end_reason)
         VALUES ($1, $2, $3, $4, 'standard', $5::timestamptz + make_interval(secs => $6), $5::timestamptz + make_interval(secs => $6 + 300), 'resolved')`,
        [rows[0]!.id, agentId, queue, i % 2 ? "sms" : "voice", entered, waited],
      );
    }
  }
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signedInPage(email: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true, timezoneId: "America/New_York" });
  const page = await context.newPage();
  await signInThroughForm(page, t.url, email, TEST_PASSWORD);
  await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
  return page;
}

describe("the reports screen", () => {
  it("shows the chart, every metric with its definition, follows the grouping, and downloads the CSV", async () => {
    const supervisor = await createAgent(t.pool, { role: "supervisor" });
    const page = await signedInPage(supervisor.email);
    await page.getByTestId("open-reports").click();
    await page.getByTestId("reports-page").waitFor();
    // The time zone defaults to the browser's.
    expect(await page.getByTestId("report-time-zone").inputValue()).toBe("America/New_York");
    await page.getByTestId("report-from").fill("2026-03-10");
    await page.getByTestId("report-to").fill("2026-03-11");
    await page.getByTestId("report-period").filter({ hasText: "2026-03-10 to 2026-03-11 in America/New_York: 2 days" }).waitFor();

    expect(await page.getByTestId("report-group").allTextContents()).toEqual(["Billing", "Support"]);
    await page.getByTestId("report-chart").locator(".recharts-bar-rectangle").first().waitFor();
    expect(await page.getByTestId("report-chart").locator(".recharts-bar-rectangle").count()).toBe(2);
    expect(await page.getByTestId("report-chart").locator(".recharts-line-curve").count()).toBe(1);
    const offered = page.getByTestId("report-row-offered");
    expect(await offered.locator("td").allTextContents()).toEqual([expect.stringContaining("joined the queue"), "12", "4", "8"]);
    const definitions = await page.getByTestId("report-definition").allTextContents();
    expect(definitions.length).toBe(12);
    expect(definitions.find((d) => d.startsWith("answered within the tier's target"))).toContain("left within 5 s");
    await page.screenshot({ path: "/tmp/switchboard-reports.png", fullPage: true });

    await page.getByTestId("report-group-by").selectOption("agent");
    await page.getByTestId("report-group").filter({ hasText: "Ann Agent" }).waitFor();
    expect(await page.getByTestId("report-group").allTextContents()).toEqual(["Ann Agent", "(no agent)"]);
    await page.getByTestId("report-interval").selectOption("hour");
    await page.getByTestId("report-period").filter({ hasText: ": 48 hours" }).waitFor();
    await page.screenshot({ path: "/tmp/switchboard-reports-hourly.png", fullPage: true });

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("report-csv").click()]);
    expect(download.suggestedFilename()).toBe("report-agent-2026-03-10-2026-03-11.csv");
    const csv = await readFile((await download.path())!, "utf8");
    const lines = csv.trim().split("\n");
    expect(lines[0]!.startsWith("group,bucket_start,bucket_label,offered,")).toBe(true);
    expect(lines.filter((l) => l.startsWith("Ann Agent,")).length).toBe(49);
    expect(lines).toContain("metric,definition");
  });

  it("is not offered to agents", async () => {
    const agent = await createAgent(t.pool);
    const page = await signedInPage(agent.email);
    expect(await page.getByTestId("open-admin").count()).toBe(0);
    expect(await page.getByTestId("open-reports").count()).toBe(0);
    // Typed into the address bar, the screen says the server refused.
    await page.evaluate(() => (location.hash = "#reports"));
    await page.getByTestId("report-problem").waitFor();
  });
});
