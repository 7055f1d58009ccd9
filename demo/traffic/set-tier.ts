// The traffic's tiers, given as a CRM sync would give them: the product's setCustomerTier, as the demo admin,
// once the customer's first contact is stored (a mail takes a moment to be fetched over IMAP).
import type { PrismaClient } from "../../server/db/client.ts";
import type { Actor } from "../../server/domain/auth/permissions.ts";
import { setCustomerTier } from "../../server/domain/queues/customer-tiers.ts";
import type { Tier } from "./people.ts";

export function tierSetter(prisma: PrismaClient, actor: Actor, opts: { waitMs?: number } = {}) {
  return async (identity: { kind: "phone" | "email"; value: string }, tier: Tier): Promise<void> => {
    const deadline = Date.now() + (opts.waitMs ?? 30_000);
    for (;;) {
      const found = await prisma.identity.findUnique({ where: { kind_value: identity }, select: { customerId: true } });
      if (found) {
        await setCustomerTier({ prisma }, actor, found.customerId, { tier });
        return;
      }
      if (Date.now() > deadline) throw new Error(`no customer with ${identity.kind} ${identity.value} to give the ${tier} tier`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
}
