// Every change a signed-in agent makes on /api counts against one per-minute budget (API_WRITES_PER_MINUTE):
// past it they get 429 RATE_LIMITED and nothing is stored; reads go on, and a colleague is not affected.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation } from "./support/conversations.ts";
import { createAgent } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { API_WRITES_PER_MINUTE: "3" } });
});
afterAll(async () => t?.close());

describe("the write budget of a signed-in agent", () => {
  it("refuses the change past the budget with 429, stores nothing, and leaves reads and colleagues alone", async () => {
    const c = await createConversation(t.pool);
    const me = await t.login((await createAgent(t.pool)).email);
    const colleague = await t.login((await createAgent(t.pool)).email);
    for (let i = 0; i < 3; i++) expect((await t.api(me, "POST", `/api/customers/${c.customerId}/notes`, { body: `note ${i}` })).status).toBe(201);
    const over = await t.api<{ error: { code: string } }>(me, "POST", `/api/customers/${c.customerId}/notes`, { body: "one too many" });
    expect([over.status, over.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM notes WHERE customer_id = $1`, [c.customerId])).rows[0].n).toBe(3);
    expect((await t.api(me, "GET", `/api/customers/${c.customerId}/notes`)).status).toBe(200);
    expect((await t.api(colleague, "POST", `/api/customers/${c.customerId}/notes`, { body: "mine" })).status).toBe(201);
  });
});
