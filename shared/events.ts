// Socket.io events of the /agent namespace: one typed map for the server's emits and the client's listeners.
import { z } from "zod";
import type { BoardSnapshot, BoardUpdate } from "./board.ts";
import { Channel, SettablePresence } from "./domain.ts";
import type { AgentView, ChannelHealth, ConversationView, ErrorCode, MessageView, OfferView } from "./api.ts";
import type { AlertView } from "./service-levels.ts";
import { ReminderView } from "./follow-ups.ts";
import type { CustomerMergedEvent } from "./merge.ts";
import type { CallMonitoringEvent } from "./call-monitor.ts";
import type { CallConsultEvent } from "./call-consult.ts";

export const AGENT_NAMESPACE = "/agent";

export const SetPresenceEvent = z.object({ presence: SettablePresence, awayReasonId: z.string().uuid().nullable().optional() });
export const TypingEvent = z.object({ conversationId: z.string().uuid(), typing: z.boolean() });
export const SeenEvent = z.object({ conversationId: z.string().uuid() });
export const WatchCustomerEvent = z.object({ customerId: z.string().uuid() });

/** Something the agent must know that happened to them, not to a conversation they watch. */
export const AgentNotice = z.object({
  kind: z.enum(["call_not_connected", "set_away_after_missed_call", "mentioned", "reminder_due", "supervisor_action"]),
  message: z.string(),
  conversationId: z.string().nullable(),
  at: z.string(),
  /** With "reminder_due": the reminder that fired (its customer's name in it). */
  reminder: ReminderView.optional(),
});
export type AgentNotice = z.infer<typeof AgentNotice>;

export type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

export interface AgentServerToClient {
  "offer:new": (offer: OfferView) => void;
  /** The offer was accepted, rejected, timed out or withdrawn. */
  "offer:closed": (event: { offerId: string; conversationId: string; status: OfferView["status"] }) => void;
  "conversation:updated": (conversation: ConversationView) => void;
  "message:new": (message: MessageView) => void;
  "message:updated": (message: MessageView) => void;
  "agent:updated": (agent: AgentView) => void;
  /** A channel started failing (its sends are held) or recovered. */
  "channel:health": (health: ChannelHealth) => void;
  /** To this agent only: a call could not be connected to them, they were set away after missing one, or a colleague's note mentions them. */
  "agent:notice": (notice: AgentNotice) => void;
  /** Someone is typing in a conversation of a customer this socket watches (or is assigned). */
  "conversation:typing": (event: { conversationId: string; who: "customer" | "agent"; agentId: string | null; name: string | null; typing: boolean }) => void;
  /** To supervisors and the queue's members: a waiting conversation reached its warning or breach. */
  "service_level:alert": (alert: AlertView) => void;
  /** Who has this customer open now (every agent watching them, on any server), sent to those watching. */
  "customer:viewers": (event: { customerId: string; viewers: { agentId: string; name: string }[] }) => void;
  /** A customer's record changed (name, tags, tier, notes): panels showing them read it again. */
  "customer:updated": (event: { customerId: string }) => void;
  /** Sent just before the server closes this socket because its session ended: sign in again. */
  "session:ended": (event: { reason: "logout" | "password_changed" | "deactivated" | "expired" | "signed_out" }) => void;
  /** Two customers were merged, or a merge undone: to both customers' watchers, to reload them. */
  "customer:merged": (event: CustomerMergedEvent) => void;
  /** To board watchers: the rows of the live board that changed (coalesced). */
  "board:update": (update: BoardUpdate) => void;
  /** Who listens, whispers or barges on a call: to supervisors, and to its agent when monitoring is announced. */
  "call:monitoring": (event: CallMonitoringEvent) => void;
  /** A warm transfer's consultation changed (who is consulted, ringing or talking): to the agents on the call. */
  "call:consult": (event: CallConsultEvent) => void;
}

export interface AgentClientToServer {
  "presence:set": (event: z.input<typeof SetPresenceEvent>, ack: (result: Ack<AgentView>) => void) => void;
  /** Join a customer's room to get their timeline live (any agent may: no department an island). */
  "customer:watch": (event: z.input<typeof WatchCustomerEvent>, ack: (result: Ack<null>) => void) => void;
  "customer:unwatch": (event: z.input<typeof WatchCustomerEvent>, ack: (result: Ack<null>) => void) => void;
  /** The agent has this conversation open: the customer's chat messages are marked read. */
  "conversation:seen": (event: { conversationId: string }) => void;
  /** The agent is typing a reply: shown to the chat visitor and to other agents watching the customer. */
  "conversation:typing": (event: z.input<typeof TypingEvent>) => void;
  /** Supervisors and admins: watch the live board; the ack carries it whole, `board:update` follows. */
  "board:watch": (event: unknown, ack: (result: Ack<BoardSnapshot>) => void) => void;
  "board:unwatch": (event: unknown, ack: (result: Ack<null>) => void) => void;
}

export const channelLabel: Record<Channel, string> = { sms: "SMS", voice: "Voice", email: "Email", chat: "Chat" };
