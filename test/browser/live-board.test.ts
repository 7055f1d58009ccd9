// The live board (issue 12, items 1, 2 and 4) in the real browser: a supervisor opens it from the workspace
// header and watches it change, without reloading, as texts arrive, an agent answers, and a channel fails;
// acts from it (take, reassign past capacity only when forced, move, set a state, sign out); an admin sets
// the alert limits; an agent has no Board link and is refused the board itself.
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createConversation } from "../support/conversations.ts";
import { TEST_PASSWORD, createAgent, createCustomer, createQueue } from "../support/factories.ts";
import { eventually, startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
let queueId: string;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local", start: { boardCoalesceMs: 100 } });
  queueId = (await createQueue(t.pool, { name: "Support" })).id;
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signIn(role: "supervisor" | "agent" | "admin", name: string): Promise<{ page: Page; id: string; email: string }> {
  const person = await createAgent(t.pool, { role, name, capacity: { sms: 2 } });
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  await signInThroughForm(page, t.url, person.email, TEST_PASSWORD);
  await page.getByTestId("signout").waitFor();
  return { page, ...person };
}

const cell = (page: Page, channel: string, metric: string) =>
  page.locator(`[data-testid="board-queue-row"][data-queue="${queueId}"][data-channel="${channel}"] [data-metric="${metric}"]`);

let phone = 2000;
async function textIn(name: string) {
  const from = `+1415777${phone++}`;
  await createCustomer(t.pool, { phone: from, displayName: name });
  expect((await t.sendSms({ From: from, Body: "Is anyone there?" })).status).toBe(200);
}

describe("the live board", () => {
  it("updates live as work arrives, is answered and a channel fails", async () => {
    const { page } = await signIn("supervisor", "Sam Supervisor");
    await page.getByTestId("open-board").click();
    await page.getByTestId("board-page").waitFor();
    await page.getByTestId("board-alerts-empty").waitFor();

    await textIn("Rita Returns");
    await textIn("Omar Order");
    await expect.poll(() => cell(page, "sms", "waiting").textContent()).toBe("2");
    await expect.poll(() => cell(page, "sms", "offered").textContent()).toBe("2");
    await page.getByTestId("board-waiting-row").filter({ hasText: "Rita Returns" }).waitFor();

    // An agent signs on over the API and takes the first offer: the board moves it from waiting to handled.
    const agent = await createAgent(t.pool, { name: "Ada Agent", capacity: { sms: 1 } });
    const cookie = await t.login(agent.email);
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "available" });
    const offer = await eventually(async () => (await t.pool.query(`SELECT id FROM offers WHERE agent_id = $1 AND status = 'pending'`, [agent.id])).rows[0]);
    expect((await t.api(cookie, "POST", `/api/offers/${offer.id}/accept`)).status).toBe(200);
    await expect.poll(() => cell(page, "sms", "answered").textContent()).toBe("1");
    await expect.poll(() => cell(page, "sms", "waiting").textContent()).toBe("1");
    await expect.poll(() => cell(page, "sms", "inProgress").textContent()).toBe("1");
    const adaRow = page.locator(`[data-testid="board-agent-row"][data-agent="${agent.id}"]`);
    await expect.poll(() => adaRow.locator('[data-metric="presence"]').textContent()).toBe("Available");
    await expect.poll(() => adaRow.getByTestId("board-handling").count()).toBe(1);
    await expect.poll(() => adaRow.locator('[data-metric="load"] [data-channel="sms"]').textContent()).toBe("SMS 1/1");
    await expect.poll(() => cell(page, "sms", "sl-standard").textContent()).toBe("100%");

    // A failing channel is an alert at once.
    await t.pool.query(`INSERT INTO channel_health (channel, status, reason) VALUES ('sms', 'failing', 'Twilio refused the credentials')
                        ON CONFLICT (channel) DO UPDATE SET status = 'failing', reason = EXCLUDED.reason, since = now()`);
    await t.sb.events.publish({ type: "channel.health", health: { channel: "sms", status: "failing", errorCode: null, reason: "Twilio refused the credentials", since: new Date().toISOString() } });
    await page.getByTestId("board-alert").filter({ hasText: "SMS is failing" }).waitFor();

    // Each figure says how it is counted.
    expect(await page.locator('th[data-definition="serviceLevel"]').first().getAttribute("title")).toMatch(/answered within/);
    await page.screenshot({ path: join(tmpdir(), "switchboard-live-board.png"), fullPage: true });
  });

  it("is not offered to an agent, and refused if they open it anyway", async () => {
    const { page } = await signIn("agent", "Alex Agent");
    expect(await page.getByTestId("open-board").count()).toBe(0);
    await page.goto(`${t.url}/#board`);
    await page.getByTestId("board-problem").waitFor();
    expect(await page.getByTestId("board-queues").count()).toBe(0);
  });

  it("lets an admin set the agent alert limits beside the alerts, with the server's errors beside the fields", async () => {
    const { page } = await signIn("admin", "Ann Admin");
    await page.goto(`${t.url}/#board`);
    await page.getByTestId("board-page").waitFor();
    await page.getByText("Alert limits").click();
    const limits = page.getByTestId("alert-limits");
    await expect.poll(() => limits.getByLabel("Away alert").inputValue()).toBe("1800");
    await limits.getByLabel("Away alert").fill("5");
    await limits.getByRole("button", { name: "Save limits" }).click();
    await limits.getByTestId("limit-error-awayAlertSeconds").waitFor();
    await limits.getByLabel("Away alert").fill("600");
    await limits.getByRole("button", { name: "Save limits" }).click();
    await limits.getByText("Saved.").waitFor();
    expect((await t.pool.query(`SELECT away_alert_seconds FROM board_settings`)).rows[0].away_alert_seconds).toBe(600);
  });

  it("lets a supervisor act from it: take, reassign (past capacity only when forced), move, set an agent away, sign them out", async () => {
    const escalations = (await createQueue(t.pool, { name: "Escalations" })).id;
    const { page, id: supervisorId } = await signIn("supervisor", "Sue Supervisor");
    await page.goto(`${t.url}/#board`);
    await page.getByTestId("board-page").waitFor();
    const agent = await createAgent(t.pool, { name: "Tom Takeover", capacity: { sms: 1 } });
    await createConversation(t.pool, { assignedAgentId: agent.id });
    const agentCookie = await t.login(agent.email);
    const agentSocket = await t.connectAgent(agentCookie);
    await t.api(agentCookie, "PUT", "/api/me/presence", { presence: "away" });
    await textIn("Wendy Waiting");
    const waitingRow = page.getByTestId("board-waiting-row").filter({ hasText: "Wendy Waiting" });
    await waitingRow.getByRole("button", { name: "Take" }).click();
    // Now the supervisor's own: off the line, under her name.
    const mine = page.locator(`[data-testid="board-agent-row"][data-agent="${supervisorId}"]`);
    await mine.getByTestId("board-handling").filter({ hasText: "Wendy Waiting" }).waitFor();
    await expect.poll(() => waitingRow.count()).toBe(0);

    // Tom's one SMS line is full: refused, said why, and only then forced.
    const handling = mine.getByTestId("board-handling").filter({ hasText: "Wendy Waiting" });
    await handling.getByText("Act", { exact: true }).click();
    await handling.getByLabel("Reassign to").selectOption({ label: "Tom Takeover (away)" });
    await handling.getByRole("button", { name: "Reassign", exact: true }).click();
    await handling.getByRole("alert").filter({ hasText: "no free capacity" }).waitFor();
    await handling.getByRole("button", { name: "Reassign anyway" }).click();
    const toms = page.locator(`[data-testid="board-agent-row"][data-agent="${agent.id}"]`);
    const tomsWendy = toms.getByTestId("board-handling").filter({ hasText: "Wendy Waiting" });
    await tomsWendy.waitFor();

    // Moved to a queue nobody serves: back on the line there.
    await tomsWendy.getByText("Act", { exact: true }).click();
    await tomsWendy.getByLabel("Move to queue").selectOption({ label: "Escalations" });
    await tomsWendy.getByRole("button", { name: "Move" }).click();
    await waitingRow.filter({ hasText: "Escalations" }).waitFor();
    expect((await t.pool.query(`SELECT queue_id, assigned_agent_id FROM conversations cv JOIN customers c ON c.id = cv.customer_id WHERE c.display_name = 'Wendy Waiting'`)).rows[0])
      .toEqual({ queue_id: escalations, assigned_agent_id: null });

    await toms.getByLabel("State of Tom Takeover").selectOption({ label: "Away: Lunch" });
    await toms.getByRole("button", { name: "Set state" }).click();
    await expect.poll(() => toms.locator('[data-metric="presence"]').textContent()).toBe("Away (Lunch)");
    await toms.getByRole("button", { name: "Sign out" }).click();
    await page.screenshot({ path: join(tmpdir(), "switchboard-board-actions.png"), fullPage: true });
    const ended = new Promise<{ reason: string }>((resolve) => agentSocket.once("session:ended", resolve));
    await toms.getByRole("button", { name: "Yes, sign out" }).click();
    expect((await ended).reason).toBe("signed_out");
    expect((await t.api(agentCookie, "GET", "/api/me")).status).toBe(401);
    const audit = await t.pool.query(`SELECT action FROM audit_events WHERE actor_id = $1 ORDER BY created_at`, [supervisorId]);
    expect(audit.rows.map((r) => r.action)).toEqual(["supervisor.take", "supervisor.reassign", "supervisor.move", "supervisor.set_state", "supervisor.sign_out"]);
  });
});
