// The first mailbox from the environment (IMAP_URL, SMTP_URL, MAIL_FROM): parsed and checked at start
// like the rest of the configuration, then kept in step with one mailbox row (from_environment).
import { z } from "zod";
import { ConfigError } from "../../config.ts";
import type { Db } from "../../db/client.ts";
import type { Logger } from "../../log.ts";
import { recordMailboxAudit } from "./manage-mailboxes.ts";
import { openSecret, sealSecret } from "./secrets.ts";

export interface MailEnvironment {
  address: string;
  displayName: string | null;
  imap: { host: string; port: number; secure: boolean; user: string; password: string; folder: string };
  smtp: { host: string; port: number; secure: boolean; user: string | null; password: string | null };
}

type MailVariable = "IMAP_URL" | "SMTP_URL" | "MAIL_FROM";
const bad = (name: MailVariable, problem: string) => new ConfigError(`Configuration error: ${name} ${problem}`);
const Address = z.string().trim().toLowerCase().email().max(320);

function serverUrl(name: "IMAP_URL" | "SMTP_URL", value: string, schemes: Record<string, { secure: boolean; port: number }>) {
  const example = name === "IMAP_URL" ? "imaps://user:password@imap.example.com:993/INBOX" : "smtp://user:password@smtp.example.com:587";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(name, `must be a URL such as ${example}`);
  }
  const scheme = schemes[url.protocol.replace(/:$/, "")];
  if (!scheme) throw bad(name, `must start with ${Object.keys(schemes).map((s) => `${s}://`).join(" or ")}`);
  if (!url.hostname) throw bad(name, `must name a host, as in ${example}`);
  let user: string, password: string;
  try {
    // User and password come percent-encoded in a URL (an @ in a password is %40).
    [user, password] = [decodeURIComponent(url.username), decodeURIComponent(url.password)];
  } catch {
    throw bad(name, "has a user or password that is not valid percent-encoding");
  }
  return { url, host: url.hostname, port: url.port ? Number(url.port) : scheme.port, secure: scheme.secure, user, password };
}

/** "Acme Support <support@acme.test>", '"Acme, Support" <support@acme.test>' or a bare address. */
function parseMailFrom(value: string): { address: string; displayName: string | null } {
  const named = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^<>]+)>\s*$/.exec(value);
  const address = Address.safeParse(named ? named[3] : value);
  if (!address.success) throw bad("MAIL_FROM", "must be an email address, or a name and an address such as Acme Support <support@acme.test>");
  const name = (named?.[1]?.replace(/\\(.)/g, "$1") ?? named?.[2] ?? "").trim();
  return { address: address.data, displayName: name || null };
}

/** The three variables, all set or none (half a mail setup is a typo, not a choice); null when none. */
export function parseMailEnvironment(env: { IMAP_URL?: string | undefined; SMTP_URL?: string | undefined; MAIL_FROM?: string | undefined }): MailEnvironment | null {
  const given = { IMAP_URL: env.IMAP_URL?.trim() || undefined, SMTP_URL: env.SMTP_URL?.trim() || undefined, MAIL_FROM: env.MAIL_FROM?.trim() || undefined };
  const missing = (Object.keys(given) as MailVariable[]).filter((k) => !given[k]);
  if (missing.length === 3) return null;
  if (missing.length) throw bad(missing[0]!, "is required when the other mail settings (IMAP_URL, SMTP_URL, MAIL_FROM) are set");

  const imap = serverUrl("IMAP_URL", given.IMAP_URL!, { imap: { secure: false, port: 143 }, imaps: { secure: true, port: 993 } });
  if (!imap.user || !imap.password) throw bad("IMAP_URL", "must include the user and password, as in imaps://user:password@imap.example.com:993/INBOX");
  let folder: string;
  try {
    folder = decodeURIComponent(imap.url.pathname.replace(/^\/+/, "").replace(/\/+$/, "")) || "INBOX";
  } catch {
    throw bad("IMAP_URL", "has a folder that is not valid percent-encoding");
  }
  const smtp = serverUrl("SMTP_URL", given.SMTP_URL!, { smtp: { secure: false, port: 587 }, smtps: { secure: true, port: 465 } });
  if (smtp.url.pathname.replace(/^\/+/, "")) throw bad("SMTP_URL", "must not have a path: smtp://user:password@host:587");
  return {
    ...parseMailFrom(given.MAIL_FROM!),
    imap: { host: imap.host, port: imap.port, secure: imap.secure, user: imap.user, password: imap.password, folder },
    // Authentication is optional for SMTP (a relay that trusts our address).
    smtp: { host: smtp.host, port: smtp.port, secure: smtp.secure, user: smtp.user || null, password: smtp.user ? smtp.password || null : null },
  };
}

export type EnvironmentMailboxOutcome = "created" | "updated" | "unchanged" | "deactivated" | "absent";

const LOCK = "switchboard:environment-mailbox";
const UNSET_REASON = "IMAP_URL, SMTP_URL and MAIL_FROM are no longer set";

/**
 * Makes the from_environment mailbox match the environment, at every start. Set: created (named after
 * MAIL_FROM's display name, else "Email"; queue none, so the default queue), or updated in place (same
 * id) in what the environment says, and active; its name and queue stay as an admin set them. Unset:
 * an existing one is deactivated, not deleted, so its conversations keep their mailbox and setting the
 * variables again brings it back with its checkpoint. A password the key cannot open counts as changed
 * and is sealed again (so after a new ENCRYPTION_KEY a restart heals this mailbox).
 */
export async function syncEnvironmentMailbox(db: Pick<Db, "prisma">, key: Buffer, settings: MailEnvironment | null): Promise<EnvironmentMailboxOutcome> {
  return db.prisma.$transaction(async (tx) => {
    // Several processes start at once behind a load balancer: one at a time, so only one creates it.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${LOCK}, 0))`;
    const existing = await tx.mailbox.findFirst({ where: { fromEnvironment: true } });
    if (!settings) {
      if (!existing?.active) return existing ? "unchanged" : "absent";
      await tx.mailbox.update({ where: { id: existing.id }, data: { active: false, health: "inactive", healthReason: UNSET_REASON } });
      await recordMailboxAudit(tx, null, "mailbox_deactivated", existing.id, { reason: UNSET_REASON, before: { active: true }, after: { active: false } });
      return "deactivated";
    }
    const taken = await tx.mailbox.findFirst({ where: { address: settings.address, fromEnvironment: false }, select: { name: true } });
    if (taken) {
      throw new ConfigError(`Configuration error: MAIL_FROM ${settings.address} is already the address of the mailbox "${taken.name}" added by an admin: remove that one or change MAIL_FROM`);
    }
    const { imap, smtp } = settings;
    const wanted = {
      address: settings.address,
      displayName: settings.displayName,
      imapHost: imap.host,
      imapPort: imap.port,
      imapSecure: imap.secure,
      imapUser: imap.user,
      imapFolder: imap.folder,
      smtpHost: smtp.host,
      smtpPort: smtp.port,
      smtpSecure: smtp.secure,
      smtpUser: smtp.user,
    };
    const sealed = { imapPassword: sealSecret(key, imap.password), smtpPassword: smtp.password === null ? null : sealSecret(key, smtp.password) };
    if (!existing) {
      const baseName = settings.displayName ?? "Email";
      const nameTaken = await tx.mailbox.count({ where: { name: baseName } });
      const created = await tx.mailbox.create({ data: { ...wanted, ...sealed, name: nameTaken ? settings.address : baseName, fromEnvironment: true } });
      await recordMailboxAudit(tx, null, "mailbox_created", created.id, { fromEnvironment: true, after: { ...wanted, name: created.name } });
      return "created";
    }
    const changed = (Object.keys(wanted) as (keyof typeof wanted)[]).filter((k) => existing[k] !== wanted[k]);
    const passwordsChanged = [
      !sameSecret(key, existing.imapPassword, imap.password) && "imap",
      !sameSecret(key, existing.smtpPassword, smtp.password) && "smtp",
    ].filter(Boolean);
    // Same rule as an admin's change (manage-mailboxes.ts): another account or folder, the checkpoint is void.
    const otherFolder = changed.some((k) => k === "address" || k === "imapHost" || k === "imapUser" || k === "imapFolder");
    const anew = changed.length > 0 || passwordsChanged.length > 0 || !existing.active;
    if (!anew) return "unchanged";
    await tx.mailbox.update({
      where: { id: existing.id },
      data: {
        ...wanted,
        ...sealed,
        active: true,
        ...(otherFolder ? { uidValidity: null, lastUid: 0 } : {}),
        // A failure seen with the old settings says nothing of the new ones: the watcher reports afresh.
        health: "connecting",
        healthReason: null,
        failingSince: null,
      },
    });
    await recordMailboxAudit(tx, null, "mailbox_updated", existing.id, {
      fromEnvironment: true,
      before: Object.fromEntries([...changed.map((k) => [k, existing[k]]), ...(existing.active ? [] : [["active", false]])]),
      after: Object.fromEntries([...changed.map((k) => [k, wanted[k]]), ...(existing.active ? [] : [["active", true]])]),
      ...(passwordsChanged.length ? { passwordsChanged } : {}),
      ...(otherFolder ? { checkpointCleared: true } : {}),
    });
    return "updated";
  });
}

/** Whether the stored secret is this one; one the key cannot open counts as different (it is resealed). */
function sameSecret(key: Buffer, sealed: string | null, plain: string | null): boolean {
  if (sealed === null || plain === null) return sealed === plain;
  try {
    return openSecret(key, sealed) === plain;
  } catch {
    return false;
  }
}

/** At start: a conflict with the configuration stops it; a database that is down does not (readyz says so). */
export async function syncEnvironmentMailboxAtStart(db: Pick<Db, "prisma">, key: Buffer, settings: MailEnvironment | null, log: Logger): Promise<void> {
  try {
    const outcome = await syncEnvironmentMailbox(db, key, settings);
    if (outcome === "created" || outcome === "updated") log.info(`mailbox from IMAP_URL, SMTP_URL and MAIL_FROM ${outcome}`, { address: settings?.address });
    if (outcome === "deactivated") log.warn("the mailbox from IMAP_URL, SMTP_URL and MAIL_FROM is deactivated: they are no longer set");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const message = "the mailbox from IMAP_URL, SMTP_URL and MAIL_FROM could not be brought in step (it is tried again at the next start)";
    // Unset, there is at most a mailbox to deactivate: not worth an error line while Postgres is down.
    if (settings) log.error(message, { err: (err as Error).message });
    else log.warn(message, { err: (err as Error).message });
  }
}
