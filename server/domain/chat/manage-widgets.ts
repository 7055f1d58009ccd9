// Admins register the sites that embed the chat widget: a public key, allowed origins, a signing secret.
import { randomBytes } from "node:crypto";
import type { CreateWidgetBody, WidgetView } from "../../../shared/api.ts";
import type { UpdateWidgetBody } from "../../../shared/queues.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, can, type Actor } from "../auth/permissions.ts";
import { assertQueuesExist } from "../queues/queue-rows.ts";

const WIDGET = { publicKey: true, name: true, allowedOrigins: true, identitySecret: true, queueId: true } as const;
type WidgetRecord = Prisma.ChatWidgetGetPayload<{ select: typeof WIDGET }>;

export function widgetView(w: WidgetRecord, publicUrl: string, opts: { withSecret: boolean } = { withSecret: true }): WidgetView {
  return {
    publicKey: w.publicKey,
    name: w.name,
    allowedOrigins: w.allowedOrigins,
    identitySecret: opts.withSecret ? w.identitySecret : null,
    embedSnippet: `<script src="${publicUrl}/widget.js" data-switchboard-key="${w.publicKey}" async></script>`,
    queueId: w.queueId,
  };
}

export async function createWidget(deps: { prisma: PrismaClient; publicUrl: string }, actor: Actor, body: CreateWidgetBody): Promise<WidgetView> {
  assertCan(actor, "widgets.manage");
  return deps.prisma.$transaction((tx) => insertWidget(tx, { publicUrl: deps.publicUrl, actorId: actor.id }, body));
}

/** The insert and its audit row, inside the caller's transaction (the demo seed has no actor: null). */
export async function insertWidget(tx: Prisma.TransactionClient, opts: { publicUrl: string; actorId: string | null }, body: CreateWidgetBody): Promise<WidgetView> {
  await assertQueuesExist(tx, { queueId: body.queueId });
  const widget = await tx.chatWidget.create({
    data: {
      publicKey: `wk_${randomBytes(12).toString("base64url")}`,
      name: body.name,
      allowedOrigins: body.allowedOrigins,
      identitySecret: randomBytes(32).toString("base64url"),
      queueId: body.queueId ?? null,
    },
    select: WIDGET,
  });
  await recordPrismaAudit(tx, {
    actorId: opts.actorId,
    action: "widget_created",
    entityType: "chat_widget",
    entityId: widget.publicKey,
    data: { name: widget.name, allowedOrigins: widget.allowedOrigins, queueId: widget.queueId },
  });
  return widgetView(widget, opts.publicUrl);
}

/** Supervisors may read the widgets; only admins see the identity secret. */
export async function listWidgets(deps: { prisma: PrismaClient; publicUrl: string }, actor: Actor): Promise<WidgetView[]> {
  assertCan(actor, "widgets.read");
  const withSecret = can(actor, "widgets.manage");
  const widgets = await deps.prisma.chatWidget.findMany({ select: WIDGET, orderBy: { createdAt: "asc" } });
  return widgets.map((w) => widgetView(w, deps.publicUrl, { withSecret }));
}

/** Renames a widget, changes its allowed origins or the queue its chats join (null: the default queue); audited. */
export async function updateWidget(
  deps: { prisma: PrismaClient; publicUrl: string },
  actor: Actor,
  publicKey: string,
  body: UpdateWidgetBody,
): Promise<WidgetView> {
  assertCan(actor, "widgets.manage");
  return deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM chat_widgets WHERE public_key = ${publicKey} FOR UPDATE`;
    const before = await tx.chatWidget.findUnique({ where: { publicKey }, select: WIDGET });
    if (!before) throw new AppError("NOT_FOUND", "No such widget");
    await assertQueuesExist(tx, { queueId: body.queueId });
    const allowedOrigins = body.allowedOrigins ? [...new Set(body.allowedOrigins)] : undefined;
    const after = await tx.chatWidget.update({ where: { publicKey }, data: { name: body.name, queueId: body.queueId, allowedOrigins }, select: WIDGET });
    const brief = (w: WidgetRecord) => ({ name: w.name, queueId: w.queueId, allowedOrigins: w.allowedOrigins });
    await recordPrismaAudit(tx, { actorId: actor.id, action: "widget_updated", entityType: "chat_widget", entityId: publicKey, data: { before: brief(before), after: brief(after) } });
    return widgetView(after, deps.publicUrl);
  });
}

/**
 * A new identity secret (the old one leaked, or a routine change): from now only identities signed with
 * the new one are verified; a visitor connected with the old one keeps their chat. Audited, secret not kept.
 */
export async function rotateWidgetSecret(deps: { prisma: PrismaClient; publicUrl: string }, actor: Actor, publicKey: string): Promise<WidgetView> {
  assertCan(actor, "widgets.manage");
  return deps.prisma.$transaction(async (tx) => {
    const exists = await tx.chatWidget.findUnique({ where: { publicKey }, select: { publicKey: true } });
    if (!exists) throw new AppError("NOT_FOUND", "No such widget");
    const after = await tx.chatWidget.update({ where: { publicKey }, data: { identitySecret: randomBytes(32).toString("base64url") }, select: WIDGET });
    await recordPrismaAudit(tx, { actorId: actor.id, action: "widget_secret_rotated", entityType: "chat_widget", entityId: publicKey, data: {} });
    return widgetView(after, deps.publicUrl);
  });
}
