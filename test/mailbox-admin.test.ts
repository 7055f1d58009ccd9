// The admin API of mailboxes (issue 10): created, changed and removed by admins, read by supervisors,
// passwords sealed at rest and never shown, every change audited without them; the mailbox from
// IMAP_URL, SMTP_URL and MAIL_FROM kept in step at start; and /readyz telling a failing mailbox.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MailboxView } from "../shared/email.ts";
import { mailboxCredentials, listActiveMailboxIds } from "../server/domain/mailboxes/mailbox-credentials.ts";
import { openSecret, SecretUnreadableError, secretsKey } from "../server/domain/mailboxes/secrets.ts";
import { syncEnvironmentMailbox, type MailEnvironment } from "../server/domain/mailboxes/environment-mailbox.ts";
import { createConversation } from "./support/conversations.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

type ErrorAnswer = { error: { code: string; details?: { field?: string; reason?: string } | { path: (string | number)[] }[] } };

const IMAP_PASSWORD = "imap pass-phrase 7c1f";
const SMTP_PASSWORD = "smtp pass-phrase 93ab";

let t: TestApp;
let admin: string;
let supervisor: string;
let agent: string;
let salesQueueId: string;

beforeAll(async () => {
  t = await startTestApp();
  await createQueue(t.pool, { name: "Support" });
  salesQueueId = (await createQueue(t.pool, { name: "Sales" })).id;
  admin = await t.login((await createAgent(t.pool, { role: "admin" })).email);
  supervisor = await t.login((await createAgent(t.pool, { role: "supervisor" })).email);
  agent = await t.login((await createAgent(t.pool, { role: "agent" })).email);
});
afterAll(async () => t?.close());

const mailboxBody = (overrides: Record<string, unknown> = {}) => {
  const tag = randomBytes(3).toString("hex");
  return {
    name: `Help ${tag}`,
    address: `Help-${tag}@Acme.test`,
    displayName: "Acme Help",
    imap: { host: "imap.acme.test", port: 993, secure: true, user: `help-${tag}`, password: IMAP_PASSWORD },
    smtp: { host: "smtp.acme.test", port: 587, secure: false, user: `help-${tag}`, password: SMTP_PASSWORD },
    ...overrides,
  };
};
const create = async (overrides: Record<string, unknown> = {}) => {
  const res = await t.api<{ mailbox: MailboxView }>(admin, "POST", "/api/mailboxes", mailboxBody(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.mailbox;
};
/** The answer's status, error code and the field it names (from a zod issue or a conflict's details). */
const refusal = (res: { status: number; body: unknown }) => {
  const { code, details } = (res.body as ErrorAnswer).error ?? {};
  const field = Array.isArray(details) ? details[0]?.path.join(".") : details?.field;
  return { status: res.status, code, field };
};
const audits = async (entityId: string) =>
  (await t.pool.query(`SELECT action, actor_id, data, data::text AS text FROM audit_events WHERE entity_type = 'mailbox' AND entity_id = $1 ORDER BY created_at, id`, [entityId])).rows;
const storedRow = async (id: string) => (await t.pool.query(`SELECT * FROM mailboxes WHERE id = $1`, [id])).rows[0];

describe("mailboxes", () => {
  it("are created, listed, read, changed and deleted by an admin; passwords never come back", async () => {
    const body = mailboxBody({ queueId: salesQueueId });
    const created = await t.api<{ mailbox: MailboxView }>(admin, "POST", "/api/mailboxes", body);
    expect(created.status).toBe(201);
    const mailbox = created.body.mailbox;
    expect(mailbox).toMatchObject({
      name: body.name,
      address: body.address.toLowerCase(),
      displayName: "Acme Help",
      queue: { id: salesQueueId, name: "Sales" },
      imap: { host: "imap.acme.test", port: 993, secure: true, user: body.imap.user, folder: "INBOX", passwordSet: true },
      smtp: { host: "smtp.acme.test", port: 587, secure: false, user: body.smtp.user, passwordSet: true },
      fromEnvironment: false,
      active: true,
      health: { state: "connecting", reason: null, failingSince: null, lastConnectedAt: null, lastFetchedAt: null },
    });

    // Its watcher starts at once and may already have failed to reach imap.acme.test: health moves on its own.
    const withoutHealth = ({ health: _health, ...rest }: MailboxView) => rest;
    const listed = await t.api<{ mailboxes: MailboxView[] }>(admin, "GET", "/api/mailboxes");
    expect(withoutHealth(listed.body.mailboxes.find((m) => m.id === mailbox.id)!)).toEqual(withoutHealth(mailbox));
    const read = await t.api<{ mailbox: MailboxView }>(admin, "GET", `/api/mailboxes/${mailbox.id}`);
    expect(withoutHealth(read.body.mailbox)).toEqual(withoutHealth(mailbox));
    expect(["connecting", "failing"]).toContain(read.body.mailbox.health.state);

    const changed = await t.api<{ mailbox: MailboxView }>(admin, "PATCH", `/api/mailboxes/${mailbox.id}`, {
      displayName: "Acme Helpdesk",
      queueId: null,
      smtp: { user: null, password: null },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.mailbox).toMatchObject({ displayName: "Acme Helpdesk", queue: null, smtp: { user: null, passwordSet: false }, imap: { passwordSet: true } });

    for (const answer of [created, listed, read, changed]) {
      expect(JSON.stringify(answer.body)).not.toContain(IMAP_PASSWORD);
      expect(JSON.stringify(answer.body)).not.toContain(SMTP_PASSWORD);
    }

    expect((await t.api(admin, "DELETE", `/api/mailboxes/${mailbox.id}`)).status).toBe(204);
    expect(refusal(await t.api(admin, "GET", `/api/mailboxes/${mailbox.id}`))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(refusal(await t.api(admin, "PATCH", `/api/mailboxes/${mailbox.id}`, { name: "Gone" }))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(refusal(await t.api(admin, "GET", `/api/mailboxes/not-a-uuid`))).toMatchObject({ status: 400, code: "VALIDATION", field: "id" });
    expect((await audits(mailbox.id)).map((a) => a.action)).toEqual(["mailbox_created", "mailbox_updated", "mailbox_deleted"]);
  });

  it("are read by supervisors but changed only by admins; agents get neither", async () => {
    const mailbox = await create();
    expect((await t.api(supervisor, "GET", "/api/mailboxes")).status).toBe(200);
    expect((await t.api<{ mailbox: MailboxView }>(supervisor, "GET", `/api/mailboxes/${mailbox.id}`)).body.mailbox).toEqual(mailbox);
    for (const [who, cookie] of [["supervisor", supervisor], ["agent", agent]] as const) {
      expect({ who, ...refusal(await t.api(cookie, "POST", "/api/mailboxes", mailboxBody())) }).toMatchObject({ who, status: 403, code: "FORBIDDEN" });
      expect({ who, ...refusal(await t.api(cookie, "PATCH", `/api/mailboxes/${mailbox.id}`, { name: "Mine" })) }).toMatchObject({ who, status: 403, code: "FORBIDDEN" });
      expect({ who, ...refusal(await t.api(cookie, "DELETE", `/api/mailboxes/${mailbox.id}`)) }).toMatchObject({ who, status: 403, code: "FORBIDDEN" });
    }
    expect(refusal(await t.api(agent, "GET", "/api/mailboxes"))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect(refusal(await t.api(agent, "GET", `/api/mailboxes/${mailbox.id}`))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    expect((await storedRow(mailbox.id)).name).toBe(mailbox.name);
  });

  it("store passwords sealed: not the clear text, opened again only with the key", async () => {
    const mailbox = await create();
    const row = await storedRow(mailbox.id);
    for (const [sealed, plain] of [[row.imap_password, IMAP_PASSWORD], [row.smtp_password, SMTP_PASSWORD]] as const) {
      expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
      expect(sealed).not.toContain(plain);
      expect(openSecret(t.config.encryptionKey, sealed)).toBe(plain);
      const wrongKey = secretsKey({ encryptionKey: "another key of at least thirty-two characters", sessionSecret: t.config.sessionSecret });
      expect(() => openSecret(wrongKey, sealed)).toThrow(SecretUnreadableError);
      const [v, iv, tag, body] = sealed.split(":");
      const flipped = Buffer.from(body, "base64url");
      flipped[0] = flipped[0]! ^ 1;
      expect(() => openSecret(t.config.encryptionKey, [v, iv, tag, flipped.toString("base64url")].join(":"))).toThrow(SecretUnreadableError);
    }
    // A new password is sealed anew; leaving it out keeps the stored one.
    await t.api(admin, "PATCH", `/api/mailboxes/${mailbox.id}`, { imap: { password: "a new imap password" } });
    await t.api(admin, "PATCH", `/api/mailboxes/${mailbox.id}`, { imap: { port: 143, secure: false } });
    const after = await storedRow(mailbox.id);
    expect(openSecret(t.config.encryptionKey, after.imap_password)).toBe("a new imap password");
    expect(after.smtp_password).toBe(row.smtp_password);

    // The watcher and the sender read them opened, server-side.
    const credentials = await mailboxCredentials(t.sb.db, t.config.encryptionKey, mailbox.id);
    expect(credentials).toEqual({
      id: mailbox.id,
      address: mailbox.address,
      displayName: "Acme Help",
      queueId: null,
      imap: { host: "imap.acme.test", port: 143, secure: false, user: mailbox.imap.user, password: "a new imap password", folder: "INBOX" },
      smtp: { host: "smtp.acme.test", port: 587, secure: false, user: mailbox.smtp.user, password: SMTP_PASSWORD },
      active: true,
    });
    const otherKey = secretsKey({ sessionSecret: "a different session secret of 32+ characters" });
    await expect(mailboxCredentials(t.sb.db, otherKey, mailbox.id)).rejects.toBeInstanceOf(SecretUnreadableError);
    expect(await listActiveMailboxIds(t.sb.db)).toContain(mailbox.id);
  });

  it("audit every change with before and after, never a password", async () => {
    const mailbox = await create();
    await t.api(admin, "PATCH", `/api/mailboxes/${mailbox.id}`, { name: `${mailbox.name} desk`, smtp: { password: "rotated smtp password" } });
    const log = await audits(mailbox.id);
    expect(log.map((a) => a.action)).toEqual(["mailbox_created", "mailbox_updated"]);
    expect(log[0].data.after).toMatchObject({ id: mailbox.id, address: mailbox.address, imap: { passwordSet: true } });
    expect(log[1].data).toEqual({ before: { name: mailbox.name }, after: { name: `${mailbox.name} desk` }, passwordsChanged: ["smtp"] });
    const sealed = (await storedRow(mailbox.id)).imap_password;
    for (const a of log) {
      for (const secret of [IMAP_PASSWORD, SMTP_PASSWORD, "rotated smtp password", sealed]) expect(a.text).not.toContain(secret);
    }
  });

  it("refuse bad input with 400 VALIDATION naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [mailboxBody({ imap: { ...mailboxBody().imap, port: 70000 } }), "imap.port"],
      [mailboxBody({ smtp: { ...mailboxBody().smtp, port: 0 } }), "smtp.port"],
      [mailboxBody({ address: "not an address" }), "address"],
      [mailboxBody({ queueId: "00000000-0000-4000-8000-000000000000" }), "queueId"],
      [mailboxBody({ imap: { ...mailboxBody().imap, host: "imap acme test" } }), "imap.host"],
      [mailboxBody({ imap: { ...mailboxBody().imap, extra: true } }), "imap"],
      [mailboxBody({ smtp: { ...mailboxBody().smtp, user: null } }), "smtp.user"],
    ];
    for (const [body, field] of cases) expect(refusal(await t.api(admin, "POST", "/api/mailboxes", body))).toEqual({ status: 400, code: "VALIDATION", field });
    expect(refusal(await t.api(admin, "POST", "/api/mailboxes", { ...mailboxBody(), password: "x" }))).toMatchObject({ status: 400, code: "VALIDATION" });

    const mailbox = await create();
    const path = `/api/mailboxes/${mailbox.id}`;
    expect(refusal(await t.api(admin, "PATCH", path, { imap: { port: -1 } }))).toEqual({ status: 400, code: "VALIDATION", field: "imap.port" });
    expect(refusal(await t.api(admin, "PATCH", path, { queueId: "00000000-0000-4000-8000-000000000000" }))).toEqual({ status: 400, code: "VALIDATION", field: "queueId" });
    expect(refusal(await t.api(admin, "PATCH", path, { health: "connected" }))).toMatchObject({ status: 400, code: "VALIDATION" });
    expect(refusal(await t.api(admin, "PATCH", path, { smtp: { user: null } }))).toEqual({ status: 400, code: "VALIDATION", field: "smtp.user" });
    expect(await storedRow(mailbox.id)).toMatchObject({ imap_port: 993, queue_id: null, smtp_user: mailbox.smtp.user });
  });

  it("refuse a taken address or name with 409 CONFLICT naming the field", async () => {
    const first = await create();
    const second = await create();
    expect(refusal(await t.api(admin, "POST", "/api/mailboxes", mailboxBody({ address: first.address.toUpperCase() })))).toEqual({ status: 409, code: "CONFLICT", field: "address" });
    expect(refusal(await t.api(admin, "POST", "/api/mailboxes", mailboxBody({ name: first.name })))).toEqual({ status: 409, code: "CONFLICT", field: "name" });
    expect(refusal(await t.api(admin, "PATCH", `/api/mailboxes/${second.id}`, { address: first.address }))).toEqual({ status: 409, code: "CONFLICT", field: "address" });
    expect(refusal(await t.api(admin, "PATCH", `/api/mailboxes/${second.id}`, { name: first.name }))).toEqual({ status: 409, code: "CONFLICT", field: "name" });
    expect((await audits(second.id)).map((a) => a.action)).toEqual(["mailbox_created"]);
  });

  it("keep the IMAP checkpoint for a new port or password, clear it for another account or folder", async () => {
    const mailbox = await create();
    const path = `/api/mailboxes/${mailbox.id}`;
    const checkpoint = async () => (await t.pool.query(`SELECT uid_validity, last_uid FROM mailboxes WHERE id = $1`, [mailbox.id])).rows[0];
    await t.pool.query(`UPDATE mailboxes SET uid_validity = '1700000000', last_uid = 42 WHERE id = $1`, [mailbox.id]);
    await t.api(admin, "PATCH", path, { imap: { port: 143, secure: false, password: "another password" }, displayName: "Help" });
    expect(await checkpoint()).toEqual({ uid_validity: "1700000000", last_uid: "42" });
    const moved = await t.api<{ mailbox: MailboxView }>(admin, "PATCH", path, { imap: { folder: "Support" } });
    expect(moved.body.mailbox.imap.folder).toBe("Support");
    expect(await checkpoint()).toEqual({ uid_validity: null, last_uid: "0" });
    expect((await audits(mailbox.id)).at(-1).data).toMatchObject({ checkpointCleared: true });
  });

  it("with conversations are deactivated by DELETE, not deleted", async () => {
    const mailbox = await create();
    const conversation = await createConversation(t.pool, { channel: "email" });
    await t.pool.query(`UPDATE conversations SET mailbox_id = $1 WHERE id = $2`, [mailbox.id, conversation.id]);
    const res = await t.api<{ mailbox: MailboxView; deactivated: boolean }>(admin, "DELETE", `/api/mailboxes/${mailbox.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deactivated: true, mailbox: { id: mailbox.id, active: false, health: { state: "inactive" } } });
    expect((await t.pool.query(`SELECT mailbox_id FROM conversations WHERE id = $1`, [conversation.id])).rows[0].mailbox_id).toBe(mailbox.id);
    expect(await listActiveMailboxIds(t.sb.db)).not.toContain(mailbox.id);
    expect((await audits(mailbox.id)).at(-1)).toMatchObject({ action: "mailbox_deactivated", data: { before: { active: true }, after: { active: false }, conversations: 1 } });
  });
});

describe("/readyz", () => {
  it("names each active mailbox's state; a failing one degrades readiness without making it 503", async () => {
    // Only this test's mailboxes: the earlier tests' may still be connecting (to hosts that do not exist) on a busy machine.
    await t.pool.query(`UPDATE mailboxes SET active = false`);
    const healthy = await create({ name: "Ready box" });
    const failing = await create({ name: "Failing box" });
    const inactive = await create({ name: "Off box", active: false });
    await t.pool.query(`UPDATE mailboxes SET health = 'connected', last_connected_at = now() WHERE id = $1`, [healthy.id]);
    await t.pool.query(`UPDATE mailboxes SET health = 'failing', health_reason = 'AUTHENTICATIONFAILED', failing_since = '2026-01-02T03:04:05.678Z' WHERE id = $1`, [failing.id]);
    const res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; mailboxes: Record<string, string> };
    expect(body.status).toBe("ready, degraded: mailbox Failing box failing");
    expect(body.mailboxes["Ready box"]).toBe("connected");
    expect(body.mailboxes["Failing box"]).toBe("failing since 2026-01-02T03:04:05.678Z: AUTHENTICATIONFAILED");
    expect(body.mailboxes).not.toHaveProperty(inactive.name);
    await t.pool.query(`UPDATE mailboxes SET active = false WHERE id IN ($1, $2)`, [healthy.id, failing.id]);
  });
});

describe("the mailbox from the environment", () => {
  const settings = (overrides: Partial<MailEnvironment> = {}): MailEnvironment => ({
    address: "support@acme.test",
    displayName: "Acme Support",
    imap: { host: "imap.acme.test", port: 993, secure: true, user: "support", password: "env imap password", folder: "INBOX" },
    smtp: { host: "smtp.acme.test", port: 465, secure: true, user: "support", password: "env smtp password" },
    ...overrides,
  });
  const envRow = async () => (await t.pool.query(`SELECT * FROM mailboxes WHERE from_environment`)).rows;

  it("is created, then updated in place as the environment changes, and deactivated when it is unset", async () => {
    const key = t.config.encryptionKey;
    expect(await syncEnvironmentMailbox(t.sb.db, key, settings())).toBe("created");
    const [created] = await envRow();
    expect(created).toMatchObject({ name: "Acme Support", address: "support@acme.test", queue_id: null, active: true, imap_port: 993 });
    expect(openSecret(key, created.imap_password)).toBe("env imap password");
    expect(await syncEnvironmentMailbox(t.sb.db, key, settings())).toBe("unchanged");

    // An admin may rename it or give it a queue, which later starts keep; what the environment sets is refused.
    const path = `/api/mailboxes/${created.id}`;
    expect((await t.api(admin, "PATCH", path, { name: "Support inbox", queueId: salesQueueId })).status).toBe(200);
    expect(refusal(await t.api(admin, "PATCH", path, { imap: { port: 143 } }))).toEqual({ status: 409, code: "CONFLICT", field: "imap" });
    expect(refusal(await t.api(admin, "DELETE", path))).toMatchObject({ status: 409, code: "CONFLICT" });

    await t.pool.query(`UPDATE mailboxes SET uid_validity = '7', last_uid = 9 WHERE id = $1`, [created.id]);
    const moved = settings({ imap: { ...settings().imap, folder: "Support", password: "new env password" } });
    expect(await syncEnvironmentMailbox(t.sb.db, key, moved)).toBe("updated");
    const [updated] = await envRow();
    expect(updated).toMatchObject({ id: created.id, name: "Support inbox", queue_id: salesQueueId, imap_folder: "Support", uid_validity: null, last_uid: "0" });
    expect(openSecret(key, updated.imap_password)).toBe("new env password");

    expect(await syncEnvironmentMailbox(t.sb.db, key, null)).toBe("deactivated");
    expect((await envRow())[0]).toMatchObject({ id: created.id, active: false, health: "inactive" });
    expect(await syncEnvironmentMailbox(t.sb.db, key, moved)).toBe("updated");
    expect((await envRow())[0]).toMatchObject({ id: created.id, active: true, health: "connecting" });
    expect(await envRow()).toHaveLength(1);

    const log = await audits(created.id);
    expect(log.map((a) => a.action)).toEqual(["mailbox_created", "mailbox_updated", "mailbox_updated", "mailbox_deactivated", "mailbox_updated"]);
    for (const a of log) for (const secret of ["env imap password", "env smtp password", "new env password"]) expect(a.text).not.toContain(secret);
  });

  it("refuses at start an address an admin's mailbox already has", async () => {
    const other = await create();
    await expect(syncEnvironmentMailbox(t.sb.db, t.config.encryptionKey, settings({ address: other.address }))).rejects.toThrow(/^Configuration error: MAIL_FROM /);
  });

  it("is there after a start with IMAP_URL, SMTP_URL and MAIL_FROM set", async () => {
    const started = await startTestApp({
      env: { IMAP_URL: "imaps://help%40acme.test:p%40ss@imap.acme.test/INBOX", SMTP_URL: "smtp://smtp.acme.test:2525", MAIL_FROM: "Acme Help <help@acme.test>" },
    });
    try {
      const cookie = await started.login((await createAgent(started.pool, { role: "admin" })).email);
      const res = await started.api<{ mailboxes: MailboxView[] }>(cookie, "GET", "/api/mailboxes");
      expect(res.body.mailboxes).toEqual([
        expect.objectContaining({
          name: "Acme Help",
          address: "help@acme.test",
          fromEnvironment: true,
          imap: { host: "imap.acme.test", port: 993, secure: true, user: "help@acme.test", folder: "INBOX", passwordSet: true },
          smtp: { host: "smtp.acme.test", port: 2525, secure: false, user: null, passwordSet: false },
        }),
      ]);
      const credentials = await mailboxCredentials(started.sb.db, started.config.encryptionKey, res.body.mailboxes[0]!.id);
      expect(credentials.imap.password).toBe("p@ss");
    } finally {
      await started.close();
    }
  });
});
