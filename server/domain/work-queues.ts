// The work the domain hands to background jobs (implemented with BullMQ in server/jobs).
import type { ServiceLevelAlertKind } from "../../shared/service-levels.ts";

export interface WorkQueues {
  /** A conversation waits for an agent: try to match it (lower priority number first). */
  routeConversation(conversationId: string, priority: number): Promise<void>;
  /** Try to match it again at this time (its queue's overflow time comes then). */
  routeConversationAt(conversationId: string, at: Date): Promise<void>;
  /** An agent may have room for more work: offer them the best waiting conversation. */
  agentMayTakeWork(agentId: string): Promise<void>;
  /** Time the offer out after delayMs unless it was answered. */
  scheduleOfferTimeout(offerId: string, delayMs: number): Promise<void>;
  /** After a call, the agent's wrap-up time: back to available after delayMs unless they finished first. */
  endWrapUp(agentId: string, delayMs: number): Promise<void>;
  /** An agent's socket closed: after delayMs, take them offline unless a socket of theirs is open on any server. */
  agentDisconnected(agentId: string, delayMs: number, opts?: { derived?: boolean }): Promise<void>;
  /** Send a queued outbound message through its channel. */
  sendMessage(messageId: string): Promise<void>;
  /** Queue the sends of these messages again where Redis lost their jobs or their jobs gave up. */
  resendMessages(messageIds: string[]): Promise<void>;
  /** Try one held message on a failing channel: if it goes through, the channel works again. */
  probeChannel(messageId: string): Promise<void>;
  /**
   * Check the wait that began at waitingSince for its service-level warning or breach at `at`.
   * The same wait, kind and moment is one job however often it is asked for.
   */
  scheduleServiceLevelCheck(conversationId: string, kind: ServiceLevelAlertKind, waitingSince: Date, at: Date): Promise<void>;
  /** Fetch the provider-held files (MMS media) of an inbound message into our storage. */
  fetchMessageMedia(messageId: string): Promise<void>;
  /** Fire the reminder at dueAt (one job per reminder however often asked). */
  scheduleReminder(reminderId: string, dueAt: Date): Promise<void>;
  /** The reminder was done or cancelled: its waiting job can go (firing it would find nothing anyway). */
  forgetReminder(reminderId: string): Promise<void>;
  /** End the conversation's snooze at `until` (one job per conversation and time). */
  scheduleSnoozeEnd(conversationId: string, until: Date): Promise<void>;
}
