// Keeps one IMAP watcher running per active mailbox, in the processes that run the workers: started,
// restarted when an admin changes the mailbox, stopped when it is deactivated. Its checkpoint and health
// live on the mailbox row, so any process can take over and an admin (and /readyz) sees how it is doing.
// Two processes watching one mailbox are safe: the checkpoint row lock lets one store each mail.
import type pg from "pg";
import { ImapWatcher, type FetchedMail, type WatcherHealth, type WatcherOptions } from "../../../channels/email/imap-watcher.ts";
import { parseMail, type MailLimits, type ParsedMail } from "../../../channels/email/parse-mail.ts";
import type { Logger } from "../../log.ts";
import { openSecret } from "../mailboxes/secrets.ts";
import { ingestEmail, type EmailIngestDeps } from "./ingest-email.ts";

export interface MailWatcherDeps extends EmailIngestDeps {
  encryptionKey: Buffer;
  limits: MailLimits;
  watcher?: WatcherOptions;
  /** How often the list of mailboxes is read again (an admin's change is picked up within this). */
  refreshMs?: number;
}

export interface MailWatchers {
  refresh(): Promise<void>;
  close(): Promise<void>;
}

interface MailboxRow {
  id: string;
  address: string;
  imap_host: string;
  imap_port: number;
  imap_secure: boolean;
  imap_user: string;
  imap_password: string;
  imap_folder: string;
  updated_at: Date;
}

/** A mail that failed to store this many times in a row is stored as unreadable instead: it never blocks the mailbox. */
const POISON_AFTER_FAILURES = 3;

export function startMailWatchers(deps: MailWatcherDeps): MailWatchers {
  const running = new Map<string, { version: string; watcher: ImapWatcher<ParsedMail> }>();
  let closed = false;
  let refreshing: Promise<void> | null = null;

  async function refresh(): Promise<void> {
    if (closed) return;
    const { rows } = await deps.pool.query<MailboxRow>(
      `SELECT id, address, imap_host, imap_port, imap_secure, imap_user, imap_password, imap_folder, updated_at FROM mailboxes WHERE active`,
    );
    const wanted = new Map(rows.map((r) => [r.id, r]));
    for (const [id, entry] of running) {
      const row = wanted.get(id);
      if (!row || row.updated_at.toISOString() !== entry.version) {
        running.delete(id);
        await entry.watcher.stop();
      }
    }
    await deps.pool.query(`UPDATE mailboxes SET health = 'inactive', health_reason = NULL, failing_since = NULL WHERE NOT active AND health <> 'inactive'`);
    for (const row of rows) {
      if (running.has(row.id) || closed) continue;
      const watcher = watcherFor(row);
      if (!watcher) continue;
      running.set(row.id, { version: row.updated_at.toISOString(), watcher });
      watcher.start();
    }
  }

  function watcherFor(row: MailboxRow): ImapWatcher<ParsedMail> | null {
    let password: string;
    try {
      password = openSecret(deps.encryptionKey, row.imap_password);
    } catch (err) {
      void setHealth(deps.pool, row.id, { state: "failing", reason: `The stored password cannot be read (${(err as Error).message}): enter it again` });
      return null;
    }
    const mailbox = { id: row.id, address: row.address };
    const failures = new Map<number, number>();
    return new ImapWatcher<ParsedMail>(
      { host: row.imap_host, port: row.imap_port, secure: row.imap_secure, user: row.imap_user, password, folder: row.imap_folder },
      {
        checkpoint: async () => {
          const r = await deps.pool.query<{ uid_validity: string | null; last_uid: string }>(`SELECT uid_validity, last_uid FROM mailboxes WHERE id = $1`, [row.id]);
          return { uidValidity: r.rows[0]?.uid_validity ?? null, lastUid: Number(r.rows[0]?.last_uid ?? 0) };
        },
        resetCheckpoint: async (uidValidity) => {
          // Mail fetched again under the new UIDVALIDITY is recognised by its Message-ID: nothing doubles.
          await deps.pool.query(`UPDATE mailboxes SET uid_validity = $2, last_uid = 0 WHERE id = $1`, [row.id, uidValidity]);
          deps.log.info("mailbox UIDVALIDITY changed: fetching the folder again (known mail is skipped)", { mailbox: row.address, uidValidity });
        },
        prepare: (mail) => ((failures.get(mail.uid) ?? 0) >= POISON_AFTER_FAILURES ? Promise.resolve(unreadable(mail, `It could not be stored ${failures.get(mail.uid)} times`)) : parseMail(mail.raw, deps.limits)),
        store: async (mail, parsed) => {
          try {
            await ingestEmail(deps, mailbox, { ...mail, parsed });
            failures.delete(mail.uid);
          } catch (err) {
            failures.set(mail.uid, (failures.get(mail.uid) ?? 0) + 1);
            throw err;
          }
        },
        health: (health) => setHealth(deps.pool, row.id, health),
      },
      { ...deps.watcher, onError: (err) => deps.log.warn("mailbox watcher error; reconnecting after a pause", { mailbox: row.address, err: err.message }) },
    );
  }

  const timer = setInterval(() => {
    refreshing ??= refresh()
      .catch((err) => deps.log.warn("could not read the mailboxes; trying again", { err: (err as Error).message }))
      .finally(() => (refreshing = null));
  }, deps.refreshMs ?? 5000);
  timer.unref();
  refreshing = refresh()
    .catch((err) => deps.log.warn("could not read the mailboxes; trying again", { err: (err as Error).message }))
    .finally(() => (refreshing = null));

  return {
    async refresh() {
      await refreshing;
      await refresh();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await refreshing;
      await Promise.all([...running.values()].map((e) => e.watcher.stop()));
      running.clear();
    },
  };
}

async function setHealth(pool: pg.Pool, id: string, health: WatcherHealth): Promise<void> {
  await pool.query(
    `UPDATE mailboxes SET health = $2,
        health_reason = $3,
        failing_since = CASE WHEN $2 = 'failing' THEN COALESCE(CASE WHEN health = 'failing' THEN failing_since END, now()) END,
        last_connected_at = CASE WHEN $2 = 'connected' THEN now() ELSE last_connected_at END
      WHERE id = $1 AND active
        -- Reconnecting after a failure keeps the failure showing until a connection works again.
        AND NOT ($2 = 'connecting' AND health = 'failing')
        AND (health IS DISTINCT FROM $2 OR health_reason IS DISTINCT FROM $3 OR $2 = 'connected')`,
    [id, health.state, health.state === "failing" ? health.reason.slice(0, 1000) : null],
  );
}

/** A mail that cannot be parsed or stored as it is: kept whole (the raw source), shown as unreadable. */
function unreadable(mail: FetchedMail, why: string): ParsedMail {
  const text = mail.raw.subarray(0, 200_000).toString("utf8");
  return {
    messageId: `unreadable-${mail.uidValidity}-${mail.uid}@switchboard.invalid`,
    inReplyTo: null,
    references: [],
    from: null,
    replyTo: [],
    to: [],
    cc: [],
    recipients: [],
    subject: "(unreadable mail)",
    date: null,
    text,
    visibleText: text,
    html: null,
    attachments: [],
    withheld: [],
    automated: { reason: "unreadable mail" },
    bounce: null,
    unsubscribeRequest: false,
    problems: [`${why}: kept as it came, not routed`],
  };
}
