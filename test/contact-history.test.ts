// The contact history the board and the reports count from (migration 0025): every wait of a
// conversation in a queue and every stint of an agent on it, written by triggers in the transaction of
// the change, whichever code path makes it. Driven here by the conversation changes those paths make.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, createCustomer, createQueue } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let support: string;
let billing: string;
let ada: string;
let bo: string;
let seq = 0;

beforeAll(async () => {
  t = await startTestApp();
  support = (await createQueue(t.pool, { name: "Support" })).id;
  billing = (await createQueue(t.pool, { name: "Billing" })).id;
  ada = (await createAgent(t.pool, { name: "Ada" })).id;
  bo = (await createAgent(t.pool, { name: "Bo" })).id;
});
afterAll(async () => t?.close());

async function waiting(channel = "sms"): Promise<string> {
  const phone = `+1303777${String(seq++).padStart(4, "0")}`;
  const customer = await createCustomer(t.pool, { phone, tier: "gold" });
  const { rows } = await t.pool.query<{ id: string }>(
    `INSERT INTO conversations (customer_id, channel, status, queue_id, customer_address, waiting_since) VALUES ($1, $2, 'queued', $3, $4, now()) RETURNING id`,
    [customer.id, channel, support, phone],
  );
  return rows[0]!.id;
}
const set = (id: string, sql: string, ...params: unknown[]) => t.pool.query(`UPDATE conversations SET ${sql} WHERE id = $1`, [id, ...params]);
const waits = async (id: string) =>
  (await t.pool.query(`SELECT queue_id, tier, target_seconds, outcome, agent_id, callback, reopened, ended_at IS NULL AS open FROM queue_waits WHERE conversation_id = $1 ORDER BY entered_at, ended_at NULLS LAST`, [id])).rows;
const stints = async (id: string) =>
  (await t.pool.query(`SELECT agent_id, end_reason, ended_at IS NULL AS open FROM handling_periods WHERE conversation_id = $1 ORDER BY started_at, ended_at NULLS LAST`, [id])).rows;

describe("the contact history", () => {
  it("records a wait answered by an agent, a transfer, a snooze, the wake and the resolution", async () => {
    const c = await waiting();
    expect(await waits(c)).toEqual([{ queue_id: support, tier: "gold", target_seconds: 600, outcome: null, agent_id: null, callback: false, reopened: false, open: true }]);
    await set(c, `status = 'offered'`);
    await set(c, `status = 'assigned', assigned_agent_id = $2, waiting_since = NULL`, ada);
    expect((await waits(c)).map((w) => [w.outcome, w.agent_id, w.open])).toEqual([["answered", ada, false]]);
    expect(await stints(c)).toEqual([{ agent_id: ada, end_reason: null, open: true }]);

    await set(c, `assigned_agent_id = $2`, bo);
    await set(c, `status = 'pending_customer'`);
    await set(c, `status = 'snoozed', snoozed_until = now() + interval '1 hour'`);
    // The snooze ends: back in line as a new wait (not a reopen), and answered again.
    await set(c, `status = 'queued', assigned_agent_id = NULL, waiting_since = now()`);
    await set(c, `status = 'assigned', assigned_agent_id = $2, waiting_since = NULL`, bo);
    await set(c, `status = 'resolved', resolved_at = now()`);
    expect((await waits(c)).map((w) => [w.outcome, w.agent_id, w.reopened])).toEqual([["answered", ada, false], ["answered", bo, false]]);
    expect((await stints(c)).map((s) => [s.agent_id, s.end_reason])).toEqual([[ada, "transferred"], [bo, "snoozed"], [bo, "resolved"]]);

    // A new message on the resolved conversation reopens it: that wait says so.
    await set(c, `status = 'queued', resolved_at = NULL, waiting_since = now()`);
    expect((await waits(c)).at(-1)).toMatchObject({ reopened: true, open: true });
  });

  it("counts a waiting move once in each queue, and no wait in the first queue for handled work sent on", async () => {
    const waitingOne = await waiting();
    await set(waitingOne, `queue_id = $2`, billing);
    expect((await waits(waitingOne)).map((w) => [w.queue_id, w.outcome])).toEqual([[support, "moved"], [billing, null]]);

    // Handled work handed to another queue (as moveToQueue does: back in line, then the queue, in one transaction).
    const handled = await waiting();
    await set(handled, `status = 'assigned', assigned_agent_id = $2, waiting_since = NULL`, ada);
    const client = await t.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`UPDATE conversations SET status = 'queued', assigned_agent_id = NULL, waiting_since = now() WHERE id = $1`, [handled]);
      await client.query(`UPDATE conversations SET queue_id = $2 WHERE id = $1`, [handled, billing]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect((await waits(handled)).map((w) => [w.queue_id, w.outcome])).toEqual([[support, "answered"], [billing, null]]);
    expect((await stints(handled)).map((s) => s.end_reason)).toEqual(["requeued"]);
  });

  it("tells an abandoned call from one closed by the business, and a voicemail left after Twilio's hang-up reopens the wait", async () => {
    const hungUp = await waiting("voice");
    await set(hungUp, `status = 'resolved', outcome = 'missed_call', resolved_at = now(), waiting_since = NULL`);
    expect((await waits(hungUp)).map((w) => w.outcome)).toEqual(["abandoned"]);
    const closed = await waiting("voice");
    await set(closed, `status = 'resolved', resolved_at = now(), waiting_since = NULL`);
    expect((await waits(closed)).map((w) => w.outcome)).toEqual(["closed"]);

    // Twilio's "completed" closed it as abandoned; then the recording arrives and the call waits again as work.
    const customer = (await t.pool.query(`SELECT customer_id FROM conversations WHERE id = $1`, [hungUp])).rows[0].customer_id;
    await t.pool.query(
      `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status) VALUES ($1, $2, 'voice', 'inbound', 'voicemail', 'Voicemail (4 s)', 'received')`,
      [hungUp, customer],
    );
    await set(hungUp, `status = 'queued', outcome = NULL, resolved_at = NULL, waiting_since = now()`);
    expect(await waits(hungUp)).toEqual([expect.objectContaining({ outcome: null, callback: true, open: true, reopened: false })]);
  });
});
