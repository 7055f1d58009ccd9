// A reminder row (through Prisma) → its wire view, with its owner, its customer's name and what to open.
import type { ReminderView } from "../../../shared/follow-ups.ts";
import { formatPhone } from "../../../shared/phone.ts";
import type { Prisma } from "../../db/client.ts";

/** What every reminder read includes: one query, whatever the list's length. */
export const REMINDER_INCLUDE = {
  agent: { select: { id: true, name: true } },
  customer: {
    select: {
      id: true,
      displayName: true,
      // Without a name, the customer is shown by their first address (as conversations are).
      identities: { select: { kind: true, value: true }, orderBy: [{ createdAt: "asc" }], take: 1 },
      // The customer's latest conversation: what a reminder on the customer as a whole opens.
      conversations: { select: { id: true }, orderBy: [{ lastMessageAt: "desc" }, { id: "desc" }], take: 1 },
    },
  },
} as const satisfies Prisma.ReminderInclude;

export type ReminderRow = Prisma.ReminderGetPayload<{ include: typeof REMINDER_INCLUDE }>;

function shownAddress(identity: { kind: string; value: string } | undefined): string | null {
  if (!identity) return null;
  if (identity.kind === "phone") return formatPhone(identity.value);
  return identity.kind === "chat_visitor" ? "Web visitor" : identity.value;
}

export function reminderView(r: ReminderRow): ReminderView {
  return {
    id: r.id,
    agent: { id: r.agent.id, name: r.agent.name },
    customer: { id: r.customer.id, displayName: r.customer.displayName ?? shownAddress(r.customer.identities[0]) },
    conversationId: r.conversationId,
    openConversationId: r.conversationId ?? r.customer.conversations[0]?.id ?? null,
    dueAt: r.dueAt.toISOString(),
    note: r.note,
    firedAt: r.firedAt?.toISOString() ?? null,
    doneAt: r.doneAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

/** What the audit log keeps of a reminder: whose, on what, when, and its note. */
export const auditedReminder = (r: ReminderRow) => ({
  agentId: r.agentId,
  customerId: r.customerId,
  conversationId: r.conversationId,
  dueAt: r.dueAt.toISOString(),
  note: r.note,
});
