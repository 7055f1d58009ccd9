// The demo's entry points, made through the product's own admin functions (audited as the demo admin):
// the simulated Twilio number, and a chat widget for the simulator's shop page (its own origin).
import type { PrismaClient } from "../server/db/client.ts";
import type { Actor } from "../server/domain/auth/permissions.ts";
import { createWidget, listWidgets, updateWidget } from "../server/domain/chat/manage-widgets.ts";
import { listQueues, updateQueue } from "../server/domain/queues/manage-queues.ts";
import { createPhoneNumber, listPhoneNumbers } from "../server/domain/queues/phone-numbers.ts";
import type { WidgetView } from "../shared/api.ts";

export const DEMO_SHOP_WIDGET = "Demo shop";
/** Nobody can answer a call in the demo (no softphone): callers are offered a callback after this wait. */
export const DEMO_MAX_WAIT_SECONDS = 45;

export interface DemoEntryPoints {
  widget: WidgetView;
}

/**
 * Adds what is missing (a second start changes nothing, but allows a shop origin on another port). On the
 * first run the default queue's longest wait is shortened, so a caller on hold soon hears the callback offer.
 */
export async function ensureDemoEntryPoints(
  prisma: PrismaClient,
  opts: { publicUrl: string; businessNumber: string; shopOrigin: string; firstRun: boolean; maxWaitSeconds?: number },
): Promise<DemoEntryPoints> {
  const admin = await prisma.agent.findFirst({ where: { role: "admin", deactivatedAt: null }, orderBy: { createdAt: "asc" }, select: { id: true, role: true, name: true } });
  if (!admin) throw new Error("The demo needs an admin: the workspace has agents but none is an active admin");
  const actor: Actor = admin;
  const deps = { prisma, publicUrl: opts.publicUrl };

  if (opts.firstRun) {
    const queue = (await listQueues(deps, actor)).find((q) => q.isDefault);
    if (queue) await updateQueue(deps, actor, queue.id, { maxWaitSeconds: opts.maxWaitSeconds ?? DEMO_MAX_WAIT_SECONDS, afterMaxWait: "callback" });
  }
  const numbers = await listPhoneNumbers(deps, actor);
  if (!numbers.some((n) => n.number === opts.businessNumber)) {
    await createPhoneNumber(deps, actor, { number: opts.businessNumber, label: "Demo number (simulated Twilio)" });
  }

  const existing = (await listWidgets(deps, actor)).find((w) => w.name === DEMO_SHOP_WIDGET);
  if (!existing) return { widget: await createWidget(deps, actor, { name: DEMO_SHOP_WIDGET, allowedOrigins: [opts.shopOrigin] }) };
  if (existing.allowedOrigins.includes(opts.shopOrigin)) return { widget: existing };
  return { widget: await updateWidget(deps, actor, existing.publicKey, { allowedOrigins: [...existing.allowedOrigins, opts.shopOrigin] }) };
}
