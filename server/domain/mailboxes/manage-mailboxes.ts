// Mailboxes (IMAP in, SMTP out) through Prisma: supervisors read them, admins add, change and remove
// them; each change and its audit row (before and after, never a password) commit in one transaction.
import type { CreateMailboxBody, MailboxView, UpdateMailboxBody } from "../../../shared/email.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { auditedSettings, changedSettings, invalidField, mailboxView, mapPrismaError, noSuchMailbox, WITH_QUEUE } from "./mailbox-rows.ts";
import { sealSecret } from "./secrets.ts";

export interface MailboxDeps {
  prisma: PrismaClient;
  /** secretsKey(config): seals the passwords before they are stored. */
  encryptionKey: Buffer;
}

type Tx = Prisma.TransactionClient;

export async function recordMailboxAudit(tx: Tx, actorId: string | null, action: string, mailboxId: string, data: Record<string, unknown>): Promise<void> {
  await tx.auditEvent.create({ data: { actorId, action, entityType: "mailbox", entityId: mailboxId, data: data as Prisma.InputJsonObject } });
}

/** SMTP authenticates with a user and a password, or not at all (a relay that trusts our address). */
function assertSmtpLogin(smtp: { user: string | null; password: string | null }): void {
  if (smtp.password !== null && smtp.user === null) throw invalidField("smtp.user", "is required with an SMTP password (or clear the password too)");
}

async function assertQueueExists(tx: Tx, queueId: string | null | undefined): Promise<void> {
  if (queueId && !(await tx.queue.count({ where: { id: queueId } }))) throw invalidField("queueId", "no such queue");
}

/** The row locked for the rest of the transaction (Prisma has no FOR UPDATE of its own), or NOT_FOUND. */
async function lockedMailbox(tx: Tx, id: string) {
  await tx.$executeRaw`SELECT 1 FROM mailboxes WHERE id = ${id}::uuid FOR UPDATE`;
  const row = await tx.mailbox.findUnique({ where: { id }, include: WITH_QUEUE });
  if (!row) throw noSuchMailbox();
  return row;
}

export async function listMailboxes(deps: MailboxDeps, actor: Actor): Promise<MailboxView[]> {
  assertCan(actor, "mailboxes.read");
  const rows = await deps.prisma.mailbox.findMany({ include: WITH_QUEUE, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(mailboxView);
}

export async function getMailbox(deps: MailboxDeps, actor: Actor, id: string): Promise<MailboxView> {
  assertCan(actor, "mailboxes.read");
  const row = await deps.prisma.mailbox.findUnique({ where: { id }, include: WITH_QUEUE });
  if (!row) throw noSuchMailbox();
  return mailboxView(row);
}

export async function createMailbox(deps: MailboxDeps, actor: Actor, body: CreateMailboxBody): Promise<MailboxView> {
  assertCan(actor, "mailboxes.manage");
  try {
    return await deps.prisma.$transaction(async (tx) => {
      assertSmtpLogin(body.smtp);
      await assertQueueExists(tx, body.queueId);
      const created = await tx.mailbox.create({
        data: {
          name: body.name,
          address: body.address,
          displayName: body.displayName,
          queueId: body.queueId,
          imapHost: body.imap.host,
          imapPort: body.imap.port,
          imapSecure: body.imap.secure,
          imapUser: body.imap.user,
          imapPassword: sealSecret(deps.encryptionKey, body.imap.password),
          imapFolder: body.imap.folder,
          smtpHost: body.smtp.host,
          smtpPort: body.smtp.port,
          smtpSecure: body.smtp.secure,
          smtpUser: body.smtp.user,
          smtpPassword: body.smtp.password === null ? null : sealSecret(deps.encryptionKey, body.smtp.password),
          active: body.active,
          health: body.active ? "connecting" : "inactive",
        },
        include: WITH_QUEUE,
      });
      const view = mailboxView(created);
      await recordMailboxAudit(tx, actor.id, "mailbox_created", created.id, { after: auditedSettings(view) });
      return view;
    });
  } catch (err) {
    throw mapPrismaError(err, body);
  }
}

/**
 * The mailbox from IMAP_URL, SMTP_URL and MAIL_FROM is rewritten from them at every start: a change
 * here to what they set would be lost silently, so it is refused (its name and queue are the admin's).
 */
const ENVIRONMENT_OWNED = ["address", "displayName", "imap", "smtp", "active"] as const;

/** An admin changes a mailbox: only the fields given; a password left out keeps the stored one. */
export async function updateMailbox(deps: MailboxDeps, actor: Actor, id: string, body: UpdateMailboxBody): Promise<MailboxView> {
  assertCan(actor, "mailboxes.manage");
  try {
    return await deps.prisma.$transaction(async (tx) => {
      const before = await lockedMailbox(tx, id);
      if (before.fromEnvironment) {
        const owned = ENVIRONMENT_OWNED.find((field) => body[field] !== undefined);
        if (owned) {
          throw new AppError("CONFLICT", `This mailbox is set by IMAP_URL, SMTP_URL and MAIL_FROM: change ${owned} there`, { field: owned, reason: "from_environment" });
        }
      }
      await assertQueueExists(tx, body.queueId);
      const { imap = {}, smtp = {} } = body;
      const data: Prisma.MailboxUncheckedUpdateInput = {
        name: body.name,
        address: body.address,
        displayName: body.displayName,
        queueId: body.queueId,
        imapHost: imap.host,
        imapPort: imap.port,
        imapSecure: imap.secure,
        imapUser: imap.user,
        imapFolder: imap.folder,
        imapPassword: imap.password === undefined ? undefined : sealSecret(deps.encryptionKey, imap.password),
        smtpHost: smtp.host,
        smtpPort: smtp.port,
        smtpSecure: smtp.secure,
        smtpUser: smtp.user,
        smtpPassword: smtp.password === undefined ? undefined : smtp.password === null ? null : sealSecret(deps.encryptionKey, smtp.password),
        active: body.active,
      };
      const differs = <T>(next: T | undefined, current: T) => next !== undefined && next !== current;
      // The checkpoint (UIDVALIDITY, last UID) belongs to one folder of one account: when the address,
      // host, user or folder changes it means nothing there, so it is cleared and the watcher reads the
      // folder again from the start (dedupe by Message-ID keeps mail already stored from doubling). A new
      // port, TLS setting or password reaches the same folder, so the checkpoint stays.
      const otherFolder = differs(body.address, before.address) || differs(imap.host, before.imapHost) || differs(imap.user, before.imapUser) || differs(imap.folder, before.imapFolder);
      if (otherFolder) Object.assign(data, { uidValidity: null, lastUid: 0 });
      const reconnects = otherFolder || differs(imap.port, before.imapPort) || differs(imap.secure, before.imapSecure) || imap.password !== undefined;
      const active = body.active ?? before.active;
      if (!active) Object.assign(data, { health: "inactive" });
      // A failure seen with the old settings says nothing of the new ones: the watcher reports afresh.
      else if (reconnects || !before.active) Object.assign(data, { health: "connecting", healthReason: null, failingSince: null });
      const after = await tx.mailbox.update({ where: { id }, data, include: WITH_QUEUE });
      assertSmtpLogin({ user: after.smtpUser, password: after.smtpPassword });
      const updated = mailboxView(after);
      const changed = changedSettings(mailboxView(before), updated);
      const passwordsChanged = [imap.password !== undefined && "imap", smtp.password !== undefined && "smtp"].filter(Boolean);
      if (changed || passwordsChanged.length) {
        await recordMailboxAudit(tx, actor.id, "mailbox_updated", id, {
          ...(changed ?? { before: {}, after: {} }),
          ...(passwordsChanged.length ? { passwordsChanged } : {}),
          ...(otherFolder ? { checkpointCleared: true } : {}),
        });
      }
      return updated;
    });
  } catch (err) {
    throw mapPrismaError(err, body);
  }
}

export type DeleteMailboxResult = { deleted: true } | { deleted: false; mailbox: MailboxView };

/**
 * A mailbox no conversation came through is deleted. One with conversations keeps their history (which
 * mailbox a thread is with, where its replies go from): it is deactivated instead (active false, health
 * inactive, checkpoint kept, so reactivating it carries on where it stopped).
 */
export async function deleteMailbox(deps: MailboxDeps, actor: Actor, id: string): Promise<DeleteMailboxResult> {
  assertCan(actor, "mailboxes.manage");
  return deps.prisma.$transaction(async (tx) => {
    const before = await lockedMailbox(tx, id);
    // An active one would be made again at the next start.
    if (before.fromEnvironment && before.active) {
      throw new AppError("CONFLICT", "This mailbox is set by IMAP_URL, SMTP_URL and MAIL_FROM: unset them to remove it", { reason: "from_environment" });
    }
    const conversations = await tx.conversation.count({ where: { mailboxId: id } });
    if (conversations === 0) {
      await tx.mailbox.delete({ where: { id } });
      await recordMailboxAudit(tx, actor.id, "mailbox_deleted", id, { before: auditedSettings(mailboxView(before)) });
      return { deleted: true };
    }
    const after = await tx.mailbox.update({ where: { id }, data: { active: false, health: "inactive" }, include: WITH_QUEUE });
    const mailbox = mailboxView(after);
    await recordMailboxAudit(tx, actor.id, "mailbox_deactivated", id, { ...changedSettings(mailboxView(before), mailbox), conversations });
    return { deleted: false, mailbox };
  });
}
