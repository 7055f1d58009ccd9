// The customer timeline in the real browser: chips filter it (and the live appends keep to the chip),
// older pages load when the agent scrolls up, and Arabic or Hebrew text reads right to left.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, TEST_PASSWORD } from "../support/factories.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";
import { seedTimeline, type SeededTimeline } from "../support/timeline-seed.ts";

const PHONE = "+12125550777";
const ARABIC = "مرحبا، أين طلبي؟";
const HEBREW = "שלום, איפה ההזמנה שלי?";
let t: TestApp;
let browser: Browser;
let page: Page;
let seeded: SeededTimeline;
let cookie: string;
const smsConversation = () => seeded.conversations.sms[0]!;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const agent = await createAgent(t.pool, { name: "Rana Agent" });
  cookie = await t.login(agent.email);
  // 300 items over four channels, an hour old; then the customer writes in Arabic and Hebrew on SMS.
  seeded = await seedTimeline(t.pool, { items: 300, authorAgentId: agent.id, phone: PHONE, endAt: new Date(Date.now() - 3_600_000) });
  await t.pool.query(`UPDATE conversations SET status = 'assigned', assigned_agent_id = $2 WHERE id = $1`, [smsConversation(), agent.id]);
  for (const body of [ARABIC, HEBREW, "Hello in English"]) {
    await t.pool.query(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, external_id) VALUES ($1, $2, 'sms', 'inbound', 'text', $3, 'received', $4)`,
      [smsConversation(), seeded.customerId, body, `SM${randomUUID().replaceAll("-", "")}`],
    );
  }
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signInThroughForm(page, t.url, agent.email, TEST_PASSWORD);
  await page.locator(`[data-testid="conversation-item"][data-conversation-id="${smsConversation()}"]`).click();
  await page.getByTestId("message-item").first().waitFor();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const items = () => page.locator('[data-testid="timeline"] [data-testid="message-item"]');
const attributeOfAll = (name: string) => items().evaluateAll((els, n) => els.map((e) => e.getAttribute(n)), name);
const direction = (text: string) =>
  page.getByTestId("message-body").filter({ hasText: text }).evaluate((el) => getComputedStyle(el).direction);

describe("the customer timeline", () => {
  it("shows Arabic and Hebrew right to left and English left to right (dir=auto)", async () => {
    expect(await direction(ARABIC)).toBe("rtl");
    expect(await direction(HEBREW)).toBe("rtl");
    expect(await direction("Hello in English")).toBe("ltr");
    // One phone format throughout: the header names the customer's number as the lists do.
    expect(await page.locator(".conversation-header__address").innerText()).toBe("+1 212 555 0777");
  });

  it("loads older pages as the agent scrolls up, in order and without repeats", async () => {
    await page.getByTestId("timeline-chip-all").click();
    const first = await items().count();
    expect(first).toBeGreaterThanOrEqual(50);
    expect(first).toBeLessThan(303);
    const timeline = page.getByTestId("timeline");
    for (let i = 0; i < 10 && (await items().count()) < 303; i++) {
      const before = await items().count();
      await timeline.evaluate((el) => el.scrollTo(0, 0));
      await expect.poll(() => items().count()).toBeGreaterThan(before);
    }
    await expect.poll(() => page.locator(".timeline__edge").innerText()).toBe("Start of this customer's history");
    const shown = await attributeOfAll("data-message-id");
    const stored = await t.pool.query<{ id: string }>(`SELECT id FROM messages WHERE customer_id = $1 ORDER BY created_at, id`, [seeded.customerId]);
    expect(shown).toEqual(stored.rows.map((r) => r.id));
  });

  it("filters by chip, and keeps live appends to the chip", async () => {
    await page.getByTestId("timeline-chip-email").click();
    await expect.poll(async () => new Set(await attributeOfAll("data-channel"))).toEqual(new Set(["email"]));
    expect(await page.getByTestId("timeline-chip-email").getAttribute("aria-pressed")).toBe("true");
    await page.getByTestId("timeline-chip-voice").click();
    await expect.poll(async () => new Set(await attributeOfAll("data-channel"))).toEqual(new Set(["voice"]));
    expect(new Set(await attributeOfAll("data-kind"))).toEqual(new Set(["call", "voicemail", "event"]));

    await page.getByTestId("timeline-chip-notes").click();
    await expect.poll(async () => new Set(await attributeOfAll("data-kind"))).toEqual(new Set(["note"]));
    // Live: a text from the customer (not a note) and then a note; the socket delivers them in that order,
    // so once the note is shown the text has been seen and left out.
    const sms = await t.sendSms({ From: PHONE, Body: "A text while notes are shown" });
    expect(sms.status).toBe(200);
    const note = await t.api(cookie, "POST", `/api/conversations/${smsConversation()}/notes`, { body: "Live note under the Notes chip" });
    expect(note.status).toBe(201);
    await page.getByTestId("message-body").filter({ hasText: "Live note under the Notes chip" }).waitFor();
    expect(await page.getByTestId("timeline").innerText()).not.toContain("A text while notes are shown");
    expect(new Set(await attributeOfAll("data-kind"))).toEqual(new Set(["note"]));
    await page.screenshot({ path: join(tmpdir(), "switchboard-timeline-notes.png") });

    await page.getByTestId("timeline-chip-all").click();
    await page.getByTestId("message-body").filter({ hasText: "A text while notes are shown" }).waitFor();
    expect(new Set(await attributeOfAll("data-channel")).size).toBeGreaterThan(1);
    await page.screenshot({ path: join(tmpdir(), "switchboard-timeline-all.png") });
  });
});
