// The live board's controls (client/supervisor/conversation-actions.tsx, agent-actions.tsx) in a real
// browser against the real app: a supervisor reassigns (refused past capacity, then forced), moves and
// takes a conversation, sets an agent away with a reason and signs them out after confirming. The
// controls are mounted on a bare page (test/support/board-harness/) served by Vite, its API proxied
// to the app, as the board will mount them.
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { createServer, type ViteDevServer } from "vite";
import react from "@vitejs/plugin-react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { createConversation } from "../support/conversations.ts";
import { createAgent, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { freePort, startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let vite: ViteDevServer;
let browser: Browser;
let page: Page;
let harnessUrl: string;

beforeAll(async () => {
  t = await startTestApp({ publicUrl: "local" });
  const port = await freePort();
  vite = await createServer({
    configFile: false,
    root: fileURLToPath(new URL("../support/board-harness/", import.meta.url)),
    plugins: [react()],
    logLevel: "error",
    // The page's requests reach the app as the board's would: same cookie (cookies ignore the port), the app's own Origin.
    server: { host: "127.0.0.1", port, strictPort: true, hmr: false, proxy: { "/api": { target: t.url, headers: { origin: t.origin } } } },
  });
  await vite.listen();
  harnessUrl = `http://127.0.0.1:${port}/`;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 900, height: 420 } });
});
afterAll(async () => {
  await browser?.close();
  await vite?.close();
  await t?.close();
});

const conversationRow = async (id: string) => (await t.pool.query(`SELECT status, assigned_agent_id, queue_id FROM conversations WHERE id = $1`, [id])).rows[0];

describe("the board's action controls", () => {
  it("reassign (past capacity only when forced), move and take a conversation; set an agent away; sign them out", async () => {
    await createQueue(t.pool, { name: "General" }); // the default queue, so Escalations is not
    const escalations = await createQueue(t.pool, { name: "Escalations" });
    const sup = await createAgent(t.pool, { role: "supervisor", name: "Sam Supervisor" });
    const owner = await createAgent(t.pool, { name: "Olive Owner" });
    const full = await createAgent(t.pool, { name: "Finn Full", capacity: { sms: 1 } });
    await createConversation(t.pool, { assignedAgentId: full.id });
    const c = await createConversation(t.pool, { assignedAgentId: owner.id });
    const ownerCookie = await t.login(owner.email);
    const ownerSocket = await t.connectAgent(ownerCookie);

    await signInThroughForm(page, t.url, (await t.pool.query(`SELECT email FROM agents WHERE id = $1`, [sup.id])).rows[0].email, TEST_PASSWORD);
    await page.getByTestId("connection-state").waitFor();
    await page.goto(`${harnessUrl}?conversation=${c.id}&agent=${owner.id}`);
    const conversation = page.getByTestId("conversation-row");
    await conversation.getByRole("button", { name: "Take" }).waitFor();

    await conversation.getByLabel("Reassign to").selectOption({ label: "Finn Full (offline)" });
    await conversation.getByRole("button", { name: "Reassign", exact: true }).click();
    await conversation.getByRole("alert").filter({ hasText: "no free capacity" }).waitFor();
    await page.screenshot({ path: "/tmp/switchboard-board-actions-capacity.png" });
    expect((await conversationRow(c.id)).assigned_agent_id).toBe(owner.id);
    await conversation.getByRole("button", { name: "Reassign anyway" }).click();
    await page.locator(`[data-testid="conversation-row"][data-assigned="${full.id}"]`).waitFor();

    await conversation.getByLabel("Move to queue").selectOption({ label: "Escalations" });
    await conversation.getByRole("button", { name: "Move" }).click();
    await page.locator(`[data-testid="conversation-row"][data-assigned=""]`).waitFor();
    expect(await conversationRow(c.id)).toMatchObject({ queue_id: escalations.id, assigned_agent_id: null });

    await conversation.getByRole("button", { name: "Take" }).click();
    await page.locator(`[data-testid="conversation-row"][data-assigned="${sup.id}"]`).waitFor();

    const agent = page.getByTestId("agent-row");
    await agent.getByLabel("State of Olive Owner").selectOption({ label: "Away: Lunch" });
    await agent.getByRole("button", { name: "Set state" }).click();
    await page.locator(`[data-testid="agent-row"][data-presence="away"]`).waitFor();
    await agent.getByText("Olive Owner · away (Lunch)").waitFor();
    // The control follows the agent's state as the board learns it.
    expect(await agent.getByLabel("State of Olive Owner").evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text)).toBe("Away: Lunch");

    await agent.getByRole("button", { name: "Sign out" }).click();
    await agent.getByRole("group", { name: "Confirm sign out" }).waitFor();
    await page.screenshot({ path: "/tmp/switchboard-board-actions-confirm.png" });
    const ended = new Promise<{ reason: string }>((resolve) => ownerSocket.once("session:ended", resolve));
    await agent.getByRole("button", { name: "Yes, sign out" }).click();
    expect((await ended).reason).toBe("signed_out");
    await page.locator(`[data-testid="agent-row"][data-presence="offline"]`).waitFor();
    expect((await t.api(ownerCookie, "GET", "/api/me")).status).toBe(401);
    const actions = await t.pool.query(`SELECT action FROM audit_events WHERE actor_id = $1 AND action LIKE 'supervisor.%' ORDER BY created_at`, [sup.id]);
    expect(actions.rows.map((r) => r.action)).toEqual(["supervisor.reassign", "supervisor.move", "supervisor.take", "supervisor.set_state", "supervisor.sign_out"]);
  });
});
