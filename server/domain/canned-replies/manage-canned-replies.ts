// Canned replies through Prisma: every agent reads them (to use in the composer), supervisors and
// admins add, change and remove them; each change and its audit row commit in one transaction.
import type { CannedReplyView, CreateCannedReplyBody, UpdateCannedReplyBody } from "../../../shared/canned-replies.ts";
import type { Channel } from "../../../shared/domain.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

export interface CannedReplyDeps {
  prisma: PrismaClient;
}

type Tx = Prisma.TransactionClient;

const WITH_AUTHOR = { createdBy: { select: { id: true, name: true } } } as const;
type CannedReplyRow = Prisma.CannedReplyGetPayload<{ include: typeof WITH_AUTHOR }>;

export const cannedReplyView = (r: CannedReplyRow): CannedReplyView => ({
  id: r.id,
  title: r.title,
  shortcut: r.shortcut,
  body: r.body,
  channel: r.channel,
  createdBy: r.createdBy ? { id: r.createdBy.id, name: r.createdBy.name } : null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** What the audit log keeps of a canned reply: its content, not its bookkeeping. */
const audited = (v: CannedReplyView) => ({ title: v.title, shortcut: v.shortcut, body: v.body, channel: v.channel });

async function recordAudit(tx: Tx, actorId: string, action: string, id: string, data: Record<string, unknown>): Promise<void> {
  await tx.auditEvent.create({ data: { actorId, action, entityType: "canned_reply", entityId: id, data: data as Prisma.InputJsonObject } });
}

const noSuchCannedReply = () => new AppError("NOT_FOUND", "No such canned reply");

/** A taken shortcut is a 409 naming the field (the unique index decides, so two at once cannot both win). */
function mapPrismaError(err: unknown, shortcut: string | undefined): unknown {
  const code = (err as { code?: string })?.code;
  if (code === "P2002") return new AppError("CONFLICT", `The shortcut /${shortcut} is taken already`, { field: "shortcut" });
  if (code === "P2025") return noSuchCannedReply();
  return err;
}

/** All of them, or those offered on one channel: that channel's and the channel-less ones. */
export async function listCannedReplies(deps: CannedReplyDeps, actor: Actor, opts: { channel?: Channel | undefined } = {}): Promise<CannedReplyView[]> {
  assertCan(actor, "canned_replies.read");
  const rows = await deps.prisma.cannedReply.findMany({
    where: opts.channel ? { OR: [{ channel: opts.channel }, { channel: null }] } : {},
    include: WITH_AUTHOR,
    orderBy: [{ shortcut: "asc" }],
  });
  return rows.map(cannedReplyView);
}

export async function createCannedReply(deps: CannedReplyDeps, actor: Actor, body: CreateCannedReplyBody): Promise<CannedReplyView> {
  assertCan(actor, "canned_replies.manage");
  try {
    return await deps.prisma.$transaction(async (tx) => {
      const created = await tx.cannedReply.create({
        data: { title: body.title, shortcut: body.shortcut, body: body.body, channel: body.channel, createdById: actor.id },
        include: WITH_AUTHOR,
      });
      const view = cannedReplyView(created);
      await recordAudit(tx, actor.id, "canned_reply_created", created.id, { after: audited(view) });
      return view;
    });
  } catch (err) {
    throw mapPrismaError(err, body.shortcut);
  }
}

/** Only the fields given change; the audit row keeps those that did, before and after. */
export async function updateCannedReply(deps: CannedReplyDeps, actor: Actor, id: string, body: UpdateCannedReplyBody): Promise<CannedReplyView> {
  assertCan(actor, "canned_replies.manage");
  try {
    return await deps.prisma.$transaction(async (tx) => {
      // Locked so that two edits at once each audit what they really replaced.
      await tx.$executeRaw`SELECT 1 FROM canned_replies WHERE id = ${id}::uuid FOR UPDATE`;
      const found = await tx.cannedReply.findUnique({ where: { id }, include: WITH_AUTHOR });
      if (!found) throw noSuchCannedReply();
      const before = audited(cannedReplyView(found));
      const updated = cannedReplyView(
        await tx.cannedReply.update({
          where: { id },
          data: { title: body.title, shortcut: body.shortcut, body: body.body, channel: body.channel },
          include: WITH_AUTHOR,
        }),
      );
      const after = audited(updated);
      const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => before[k] !== after[k]);
      if (changed.length) {
        await recordAudit(tx, actor.id, "canned_reply_updated", id, {
          before: Object.fromEntries(changed.map((k) => [k, before[k]])),
          after: Object.fromEntries(changed.map((k) => [k, after[k]])),
        });
      }
      return updated;
    });
  } catch (err) {
    throw mapPrismaError(err, body.shortcut);
  }
}

export async function deleteCannedReply(deps: CannedReplyDeps, actor: Actor, id: string): Promise<void> {
  assertCan(actor, "canned_replies.manage");
  try {
    await deps.prisma.$transaction(async (tx) => {
      const deleted = await tx.cannedReply.delete({ where: { id }, include: WITH_AUTHOR });
      await recordAudit(tx, actor.id, "canned_reply_deleted", id, { before: audited(cannedReplyView(deleted)) });
    });
  } catch (err) {
    throw mapPrismaError(err, undefined);
  }
}
