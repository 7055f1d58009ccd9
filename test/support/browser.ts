// Debian's Chromium driven by playwright-core (never a downloaded browser).
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

const CANDIDATES = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"];

export async function launchBrowser(): Promise<Browser> {
  const executablePath = CANDIDATES.find((p) => existsSync(p));
  if (!executablePath) throw new Error("Chromium is not installed: apt-get install -y chromium (.ci/run does this)");
  return chromium.launch({
    executablePath,
    headless: true,
    // Without the background-networking flags Chromium keeps dialling Google on this offline machine.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/** Signs an agent in through the workspace's own form, as a person would (password: factories' TEST_PASSWORD). */
export async function signInThroughForm(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId("signin-email").fill(email);
  await page.getByTestId("signin-password").fill(password);
  await page.getByTestId("signin-submit").click();
}

/**
 * A new agent of `role` signed in in their own browser context, on one Team tab (`#admin=<tab>`), once its
 * screen (data-testid `<tab>-screen`) is shown.
 */
export async function openTeamScreen(
  browser: Browser,
  app: { url: string; pool: import("pg").Pool },
  opts: { role: "admin" | "supervisor"; tab: string; height?: number },
): Promise<Page> {
  const { createAgent, TEST_PASSWORD } = await import("./factories.ts");
  const person = await createAgent(app.pool, { role: opts.role });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: opts.height ?? 900 } })).newPage();
  await signInThroughForm(page, app.url, person.email, TEST_PASSWORD);
  await page.goto(`${app.url}/#admin=${opts.tab}`);
  await page.getByTestId(`${opts.tab}-screen`).waitFor();
  return page;
}
