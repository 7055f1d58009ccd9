// `npm run demo` as a newcomer meets it: the start log names every channel and its URLs, the logins and the
// customer pages; an agent signs in; a customer texts from the simulated phone, the agent is offered it,
// answers, and the phone shows the reply with its delivered tick; a shopper chats from the shop page; a
// customer mails from the mail client, reads the answer and replies into the same thread; a caller holds,
// the agent accepts and answers on their simulated forward phone; with nobody to answer, a caller asks for a callback.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { startDemo, type DemoProcess } from "../support/demo-process.ts";

let demo: DemoProcess;
let browser: Browser;
let agentPage: Page;
beforeAll(async () => {
  // No reply left undelivered by chance: this test waits for the delivered tick; callers hear the callback offer soon.
  demo = await startDemo({ DEMO_UNDELIVERED_RATE: "0", DEMO_CALL_MAX_WAIT_SECONDS: "10" });
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  if (demo) expect(await demo.stop()).toBe(0);
});

const agentMessage = (text: string) => agentPage.locator('[data-testid="message-item"][data-direction="outbound"]').filter({ hasText: text });

describe("npm run demo", () => {
  it("prints every channel with its state and URLs, the logins and the customer pages", () => {
    const out = demo.output();
    const ws = demo.workspaceUrl;
    expect(out).toContain(`A message comes in: ${ws}/webhooks/twilio/sms (HTTP POST)`);
    expect(out).toContain(`A call comes in: ${ws}/webhooks/twilio/voice (HTTP POST)`);
    expect(out).toContain(`Call status changes: ${ws}/webhooks/twilio/voice/status (HTTP POST)`);
    expect(out).toMatch(/softphone: not configured — /);
    expect(out).toMatch(/email\s+on — /);
    expect(out).toContain(`chat   on — widget script ${ws}/widget.js`);
    expect(demo.logins.map((l) => l.role)).toEqual(["admin", "supervisor", "agent", "agent"]);
    expect(out).toContain(`phone:  ${demo.pagesUrl}/phone`);
    expect(out).toContain(`mail:   ${demo.pagesUrl}/mail`);
    expect(out).toContain(`shop:   ${demo.pagesUrl}/shop`);
  });

  it("lets an agent answer a text from the simulated phone, which shows the reply delivered", { timeout: 60_000 }, async () => {
    const alex = demo.logins.find((l) => l.email.startsWith("alex@"))!;
    agentPage = await (await browser.newContext()).newPage();
    await signInThroughForm(agentPage, demo.workspaceUrl, alex.email, alex.password);
    await agentPage.getByTestId("connection-state").filter({ hasText: "connected" }).waitFor();
    await agentPage.getByTestId("presence-select").selectOption("available");

    const phone = await (await browser.newContext()).newPage();
    await phone.goto(`${demo.pagesUrl}/phone?number=${encodeURIComponent("+12125550177")}`);
    await phone.getByTestId("phone-text").fill("Hi, my kettle arrived broken");
    await phone.getByTestId("phone-send").click();
    const sent = phone.getByTestId("phone-message").filter({ hasText: "my kettle arrived broken" });
    await expect.poll(() => sent.getAttribute("data-status")).toBe("received");

    const offer = agentPage.getByTestId("offer-item");
    await offer.waitFor();
    await offer.getByTestId("offer-accept").click();
    await expect.poll(() => agentPage.getByTestId("timeline").textContent()).toContain("my kettle arrived broken");
    await agentPage.getByTestId("composer-input").fill("Sorry! A new kettle ships today.");
    await agentPage.getByTestId("composer-send").click();

    const reply = phone.locator('[data-testid="phone-message"][data-direction="to_customer"]').filter({ hasText: "A new kettle ships today." });
    await expect.poll(() => reply.getAttribute("data-status"), { timeout: 20_000 }).toBe("delivered");
    expect(await reply.getByTestId("phone-tick").textContent()).toContain("✓✓ delivered");
    // Switchboard took the same callbacks: the agent sees it delivered too.
    await expect.poll(() => agentMessage("A new kettle ships today.").getByTestId("message-status").textContent(), { timeout: 20_000 }).toBe("delivered");
    expect(await phone.getByTestId("phone-message").count()).toBe(2);
  });

  it("lets a shopper chat from the shop page's embedded widget", { timeout: 60_000 }, async () => {
    const shop = await (await browser.newContext()).newPage();
    await shop.goto(`${demo.pagesUrl}/shop`);
    await shop.getByTestId("sb-launcher").click();
    await shop.getByTestId("sb-panel").waitFor();
    await shop.getByTestId("sb-connection").filter({ hasText: "connected" }).waitFor({ state: "attached" });
    await shop.getByTestId("sb-input").fill("Do you have the teapot in blue?");
    await shop.getByTestId("sb-send").click();

    const offer = agentPage.getByTestId("offer-item");
    await offer.waitFor();
    await offer.getByTestId("offer-accept").click();
    await expect.poll(() => agentPage.getByTestId("timeline").textContent()).toContain("teapot in blue");
    await agentPage.getByTestId("composer-input").fill("Yes, blue is in stock.");
    await agentPage.getByTestId("composer-send").click();
    const answer = shop.getByTestId("sb-message").filter({ hasText: "Yes, blue is in stock." });
    await answer.waitFor();
    expect(await answer.getAttribute("data-from")).toBe("agent");
  });

  it("lets a customer mail the business from the mail client, read the answer and reply in its thread", { timeout: 90_000 }, async () => {
    const client = await (await browser.newContext()).newPage();
    await client.goto(`${demo.pagesUrl}/mail?address=${encodeURIComponent("pat@customer.test")}`);
    await client.getByTestId("mail-subject").fill("Wrong teapot colour");
    await client.getByTestId("mail-text").fill("I ordered blue and got green.");
    await client.getByTestId("mail-send").click();
    await client.locator('[data-testid="mail-item"][data-direction="to_business"]').filter({ hasText: "got green" }).waitFor();

    // The product's IMAP watcher reads it from the demo's IMAP server and routes it.
    const offer = agentPage.getByTestId("offer-item");
    await offer.waitFor({ timeout: 30_000 });
    await offer.getByTestId("offer-accept").click();
    await expect.poll(() => agentPage.getByTestId("timeline").textContent()).toContain("I ordered blue and got green.");
    await agentPage.getByTestId("composer-input").fill("A blue one is on its way.");
    await agentPage.getByTestId("composer-send").click();

    const answer = client.locator('[data-testid="mail-item"][data-direction="from_business"]').filter({ hasText: "A blue one is on its way." });
    await answer.waitFor({ timeout: 30_000 });
    expect(await answer.getByTestId("mail-item-subject").textContent()).toBe("Re: Wrong teapot colour");
    await answer.getByTestId("mail-reply").click();
    expect(await client.getByTestId("mail-to").textContent()).toMatch(/^support\+.+@acme\.test$/);
    await client.getByTestId("mail-text").fill("Thanks, that was quick!");
    await client.getByTestId("mail-send").click();
    // The reply threads: it lands in the conversation the agent has open.
    await expect.poll(() => agentPage.getByTestId("timeline").textContent(), { timeout: 30_000 }).toContain("Thanks, that was quick!");
  });

  it("lets an agent accept a call in the workspace and answer it on their simulated forward phone", { timeout: 90_000 }, async () => {
    const alexPhone = /Alex Agent\s+(\S+\/phone\?number=\S+)/.exec(demo.output())?.[1];
    expect(alexPhone).toBe(`${demo.pagesUrl}/phone?number=%2B14155550201`);
    const caller = await (await browser.newContext()).newPage();
    await caller.goto(`${demo.pagesUrl}/phone?number=${encodeURIComponent("+12125550179")}`);
    await caller.getByTestId("phone-call").click();
    await caller.getByTestId("call-line").filter({ hasText: "You are number 1 in line." }).first().waitFor({ timeout: 20_000 });

    const offer = agentPage.getByTestId("offer-item");
    await offer.waitFor({ timeout: 20_000 });
    await offer.getByTestId("offer-accept").click();
    const forward = await (await browser.newContext()).newPage();
    await forward.goto(alexPhone!);
    await forward.getByTestId("leg-answer").click({ timeout: 20_000 });
    await expect.poll(() => forward.getByTestId("leg-state").textContent()).toBe("On the call with the customer");
    await caller.getByTestId("call-line").filter({ hasText: "An agent answered: you are connected" }).waitFor({ timeout: 20_000 });
    await expect.poll(() => caller.getByTestId("call-state").textContent()).toBe("connected");

    await caller.getByTestId("call-hang-up").click();
    await expect.poll(() => caller.getByTestId("call-state").textContent(), { timeout: 20_000 }).toBe("completed");
    await expect.poll(() => forward.getByTestId("leg-state").textContent(), { timeout: 20_000 }).toBe("Call ended (ended)");
  });

  it("lets a caller hold with their place in line shown, then press 1 for a callback", { timeout: 90_000 }, async () => {
    // Alex steps away, so nobody can take the call.
    await agentPage.getByTestId("presence-select").selectOption("away");
    const phone = await (await browser.newContext()).newPage();
    await phone.goto(`${demo.pagesUrl}/phone?number=${encodeURIComponent("+12125550178")}`);
    await phone.getByTestId("phone-call").click();
    const lines = phone.getByTestId("call-line");
    await lines.filter({ hasText: "You are number 1 in line." }).first().waitFor({ timeout: 20_000 });
    await expect.poll(() => phone.getByTestId("call-state").textContent()).toBe("on hold");
    // Past the queue's longest wait, the callback offer.
    await phone.locator('[data-testid="call-line"][data-kind="prompt"]').filter({ hasText: "Press 1" }).waitFor({ timeout: 40_000 });
    await phone.getByTestId("call-key-1").click();
    await lines.filter({ hasText: "We will call you back as soon as an agent is free." }).waitFor({ timeout: 20_000 });
    await expect.poll(() => phone.getByTestId("call-state").textContent(), { timeout: 20_000 }).toBe("completed");
    expect(await phone.getByTestId("phone-call").isVisible()).toBe(true);
  });
});
