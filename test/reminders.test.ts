// Reminders: set through the API, fired once to their owner's sockets by a delayed job, whatever dies
// in between (a worker killed before the time, Redis losing the job); done and cancelled ones never
// fire; bad input and other agents' reminders are refused with their codes.
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReminderView, MyRemindersResponse } from "../shared/follow-ups.ts";
import type { AgentNotice } from "../shared/events.ts";
import { fireReminder, sweepReminders } from "../server/domain/reminders/fire-reminder.ts";
import { reminderJobId } from "../server/jobs/queues.ts";
import { createLogger } from "../server/log.ts";
import { startSwitchboard, type Switchboard } from "../server/switchboard.ts";
import { createConversation } from "./support/conversations.ts";
import { createAgent } from "./support/factories.ts";
import { waitForQueuesToDrain } from "./support/queues.ts";
import { startWorkerProcess } from "./support/worker-process.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
type Person = { id: string; name: string; cookie: string; notices: AgentNotice[]; socket: Socket };
let ann: Person;
let bob: Person;
let sue: Person;
const workers: Switchboard[] = [];

/** A worker's worth of BullMQ workers in this process (the app itself runs none). */
const startWorkers = async () => {
  const w = await startSwitchboard({ config: t.config, log: createLogger("error"), serveHttp: false, sweepEveryMs: 600_000 });
  workers.push(w);
  return w;
};
const stopWorkers = async () => {
  for (const w of workers.splice(0)) await w.close();
};

async function person(opts: { name: string; role?: string }): Promise<Person> {
  const a = await createAgent(t.pool, { name: opts.name, role: opts.role ?? "agent" });
  const cookie = await t.login(a.email);
  const socket = await t.connectAgent(cookie);
  const notices: AgentNotice[] = [];
  socket.on("agent:notice", (n: AgentNotice) => notices.push(n));
  return { id: a.id, name: a.name, cookie, notices, socket };
}

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const remindersFired = (p: Person, reminderId: string) => p.notices.filter((n) => n.kind === "reminder_due" && n.reminder?.id === reminderId);
const row = async (id: string) => (await t.pool.query(`SELECT fired_at, done_at FROM reminders WHERE id = $1`, [id])).rows[0] as { fired_at: Date | null; done_at: Date | null } | undefined;
const deps = () => ({ prisma: t.sb.db.prisma, events: t.sb.events, queues: t.sb.queues });

async function setReminder(as: Person, body: Record<string, unknown>): Promise<ReminderView> {
  const res = await t.api<{ reminder: ReminderView }>(as.cookie, "POST", "/api/reminders", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.reminder;
}

beforeAll(async () => {
  t = await startTestApp({ start: { runWorkers: false } });
  ann = await person({ name: "Ann Agent" });
  bob = await person({ name: "Bob Agent" });
  sue = await person({ name: "Sue Supervisor", role: "supervisor" });
});
afterAll(async () => {
  await stopWorkers();
  await t?.close();
});

describe("a reminder", () => {
  it("fires once, to its owner's socket only, carrying the reminder and the customer's name", async () => {
    const c = await createConversation(t.pool);
    const reminder = await setReminder(ann, { customerId: c.customerId, conversationId: c.id, dueAt: inMs(1500), note: "Call back about the refund" });
    expect(reminder).toMatchObject({ agent: { id: ann.id }, customer: { id: c.customerId, displayName: "Pat Customer" }, conversationId: c.id, firedAt: null });
    const mine = await t.api<MyRemindersResponse>(ann.cookie, "GET", "/api/me/reminders");
    expect(mine.body.upcoming.map((r) => r.id)).toContain(reminder.id);

    await startWorkers();
    await eventually(async () => remindersFired(ann, reminder.id).length > 0, { timeoutMs: 10_000 });
    const [notice] = remindersFired(ann, reminder.id);
    expect(notice).toMatchObject({ conversationId: c.id, reminder: { id: reminder.id, note: "Call back about the refund", customer: { displayName: "Pat Customer" } } });
    expect(notice!.message).toContain("Pat Customer");
    expect((await row(reminder.id))!.fired_at).not.toBeNull();

    // Run again (a retry, the sweep beside the job): nothing more.
    expect(await fireReminder(deps(), reminder.id)).toEqual({ outcome: "nothing" });
    expect((await sweepReminders(deps(), { graceSeconds: 0 })).fired).toBe(0);
    await waitForQueuesToDrain(t.sb.queues, { names: ["followUps"] });
    const due = await t.api<MyRemindersResponse>(ann.cookie, "GET", "/api/me/reminders");
    expect(due.body.due.map((r) => r.id)).toEqual([reminder.id]);
    expect(remindersFired(ann, reminder.id)).toHaveLength(1);
    expect(bob.notices.filter((n) => n.kind === "reminder_due")).toEqual([]);
    await stopWorkers();
  });

  it("fires once after the worker is killed before it is due: a new worker fires it", async () => {
    const c = await createConversation(t.pool);
    const first = await startWorkerProcess(t.config, { sweepEveryMs: 600_000 });
    const reminder = await setReminder(ann, { customerId: c.customerId, dueAt: inMs(3000), note: "Check the delivery" });
    const job = await t.sb.queues.followUps.getJob(reminderJobId(reminder.id));
    expect(await job?.getState()).toBe("delayed");
    await first.kill();
    expect((await row(reminder.id))!.fired_at).toBeNull();
    // Its time passes with no worker running.
    await eventually(async () => (await t.pool.query(`SELECT now() > due_at AS past FROM reminders WHERE id = $1`, [reminder.id])).rows[0].past, { timeoutMs: 10_000 });
    expect((await row(reminder.id))!.fired_at).toBeNull();

    const second = await startWorkerProcess(t.config, { sweepEveryMs: 600_000 });
    try {
      await eventually(async () => remindersFired(ann, reminder.id).length > 0, { timeoutMs: 20_000 });
      await waitForQueuesToDrain(t.sb.queues, { names: ["followUps", "maintenance"] });
      expect(remindersFired(ann, reminder.id)).toHaveLength(1);
      // On the customer as a whole: it opens the customer's latest conversation.
      expect(remindersFired(ann, reminder.id)[0]!.reminder).toMatchObject({ conversationId: null, openConversationId: c.id });
    } finally {
      await second.stop();
    }
  });

  it("whose job Redis lost gets it again from the sweep, and still fires once", async () => {
    const c = await createConversation(t.pool);
    const reminder = await setReminder(ann, { customerId: c.customerId, dueAt: inMs(2500), note: "Lost and found" });
    await t.sb.queues.followUps.obliterate({ force: true });
    expect(await t.sb.queues.followUps.getJob(reminderJobId(reminder.id))).toBeUndefined();

    const swept = await sweepReminders(deps());
    expect(swept.scheduled).toBeGreaterThanOrEqual(1);
    expect(await (await t.sb.queues.followUps.getJob(reminderJobId(reminder.id)))?.getState()).toBe("delayed");
    // The sweep again: still one job (its id is the reminder's).
    await sweepReminders(deps());
    expect((await t.sb.queues.followUps.getJobs(["delayed"])).filter((j) => j.data.kind === "fire-reminder" && j.data.reminderId === reminder.id)).toHaveLength(1);

    await startWorkers();
    await eventually(async () => remindersFired(ann, reminder.id).length > 0, { timeoutMs: 10_000 });
    await waitForQueuesToDrain(t.sb.queues, { names: ["followUps"] });
    expect(remindersFired(ann, reminder.id)).toHaveLength(1);
    await stopWorkers();
  });

  it("overdue with its job lost is fired by the sweep itself, once", async () => {
    const c = await createConversation(t.pool);
    const reminder = await setReminder(ann, { customerId: c.customerId, dueAt: inMs(60_000), note: "Overdue" });
    await t.sb.queues.followUps.obliterate({ force: true });
    await t.pool.query(`UPDATE reminders SET due_at = now() - interval '1 minute' WHERE id = $1`, [reminder.id]);
    expect((await sweepReminders(deps())).fired).toBe(1);
    expect((await sweepReminders(deps())).fired).toBe(0);
    await eventually(async () => remindersFired(ann, reminder.id).length > 0);
    expect(remindersFired(ann, reminder.id)).toHaveLength(1);
  });

  it("done or cancelled never fires; the one beside them does", async () => {
    const c = await createConversation(t.pool);
    const dueAt = inMs(1500);
    const done = await setReminder(ann, { customerId: c.customerId, dueAt, note: "Done early" });
    const cancelled = await setReminder(ann, { customerId: c.customerId, dueAt, note: "Not needed" });
    const control = await setReminder(ann, { customerId: c.customerId, dueAt, note: "Still wanted" });
    const finished = await t.api<{ reminder: ReminderView }>(ann.cookie, "POST", `/api/reminders/${done.id}/done`);
    expect(finished.status).toBe(200);
    expect(finished.body.reminder.doneAt).not.toBeNull();
    expect((await t.api(ann.cookie, "DELETE", `/api/reminders/${cancelled.id}`)).status).toBe(204);
    expect((await t.api<{ error: { code: string } }>(ann.cookie, "POST", `/api/reminders/${cancelled.id}/done`)).body.error.code).toBe("NOT_FOUND");

    await startWorkers();
    await eventually(async () => remindersFired(ann, control.id).length > 0, { timeoutMs: 10_000 });
    await waitForQueuesToDrain(t.sb.queues, { names: ["followUps"] });
    // Their jobs run anyway (as a job Redis kept after the change would): the firing refuses them.
    expect(await fireReminder(deps(), done.id)).toEqual({ outcome: "nothing" });
    expect(await fireReminder(deps(), cancelled.id)).toEqual({ outcome: "nothing" });
    expect((await sweepReminders(deps(), { graceSeconds: 0 })).fired).toBe(0);
    expect((await row(done.id))!.fired_at).toBeNull();
    expect(await row(cancelled.id)).toBeUndefined();
    expect(remindersFired(ann, done.id)).toEqual([]);
    expect(remindersFired(ann, cancelled.id)).toEqual([]);
    const audits = await t.pool.query(`SELECT action, entity_id FROM audit_events WHERE entity_type = 'reminder' AND entity_id = ANY($1) ORDER BY created_at`, [[done.id, cancelled.id]]);
    expect(audits.rows.map((r) => r.action).sort()).toEqual(["reminder_cancelled", "reminder_created", "reminder_created", "reminder_done"]);
    await stopWorkers();
  });
});

describe("setting a reminder", () => {
  it("refuses a past or far time, a bad note, another customer's conversation, an unknown customer", async () => {
    const c = await createConversation(t.pool);
    const other = await createConversation(t.pool);
    const good = { customerId: c.customerId, dueAt: inMs(3_600_000), note: "Fine" };
    const attempts: [Record<string, unknown>, number, string][] = [
      [{ ...good, dueAt: inMs(-60_000) }, 400, "VALIDATION"],
      [{ ...good, dueAt: inMs(400 * 24 * 3_600_000) }, 400, "VALIDATION"],
      [{ ...good, dueAt: "tomorrow" }, 400, "VALIDATION"],
      [{ ...good, note: "   " }, 400, "VALIDATION"],
      [{ ...good, note: "x".repeat(501) }, 400, "VALIDATION"],
      [{ ...good, conversationId: other.id }, 400, "VALIDATION"],
      [{ ...good, customerId: "00000000-0000-0000-0000-000000000000" }, 404, "NOT_FOUND"],
      [{ ...good, extra: true }, 400, "VALIDATION"],
    ];
    for (const [body, status, code] of attempts) {
      const res = await t.api<{ error?: { code: string } }>(ann.cookie, "POST", "/api/reminders", body);
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status, code });
    }
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM reminders WHERE customer_id = $1`, [c.customerId])).rows[0].n).toBe(0);
    expect((await t.api(ann.cookie, "POST", "/api/reminders", { ...good, note: "x".repeat(500) })).status).toBe(201);
  });

  it("is one's own: an agent cannot set, finish or cancel another's; a supervisor can", async () => {
    const c = await createConversation(t.pool);
    const body = { customerId: c.customerId, dueAt: inMs(3_600_000), note: "For Bob" };
    expect((await t.api<{ error: { code: string } }>(ann.cookie, "POST", "/api/reminders", { ...body, agentId: bob.id })).body.error.code).toBe("FORBIDDEN");
    const forBob = await setReminder(sue, { ...body, agentId: bob.id });
    expect(forBob.agent).toEqual({ id: bob.id, name: bob.name });
    expect((await t.api<MyRemindersResponse>(bob.cookie, "GET", "/api/me/reminders")).body.upcoming.map((r) => r.id)).toContain(forBob.id);
    expect((await t.api<MyRemindersResponse>(ann.cookie, "GET", "/api/me/reminders")).body.upcoming.map((r) => r.id)).not.toContain(forBob.id);
    // Anyone reads a customer's reminders (no department an island).
    const listed = await t.api<{ reminders: ReminderView[] }>(ann.cookie, "GET", `/api/customers/${c.customerId}/reminders`);
    expect(listed.body.reminders.map((r) => r.id)).toEqual([forBob.id]);

    for (const [method, path] of [["POST", `/api/reminders/${forBob.id}/done`], ["DELETE", `/api/reminders/${forBob.id}`]] as const) {
      const res = await t.api<{ error: { code: string } }>(ann.cookie, method, path);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 403, code: "FORBIDDEN" });
    }
    expect((await row(forBob.id))!.done_at).toBeNull();
    expect((await t.api(sue.cookie, "POST", `/api/reminders/${forBob.id}/done`)).status).toBe(200);
    const audit = await t.pool.query(`SELECT actor_id, action FROM audit_events WHERE entity_id = $1 ORDER BY created_at`, [forBob.id]);
    expect(audit.rows).toEqual([{ actor_id: sue.id, action: "reminder_created" }, { actor_id: sue.id, action: "reminder_done" }]);
  });
});
