// The demo's entry points, made through the product's own admin functions (audited as the demo admin):
// the simulated Twilio number, and a chat widget for the simulator's shop page (its own origin).
import type { PrismaClient } from "../server/db/client.ts";
import type { Actor } from "../server/domain/auth/permissions.ts";
import { createWidget, listWidgets, updateWidget } from "../server/domain/chat/manage-widgets.ts";
import { listAgents, setAgentForwardPhone } from "../server/domain/workspace/manage-agents.ts";
import { listQueues, updateQueue } from "../server/domain/queues/manage-queues.ts";
import { createPhoneNumber, listPhoneNumbers } from "../server/domain/queues/phone-numbers.ts";
import type { WidgetView } from "../shared/api.ts";

export const DEMO_SHOP_WIDGET = "Demo shop";
/** Nobody can answer a call in the demo (no softphone): callers are offered a callback after this wait. */
export const DEMO_MAX_WAIT_SECONDS = 45;

/** The demo agents' forward phones: simulated phones, so a call they accept rings on the phone page. */
export const DEMO_AGENT_PHONES = ["+14155550201", "+14155550202"];

export interface DemoEntryPoints {
  widget: WidgetView;
  /** Agents who take calls on a forward phone, and its number. */
  callTakers: { name: string; email: string; phone: string }[];
}

/**
 * Adds what is missing (a second start changes nothing, but allows a shop origin on another port). On the
 * first run the default queue's longest wait is shortened, so a caller nobody answers soon hears the callback
 * offer, and the agents get simulated forward phones (there is no softphone without Twilio's cloud).
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
    const agents = (await listAgents(deps, actor)).filter((a) => a.role === "agent");
    for (const [i, agent] of agents.slice(0, DEMO_AGENT_PHONES.length).entries()) {
      await setAgentForwardPhone(deps, { actor, agentId: agent.id, phone: DEMO_AGENT_PHONES[i]!, defaultCountry: "US" });
    }
  }
  const callTakers = (await listAgents(deps, actor)).flatMap((a) => (a.forwardPhone && a.active ? [{ name: a.name, email: a.email, phone: a.forwardPhone }] : []));
  const numbers = await listPhoneNumbers(deps, actor);
  if (!numbers.some((n) => n.number === opts.businessNumber)) {
    await createPhoneNumber(deps, actor, { number: opts.businessNumber, label: "Demo number (simulated Twilio)" });
  }

  const existing = (await listWidgets(deps, actor)).find((w) => w.name === DEMO_SHOP_WIDGET);
  if (!existing) return { widget: await createWidget(deps, actor, { name: DEMO_SHOP_WIDGET, allowedOrigins: [opts.shopOrigin] }), callTakers };
  if (existing.allowedOrigins.includes(opts.shopOrigin)) return { widget: existing, callTakers };
  return { widget: await updateWidget(deps, actor, existing.publicKey, { allowedOrigins: [...existing.allowedOrigins, opts.shopOrigin] }), callTakers };
}
