// The email adapter's view of a mailbox: its SMTP settings with the password opened, read when sending
// (so an admin's change applies to the next mail), and whether any mailbox is active (email on or off).
import type pg from "pg";
import type { SendingMailbox } from "../../../channels/email/email-adapter.ts";
import { openSecret } from "../mailboxes/secrets.ts";

export function sendingMailboxes(pool: pg.Pool, key: Buffer): (id: string) => Promise<SendingMailbox | null> {
  return async (id) => {
    const { rows } = await pool.query<{ id: string; address: string; display_name: string | null; smtp_host: string; smtp_port: number; smtp_secure: boolean; smtp_user: string | null; smtp_password: string | null; updated_at: Date }>(
      `SELECT id, address, display_name, smtp_host, smtp_port, smtp_secure, smtp_user, smtp_password, updated_at FROM mailboxes WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      address: r.address,
      displayName: r.display_name,
      smtp: { host: r.smtp_host, port: r.smtp_port, secure: r.smtp_secure, user: r.smtp_user, password: r.smtp_password ? openSecret(key, r.smtp_password) : null },
      version: r.updated_at.toISOString(),
    };
  };
}

/** Whether email is on (some mailbox is active), read again every few seconds: channelState must answer at once. */
export function trackEmailAvailability(pool: pg.Pool, everyMs = 5000): { enabled(): boolean; refresh(): Promise<void>; stop(): void } {
  let active = false;
  const refresh = async () => {
    const { rows } = await pool.query<{ active: boolean }>(`SELECT EXISTS (SELECT 1 FROM mailboxes WHERE active) AS active`);
    active = rows[0]?.active ?? false;
  };
  const timer = setInterval(() => void refresh().catch(() => {}), everyMs);
  timer.unref();
  return { enabled: () => active, refresh, stop: () => clearInterval(timer) };
}
