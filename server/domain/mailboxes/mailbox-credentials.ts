// What the IMAP watcher and the SMTP sender need to connect: server-side only, never on the wire.
import type pg from "pg";
import type { Db } from "../../db/client.ts";
import { noSuchMailbox } from "./mailbox-rows.ts";
import { openSecret } from "./secrets.ts";

export interface MailboxCredentials {
  id: string;
  address: string;
  displayName: string | null;
  /** null: the default queue (entry_queue_id decides at ingest). */
  queueId: string | null;
  imap: { host: string; port: number; secure: boolean; user: string; password: string; folder: string };
  smtp: { host: string; port: number; secure: boolean; user: string | null; password: string | null };
  active: boolean;
}

/** The mailbox's settings with its passwords opened; SecretUnreadableError when the key cannot open them. */
export async function mailboxCredentials(db: Pick<Db, "prisma">, key: Buffer, id: string): Promise<MailboxCredentials> {
  const m = await db.prisma.mailbox.findUnique({ where: { id } });
  if (!m) throw noSuchMailbox();
  return {
    id: m.id,
    address: m.address,
    displayName: m.displayName,
    queueId: m.queueId,
    imap: { host: m.imapHost, port: m.imapPort, secure: m.imapSecure, user: m.imapUser, password: openSecret(key, m.imapPassword), folder: m.imapFolder },
    smtp: { host: m.smtpHost, port: m.smtpPort, secure: m.smtpSecure, user: m.smtpUser, password: m.smtpPassword === null ? null : openSecret(key, m.smtpPassword) },
    active: m.active,
  };
}

/** The mailboxes a watcher should run for, oldest first. */
export async function listActiveMailboxIds(db: Pick<Db, "prisma">): Promise<string[]> {
  const rows = await db.prisma.mailbox.findMany({ where: { active: true }, select: { id: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map((r) => r.id);
}

export interface MailboxHealthSummary {
  name: string;
  address: string;
  state: "connecting" | "connected" | "failing";
  reason: string | null;
  /** ISO time the mailbox started failing (null unless failing). */
  since: string | null;
  lastFetchedAt: string | null;
}

/** Each active mailbox's health, for /readyz (one query; plain SQL like the other readiness checks). */
export async function mailboxHealthSummary(pool: pg.Pool): Promise<MailboxHealthSummary[]> {
  const { rows } = await pool.query<{ name: string; address: string; health: MailboxHealthSummary["state"]; health_reason: string | null; failing_since: Date | null; last_fetched_at: Date | null }>(
    `SELECT name, address, health, health_reason, failing_since, last_fetched_at FROM mailboxes WHERE active ORDER BY created_at, id`,
  );
  return rows.map((r) => ({
    name: r.name,
    address: r.address,
    state: r.health,
    reason: r.health_reason,
    since: r.health === "failing" ? (r.failing_since?.toISOString() ?? null) : null,
    lastFetchedAt: r.last_fetched_at?.toISOString() ?? null,
  }));
}
