// Privacy on the wire: the consent ledger, a customer's export, and erasure (/api/customers/:id/…).
import { z } from "zod";
import { Channel } from "./domain.ts";

/** Where a consent change came from. 'backfill': it was already recorded before the ledger existed. */
export const ConsentSource = z.enum(["sms_stop", "sms_start", "email_unsubscribe", "agent", "do_not_call", "backfill"]);
export type ConsentSource = z.infer<typeof ConsentSource>;

const ConsentStatus = z.enum(["opted_in", "opted_out"]);

export const ConsentChangeView = z.object({
  id: z.string(),
  channel: Channel,
  status: ConsentStatus,
  /** A ConsentSource; a string so that an older or newer writer's value still reads. */
  source: z.string(),
  actor: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  evidenceMessageId: z.string().nullable(),
  /** What the customer wrote ("STOP") or the header that asked; null once the customer is erased. */
  evidence: z.string().nullable(),
  createdAt: z.string(),
});
export type ConsentChangeView = z.infer<typeof ConsentChangeView>;

/** GET /api/customers/:id/consents */
export const ConsentLedger = z.object({
  customerId: z.string(),
  /** Set once an admin erased the customer. */
  erasedAt: z.string().nullable(),
  current: z.array(z.object({ channel: Channel, status: ConsentStatus, source: z.string(), updatedAt: z.string() })),
  /** Newest first. */
  changes: z.array(ConsentChangeView),
});
export type ConsentLedger = z.infer<typeof ConsentLedger>;

/** POST /api/customers/:id/erase: the admin confirms, and says why (kept in the audit log). */
export const EraseCustomerBody = z
  .object({
    confirm: z.literal(true, { error: "confirm must be true: erasing cannot be undone" }),
    reason: z.string().trim().min(3, "say why (at least 3 characters)").max(500),
  })
  .strict();
export type EraseCustomerBody = z.infer<typeof EraseCustomerBody>;

export const EraseCustomerResult = z.object({
  customerId: z.string(),
  erasedAt: z.string(),
  /** What was kept for reports (the conversations and messages themselves, without their content). */
  kept: z.object({ conversations: z.number(), messages: z.number() }),
  /** Outbound messages still queued that will now never be sent. */
  cancelledOutbound: z.number(),
});
export type EraseCustomerResult = z.infer<typeof EraseCustomerResult>;

/** The download's schema version: bump when the export's shape changes. */
export const CUSTOMER_EXPORT_VERSION = 1;

export const exportFileName = (customerId: string) => `customer-${customerId}.json`;
