// A mailbox as Prisma reads it, its view (never its passwords), and the Prisma errors the admin API maps.
import type { MailboxView } from "../../../shared/email.ts";
import type { Prisma } from "../../db/client.ts";
import { AppError } from "../../errors.ts";

/** What every view needs besides the row: the queue's name. */
export const WITH_QUEUE = { queue: { select: { id: true, name: true } } } as const;
export type MailboxWithQueue = Prisma.MailboxGetPayload<{ include: typeof WITH_QUEUE }>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const mailboxView = (m: MailboxWithQueue): MailboxView => ({
  id: m.id,
  name: m.name,
  address: m.address,
  displayName: m.displayName,
  queue: m.queue ? { id: m.queue.id, name: m.queue.name } : null,
  imap: { host: m.imapHost, port: m.imapPort, secure: m.imapSecure, user: m.imapUser, folder: m.imapFolder, passwordSet: m.imapPassword !== "" },
  smtp: { host: m.smtpHost, port: m.smtpPort, secure: m.smtpSecure, user: m.smtpUser, passwordSet: m.smtpPassword !== null },
  fromEnvironment: m.fromEnvironment,
  active: m.active,
  health: {
    state: m.health as MailboxView["health"]["state"],
    reason: m.healthReason,
    failingSince: iso(m.failingSince),
    lastConnectedAt: iso(m.lastConnectedAt),
    lastFetchedAt: iso(m.lastFetchedAt),
  },
  createdAt: m.createdAt.toISOString(),
});

/** The view as the audit log keeps it: settings only (health changes by itself and is not an admin's act). */
export function auditedSettings(view: MailboxView): Omit<MailboxView, "health" | "createdAt"> {
  const { health: _health, createdAt: _createdAt, ...settings } = view;
  return settings;
}

/** Only the keys whose values differ, before and after (nothing of a password but whether one is set). */
export function changedSettings(before: MailboxView, after: MailboxView): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const old = auditedSettings(before) as Record<string, unknown>;
  const updated = auditedSettings(after) as Record<string, unknown>;
  const keys = Object.keys(updated).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(updated[k]));
  if (!keys.length) return null;
  return { before: Object.fromEntries(keys.map((k) => [k, old[k]])), after: Object.fromEntries(keys.map((k) => [k, updated[k]])) };
}

/** A 400 VALIDATION naming the field, shaped like the issues parseInput reports for a bad body. */
export function invalidField(field: string, message: string): AppError {
  return new AppError("VALIDATION", `${field}: ${message}`, [{ code: "custom", path: field.split("."), message }]);
}

export const noSuchMailbox = () => new AppError("NOT_FOUND", "No such mailbox");

interface PrismaKnownError {
  code?: string;
  meta?: { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: string[]; index?: string } } } };
}

/** The unique column a P2002 names (Prisma 7 reports it through the driver adapter's cause). */
function uniqueField(err: PrismaKnownError): string | null {
  const constraint = err.meta?.driverAdapterError?.cause?.constraint;
  const named = [...(constraint?.fields ?? []), constraint?.index ?? "", ...(Array.isArray(err.meta?.target) ? err.meta.target : [String(err.meta?.target ?? "")])].join(" ");
  if (/address/.test(named)) return "address";
  if (/name/.test(named)) return "name";
  if (/from_environment|fromEnvironment/.test(named)) return "fromEnvironment";
  return null;
}

/**
 * Prisma's refusals as answers: a taken name or address is a 409 naming the field (the unique index
 * decides, so two admins at once cannot both win), a queue deleted meanwhile a 400 on queueId.
 */
export function mapPrismaError(err: unknown, body: { name?: string; address?: string }): unknown {
  const e = err as PrismaKnownError;
  if (e?.code === "P2002") {
    const field = uniqueField(e);
    if (field === "address") return new AppError("CONFLICT", `A mailbox with the address ${body.address} exists already`, { field: "address" });
    if (field === "name") return new AppError("CONFLICT", `A mailbox named "${body.name}" exists already`, { field: "name" });
    return new AppError("CONFLICT", "A mailbox with these settings exists already", { field });
  }
  if (e?.code === "P2003") return invalidField("queueId", "no such queue");
  if (e?.code === "P2025") return noSuchMailbox();
  return err;
}
