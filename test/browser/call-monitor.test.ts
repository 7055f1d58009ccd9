// A supervisor monitors a call from the workspace (and from the live board): Listen, Whisper, Barge and Stop reach the fake Twilio
// API as participant requests with the right flags, and the agent on the call sees who monitors them.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { answeredConferenceCall, legJoins } from "../support/conference-calls.ts";
import { createAgent, createQueue, TEST_PASSWORD } from "../support/factories.ts";
import { stubTwilioDevice } from "../support/softphone-stub.ts";
import { eventually, startTestApp, type TestApp } from "../support/test-app.ts";

let t: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  t = await startTestApp({
    publicUrl: "local",
    env: { TWILIO_API_KEY_SID: "SK" + "1".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32) },
  });
  await createQueue(t.pool, { name: "Support" });
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await t?.close();
});

/** A person in their own browser context (own cookies), with the stub Twilio Device. */
async function personPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await stubTwilioDevice(page);
  return page;
}

describe("a supervisor on a call in progress", () => {
  it("listens, whispers, barges and stops from the conversation, and the agent sees it", async () => {
    const agent = await createAgent(t.pool, { name: "Avery Agent" });
    const supervisor = await createAgent(t.pool, { role: "supervisor", name: "Sam Supervisor" });
    const agentPage = await personPage();
    await signInThroughForm(agentPage, t.url, agent.email, TEST_PASSWORD);
    await expect.poll(() => agentPage.getByTestId("softphone-state").textContent()).toContain("ready");
    await agentPage.getByTestId("presence-select").selectOption("available");
    await eventually(async () => (await t.pool.query(`SELECT presence, softphone_ready_at FROM agents WHERE id = $1`, [agent.id])).rows[0].softphone_ready_at !== null);
    await eventually(async () => (await t.pool.query(`SELECT presence FROM agents WHERE id = $1`, [agent.id])).rows[0].presence === "available");

    // The call, accepted and played out in its conference; the agent's Device rings and is answered.
    const caller = "+14155550181";
    const call = await answeredConferenceCall(t, { agentId: agent.id, cookie: await t.login(agent.email), from: caller });
    await agentPage.evaluate((from) => (window as unknown as { __ring(f: string): void }).__ring(from), caller);
    await agentPage.getByTestId("call-answer").click();
    await expect.poll(() => agentPage.getByTestId("call-bar").getAttribute("data-status")).toBe("in-call");

    const page = await personPage();
    await signInThroughForm(page, t.url, supervisor.email, TEST_PASSWORD);
    await page.getByTestId("softphone-state").waitFor();
    await page.goto(`${t.url}/#conversation=${call.conversationId}`);
    const controls = page.getByTestId("monitor-controls");
    await controls.waitFor();
    const supervisorLeg = () => t.fake.participantRequests().filter((r) => r.form.To === `client:agent-${supervisor.id}`);
    const updatesOf = (callSid: string) => t.fake.participantRequests().filter((r) => r.path.endsWith(`/Participants/${callSid}.json`));

    await controls.getByTestId("monitor-listen").click();
    await expect.poll(() => supervisorLeg().length).toBe(1);
    expect(supervisorLeg()[0]!.path).toBe(`/2010-04-01/Accounts/${t.fake.accountSid}/Conferences/${call.conference.sid}/Participants.json`);
    expect(supervisorLeg()[0]!.form).toMatchObject({ Muted: "true", Coaching: "false", Beep: "false", EndConferenceOnExit: "false" });
    await expect.poll(() => controls.getAttribute("data-mode")).toBe("listen");
    await expect.poll(() => agentPage.getByTestId("call-monitored").textContent()).toBe("Being monitored by Sam Supervisor (listening)");
    const supervisorCallSid = String(supervisorLeg()[0]!.response!.body.call_sid);
    await legJoins(t, supervisorCallSid);

    await controls.getByTestId("monitor-whisper").click();
    await expect.poll(() => updatesOf(supervisorCallSid).length).toBe(1);
    expect(updatesOf(supervisorCallSid)[0]!.form).toEqual({ Muted: "false", Coaching: "true", CallSidToCoach: call.agentCallSid });
    await expect.poll(() => agentPage.getByTestId("call-monitored").textContent()).toBe("Being monitored by Sam Supervisor (whispering)");
    await page.screenshot({ path: "/tmp/switchboard-monitor-supervisor.png" });
    await agentPage.screenshot({ path: "/tmp/switchboard-monitor-agent.png" });

    await controls.getByTestId("monitor-barge").click();
    await expect.poll(() => updatesOf(supervisorCallSid).length).toBe(2);
    expect(updatesOf(supervisorCallSid)[1]!.form).toEqual({ Muted: "false", Coaching: "false" });
    await expect.poll(() => agentPage.getByTestId("call-monitored").textContent()).toBe("Being monitored by Sam Supervisor (barged in)");

    await controls.getByTestId("monitor-stop").click();
    await expect.poll(() => updatesOf(supervisorCallSid).at(-1)?.method).toBe("DELETE");
    await expect.poll(() => controls.getAttribute("data-mode")).toBe("none");
    await expect.poll(() => agentPage.getByTestId("call-monitored").count()).toBe(0);
    expect(supervisorLeg()).toHaveLength(1);

    // The same controls on the live board, under the agent's call.
    await page.goto(`${t.url}/#board`);
    const onBoard = page.locator(`[data-testid="board-agent-row"][data-agent="${agent.id}"] [data-testid="board-handling"][data-conversation="${call.conversationId}"]`);
    await onBoard.getByText("Act", { exact: true }).click();
    await onBoard.getByTestId("monitor-listen").click();
    await expect.poll(() => supervisorLeg().length).toBe(2);
    expect(supervisorLeg()[1]!.form).toMatchObject({ Muted: "true", Coaching: "false" });
  }, 90_000);
});
