// Ingest that never loses a mail: the watcher killed between fetch and commit, the IMAP server down for
// a while, a UIDVALIDITY change. Each time every mail is stored exactly once, and health says what happened.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAILBOX, startEmailApp, type EmailApp } from "./support/email-app.ts";
import { buildMail } from "./support/mail-builder.ts";
import { eventually } from "./support/test-app.ts";
import { startWorkerProcess } from "./support/worker-process.ts";

let e: EmailApp;

beforeAll(async () => {
  // HTTP and sockets here; the watchers (with the workers) in child processes the test kills by pid.
  e = await startEmailApp({ start: { runWorkers: false } });
});
afterAll(async () => e?.close());

const storedCount = async (prefix: string) =>
  Number((await e.t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE channel = 'email' AND external_id LIKE $1`, [`${prefix}%`])).rows[0]!.n);

const checkpoint = async () =>
  (await e.t.pool.query<{ uid_validity: string | null; last_uid: string; health: string; health_reason: string | null }>(
    `SELECT uid_validity, last_uid, health, health_reason FROM mailboxes WHERE address = $1`, [MAILBOX],
  )).rows[0]!;

const mail = (prefix: string, i: number) =>
  buildMail({ from: `sender${i}@example.net`, to: MAILBOX, subject: `Mail ${i}`, text: `Body ${i}`, messageId: `${prefix}${i}@example.net` });

describe("the watcher killed between fetch and commit", () => {
  it("loses and doubles nothing when a new watcher takes over", async () => {
    // The 5th mail's insert waits inside its transaction, so the kill lands after its fetch and before its commit.
    await e.t.pool.query(`
      CREATE FUNCTION test_hold_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.external_id = 'kill-5@example.net' AND NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'test_held_once') THEN
          PERFORM pg_sleep(30);
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_hold_insert BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION test_hold_insert();`);
    for (let i = 1; i <= 10; i++) await e.dovecot.append("support", await mail("kill-", i));
    const worker = await startWorkerProcess(e.t.config, { sweepEveryMs: 60_000, mail: { watcher: { backoffMs: { min: 100, max: 400 }, rescanMs: 3000 }, refreshMs: 200 } });
    await eventually(async () => {
      const { rows } = await e.t.pool.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query NOT LIKE '%pg_stat_activity%'`);
      return rows.length > 0;
    }, { timeoutMs: 15_000 });
    expect(await storedCount("kill-")).toBe(4);
    await worker.kill();
    // Its backend would sleep on with the checkpoint row locked; a real one ends its short statement and
    // notices the dead client. Ended here as Postgres ends it then: the transaction rolls back.
    await e.t.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid()`);
    // The next watcher is not held: the mail the dead one had fetched comes in once, and so do the rest.
    await e.t.pool.query(`CREATE TABLE test_held_once ()`);
    const next = await startWorkerProcess(e.t.config, { sweepEveryMs: 60_000, mail: { watcher: { backoffMs: { min: 100, max: 400 }, rescanMs: 3000 }, refreshMs: 200 } });
    try {
      await eventually(async () => (await storedCount("kill-")) === 10, { timeoutMs: 20_000 });
      const { rows } = await e.t.pool.query<{ external_id: string; n: string }>(
        `SELECT external_id, count(*) AS n FROM messages WHERE external_id LIKE 'kill-%' GROUP BY external_id HAVING count(*) > 1`,
      );
      expect(rows).toEqual([]);
      expect(Number((await checkpoint()).last_uid)).toBe(10);
    } finally {
      await next.stop();
      await e.t.pool.query(`DROP TRIGGER test_hold_insert ON messages; DROP FUNCTION test_hold_insert(); DROP TABLE test_held_once`);
    }
  }, 90_000);
});

describe("the IMAP server down for a while", () => {
  it("shows the mailbox failing (admins and /readyz), then fetches everything sent meanwhile", async () => {
    const worker = await startWorkerProcess(e.t.config, { sweepEveryMs: 60_000, mail: { watcher: { backoffMs: { min: 100, max: 400 }, rescanMs: 3000 }, refreshMs: 200 } });
    try {
      await eventually(async () => (await checkpoint()).health === "connected", { timeoutMs: 10_000 });
      await e.dovecot.stop();
      const failing = await eventually(async () => {
        const c = await checkpoint();
        return c.health === "failing" ? c : null;
      }, { timeoutMs: 15_000 });
      expect(failing.health_reason).toBeTruthy();
      const ready = await fetch(`${e.t.url}/readyz`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { status: string; mailboxes: Record<string, string> };
      expect(body.status).toMatch(/degraded/);
      expect(Object.values(body.mailboxes).join(" ")).toMatch(/failing since/);

      for (let i = 1; i <= 5; i++) await e.dovecot.deliver("support", await mail("outage-", i));
      await e.dovecot.start();
      await eventually(async () => (await storedCount("outage-")) === 5, { timeoutMs: 20_000 });
      await eventually(async () => (await checkpoint()).health === "connected", { timeoutMs: 10_000 });
    } finally {
      await worker.stop();
    }
  }, 60_000);
});

describe("a UIDVALIDITY change", () => {
  it("fetches the folder again without doubling what was stored", async () => {
    const worker = await startWorkerProcess(e.t.config, { sweepEveryMs: 60_000, mail: { watcher: { backoffMs: { min: 100, max: 400 }, rescanMs: 3000 }, refreshMs: 200 } });
    try {
      for (let i = 1; i <= 3; i++) await e.dovecot.append("support", await mail("uidv-", i));
      await eventually(async () => (await storedCount("uidv-")) === 3, { timeoutMs: 15_000 });
      const total = Number((await e.t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE channel = 'email' AND direction = 'inbound'`)).rows[0]!.n);
      await e.dovecot.stop();
      await e.dovecot.setUidValidity("support", 777);
      await e.dovecot.start();
      await e.dovecot.append("support", await mail("uidv-", 4));
      await eventually(async () => (await storedCount("uidv-")) === 4, { timeoutMs: 20_000 });
      const c = await checkpoint();
      expect(c.uid_validity).toBe("777");
      const after = Number((await e.t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE channel = 'email' AND direction = 'inbound'`)).rows[0]!.n);
      expect(after).toBe(total + 1);
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
