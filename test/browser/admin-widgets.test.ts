// The chat widgets screen (issue 12, item 6) in the real browser: an admin adds a widget, gets its embed
// line, changes its allowed sites (a path is refused beside the field), and rotates its secret; a
// visitor from the old site is then refused. A supervisor reads the widgets without their secrets.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openTeamScreen } from "../support/browser.ts";
import { connectVisitor } from "../support/chat-visitor.ts";
import { startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const signedIn = (role: "admin" | "supervisor") => openTeamScreen(browser, t, { role, tab: "widgets" });

describe("the chat widgets screen", () => {
  it("adds a widget, shows its embed line, changes its sites and rotates its secret", async () => {
    const page = await signedIn("admin");
    await page.getByTestId("add-widget").click();
    await page.getByLabel("Widget name").fill("Shop");
    await page.getByLabel("Allowed origins").fill("https://shop.example.test");
    await page.getByRole("button", { name: "Add widget" }).click();
    const card = page.getByTestId("widget-card").filter({ hasText: "Shop" });
    await card.waitFor();
    const key = (await card.getAttribute("data-widget-key"))!;
    expect(await card.getByTestId("widget-embed").innerText()).toContain(`data-switchboard-key="${key}"`);

    await card.getByTestId("edit-widget").click();
    await card.getByLabel("Allowed origins").fill("https://blog.example.test/posts");
    await card.getByRole("button", { name: "Save" }).click();
    await card.getByTestId("origins-error").waitFor();
    await card.getByLabel("Allowed origins").fill("https://blog.example.test");
    await card.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => card.getByTestId("widget-origins").innerText()).toBe("https://blog.example.test");
    await expect(connectVisitor(t.url, { widgetKey: key, origin: "https://shop.example.test" })).rejects.toMatchObject({ data: { code: "ORIGIN_NOT_ALLOWED" } });

    const before = (await t.pool.query(`SELECT identity_secret FROM chat_widgets WHERE public_key = $1`, [key])).rows[0].identity_secret;
    await card.getByTestId("rotate-secret").click();
    await card.getByTestId("confirm-rotate").click();
    await expect.poll(async () => (await t.pool.query(`SELECT identity_secret FROM chat_widgets WHERE public_key = $1`, [key])).rows[0].identity_secret).not.toBe(before);
    const after = (await t.pool.query(`SELECT identity_secret FROM chat_widgets WHERE public_key = $1`, [key])).rows[0].identity_secret;
    await expect.poll(() => card.getByTestId("widget-secret").innerText()).toBe(after);
    await page.screenshot({ path: join(tmpdir(), "switchboard-admin-widgets.png") });
  });

  it("shows a supervisor the widgets without their secrets or the admin's buttons", async () => {
    const page = await signedIn("supervisor");
    await page.getByTestId("widget-card").first().waitFor();
    expect(await page.getByTestId("widget-secret").count()).toBe(0);
    expect(await page.getByTestId("add-widget").count()).toBe(0);
    expect(await page.getByTestId("rotate-secret").count()).toBe(0);
  });
});
