// The agent picks why they are away from the presence menu; the server stores the reason with the state.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1200, height: 500 } });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("the presence menu", () => {
  it("offers the away reasons and records the one chosen", async () => {
    const agent = await createAgent(t.pool, { name: "Lena Lunch" });
    await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
    await page.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
    const select = page.getByTestId("presence-select");
    await expect.poll(async () => (await select.locator("option").allTextContents()).join("|")).toContain("Away: Lunch");

    const lunch = (await t.pool.query(`SELECT id FROM away_reasons WHERE name = 'Lunch'`)).rows[0].id as string;
    await select.selectOption(`away:${lunch}`);
    await expect.poll(async () => (await t.pool.query(`SELECT presence, away_reason_id FROM agents WHERE id = $1`, [agent.id])).rows[0]).toEqual({ presence: "away", away_reason_id: lunch });
    await page.screenshot({ path: "/tmp/switchboard-away-lunch.png" });

    await select.selectOption("available");
    await expect.poll(async () => (await t.pool.query(`SELECT presence, away_reason_id FROM agents WHERE id = $1`, [agent.id])).rows[0]).toEqual({ presence: "available", away_reason_id: null });
    const periods = await t.pool.query(`SELECT state::text, away_reason_id FROM agent_state_periods WHERE agent_id = $1 ORDER BY started_at, id`, [agent.id]);
    expect(periods.rows).toEqual([
      { state: "offline", away_reason_id: null },
      { state: "away", away_reason_id: lunch },
      { state: "available", away_reason_id: null },
    ]);
  });
});
