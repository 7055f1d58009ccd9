// An invitation link in the real browser (issue 12, item 6): an admin adds an agent with no password and
// gets a link; the new agent opens it in their own browser, chooses a password and signs in with it.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createAgent, TEST_PASSWORD } from "../support/factories.ts";
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

describe("an invitation link", () => {
  it("lets the invited agent choose a password and sign in", async () => {
    const admin = await createAgent(t.pool, { role: "admin" });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signInThroughForm(page, t.url, admin.email, TEST_PASSWORD);
    await page.goto(`${t.url}/#admin`);
    await page.getByTestId("add-agent").click();
    await page.getByTestId("agent-name").fill("Ivy Invited");
    await page.getByTestId("agent-email").fill("ivy@example.test");
    await page.getByTestId("agent-save").click();
    const link = await page.getByTestId("invite-link").innerText();
    expect(link).toMatch(/#invite=/);
    await page.screenshot({ path: join(tmpdir(), "switchboard-admin-invite.png") });

    const newcomer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await newcomer.goto(link);
    await newcomer.getByTestId("invite-password").fill("my own long password");
    await newcomer.getByTestId("invite-password-repeat").fill("my own long passwore");
    await newcomer.getByTestId("invite-submit").click();
    await newcomer.getByTestId("invite-error").waitFor();
    await newcomer.getByTestId("invite-password-repeat").fill("my own long password");
    await newcomer.getByTestId("invite-submit").click();
    await expect.poll(() => newcomer.getByTestId("signin-email").inputValue()).toBe("ivy@example.test");
    expect(new URL(newcomer.url()).hash).toBe("");
    await newcomer.getByTestId("signin-password").fill("my own long password");
    await newcomer.getByTestId("signin-submit").click();
    await newcomer.getByTestId("signout").waitFor();

    // The link is used up: opening it again says so.
    const again = await (await browser.newContext()).newPage();
    await again.goto(link);
    await again.getByTestId("invite-password").fill("yet another long password");
    await again.getByTestId("invite-password-repeat").fill("yet another long password");
    await again.getByTestId("invite-submit").click();
    await expect.poll(() => again.getByTestId("invite-error").innerText()).toContain("not valid any more");
  });
});
