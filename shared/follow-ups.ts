// Wire types of follow-ups: reminders (a note due at a time, on a customer or one of their conversations,
// owned by an agent) and snoozing a conversation until a time.
import { z } from "zod";

export const REMINDER_NOTE_MAX = 500;
/** A reminder is due within a year; a snooze ends within 90 days. */
export const REMINDER_MAX_AHEAD_MS = 366 * 24 * 60 * 60 * 1000;
export const SNOOZE_MAX_AHEAD_MS = 90 * 24 * 60 * 60 * 1000;

const Instant = z.string().datetime({ offset: true, message: "must be an ISO 8601 date and time" });

export const CreateReminderBody = z
  .object({
    customerId: z.string().uuid("must be a valid id"),
    /** One of that customer's conversations, or absent for the customer as a whole. */
    conversationId: z.string().uuid("must be a valid id").nullable().optional(),
    dueAt: Instant,
    note: z.string().trim().min(1, "must not be empty").max(REMINDER_NOTE_MAX, `must be at most ${REMINDER_NOTE_MAX} characters`),
    /** Whose reminder it is: the caller's own by default; a supervisor or admin may set one for another agent. */
    agentId: z.string().uuid("must be a valid id").optional(),
  })
  .strict();
export type CreateReminderBody = z.infer<typeof CreateReminderBody>;

export const ReminderView = z.object({
  id: z.string(),
  agent: z.object({ id: z.string(), name: z.string() }),
  customer: z.object({ id: z.string(), displayName: z.string().nullable() }),
  conversationId: z.string().nullable(),
  /** What to open for it: its own conversation, else the customer's latest (null: they have none). */
  openConversationId: z.string().nullable(),
  dueAt: z.string(),
  note: z.string(),
  /** When it fired (its owner was told); null while upcoming. */
  firedAt: z.string().nullable(),
  doneAt: z.string().nullable(),
  createdAt: z.string(),
});
export type ReminderView = z.infer<typeof ReminderView>;

export const ReminderResponse = z.object({ reminder: ReminderView });
/** Mine: due (fired, not done; oldest first) and upcoming (not fired yet; soonest first). */
export const MyRemindersResponse = z.object({ due: z.array(ReminderView), upcoming: z.array(ReminderView) });
export type MyRemindersResponse = z.infer<typeof MyRemindersResponse>;
/** A customer's open reminders, whoever owns them (no department an island). */
export const CustomerRemindersResponse = z.object({ reminders: z.array(ReminderView) });

export const SnoozeBody = z.object({ until: Instant }).strict();
export type SnoozeBody = z.infer<typeof SnoozeBody>;
