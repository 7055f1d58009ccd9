// A hostile mail the whole way: sent to the mailbox (Dovecot), fetched by the watcher, sanitized, stored,
// and opened by an agent in the real browser. No script runs, nothing remote is requested, the page stays.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signInThroughForm } from "../support/browser.ts";
import { startEmailApp, type EmailApp } from "../support/email-app.ts";
import { createAgent, TEST_PASSWORD } from "../support/factories.ts";
import { startRequestRecorder, type RequestRecorder } from "../support/request-recorder.ts";
import { eventually } from "../support/test-app.ts";

let e: EmailApp;
let recorder: RequestRecorder;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

/** The corpus: each payload stands alone, calls home and marks the page if it ever runs. */
function corpus(rec: RequestRecorder): string {
  const run = (tag: string) => `fetch('${rec.httpUrl}/${tag}');document.title='pwned-${tag}';try{alert('${tag}')}catch(x){}`;
  const r = rec.httpUrl;
  return [
    `<p>Hello, my order <b>1234</b> is late.</p>`,
    `<script>${run("script")}</script>`,
    `<SCRIPT SRC="${r}/script-src.js"></SCRIPT>`,
    `<img src=x onerror="${run("onerror")}">`,
    `<body onload="${run("body-onload")}">`,
    `<svg onload="${run("svg")}"><script>${run("svg-script")}</script></svg>`,
    `<svg><animate onbegin="${run("animate")}" attributeName="x"/></svg>`,
    `<a href="javascript:${run("js-link")}">click</a>`,
    `<a href="JaVaScRiPt:${run("js-mixed")}">click</a>`,
    `<a href="&#106;avascript:${run("js-entity")}">click</a>`,
    `<a href="data:text/html,<script>${run("data-link")}</script>">click</a>`,
    `<iframe src="${r}/iframe"></iframe>`,
    `<object data="${r}/object"></object><embed src="${r}/embed">`,
    `<form action="${r}/form"><input name="card"><button>Pay</button></form>`,
    `<meta http-equiv="refresh" content="0;url=${r}/refresh">`,
    `<base href="${r}/base/"><link rel="stylesheet" href="${r}/link.css">`,
    `<style>@import url(${r}/import.css); body { background: url(${r}/style-bg.png) }</style>`,
    `<div style="background:url(${r}/inline-bg.png)">bg</div>`,
    `<div style="behavior:url(${r}/behavior.htc); width: expression(alert(1))">x</div>`,
    `<img src="${r}/tracker.png"><img srcset="${r}/srcset.png 2x">`,
    `<video poster="${r}/poster.png"></video><audio src="${r}/audio.mp3"></audio>`,
    `<table background="${r}/table-bg.png"><tr><td background="${r}/td-bg.png">cell</td></tr></table>`,
    `<a href="//evil.example/x">protocol-relative</a>`,
    `<noscript><p title="</noscript><img src=x onerror=${run("mxss")}>"></noscript>`,
    `<math><mtext><table><mglyph><style><img src=x onerror=${run("math")}></style></mglyph></table></mtext></math>`,
    `<details open ontoggle="${run("ontoggle")}">d</details>`,
    `<input autofocus onfocus="${run("onfocus")}">`,
  ].join("\n");
}

beforeAll(async () => {
  recorder = await startRequestRecorder();
  e = await startEmailApp({ publicUrl: "local" });
  const agent = await createAgent(e.t.pool, { name: "Xena Agent" });
  const { messageId } = await e.receive({ from: "attacker@example.net", subject: "Order 1234", html: corpus(recorder), text: "Hello, my order 1234 is late." });
  const stored = await e.stored(messageId);
  await e.t.pool.query(`UPDATE conversations SET status = 'assigned', assigned_agent_id = $2, waiting_since = NULL WHERE id = $1`, [stored.conversation_id, agent.id]);
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await signInThroughForm(page, e.t.url, agent.email, TEST_PASSWORD);
  await page.locator(`[data-testid="conversation-item"][data-conversation-id="${stored.conversation_id}"]`).click();
  await page.locator(`[data-testid="message-item"][data-message-id="${stored.id}"] iframe`).waitFor();
  const frame = await eventually(async () => page.frames().find((f) => f.url().includes(`/api/messages/${stored.id}/email-html`)));
  await frame.waitForLoadState("load");
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await e?.close();
  await recorder?.close();
});

describe("a hostile mail through the whole pipeline", () => {
  it("is stored sanitized: no script, no handler, no javascript: or remote URL left to load", async () => {
    const { rows } = await e.t.pool.query<{ html: string }>(`SELECT html FROM email_contents WHERE html IS NOT NULL`);
    const html = rows[0]!.html;
    expect(html).toContain("<b>1234</b>");
    expect(html).not.toMatch(/<script|<iframe|<object|<embed|<form|<meta|<base|<link|<style|<svg|<math/i);
    expect(html).not.toMatch(/\son\w+\s*=/i);
    expect(html).not.toMatch(/javascript:|data:text\/html|url\(|expression\(|behavior:/i);
    // No attribute but data-remote-src (images wait for the agent) and a link's href may name another server.
    expect(html.replace(/data-remote-src="[^"]*"|href="[^"]*"/g, "")).not.toContain("127.0.0.1");
  });

  it("shown to the agent, runs nothing and requests nothing", async () => {
    // The frame's "load" (awaited above) comes after every script would have run and every fetch been tried.
    expect(recorder.requests).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await page.title()).not.toMatch(/pwned/);
    expect(page.url()).toContain(e.t.url);
    await page.screenshot({ path: "/tmp/switchboard-email-xss.png" });
  });
});
