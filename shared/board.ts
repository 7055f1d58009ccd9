// The supervisors' live board on the wire: a snapshot on `board:watch`, then `board:update` with only
// the rows that changed (coalesced). Ages (time in state, waiting, handling) are drawn by the client
// from the timestamps, so the clock alone sends nothing.
import { z } from "zod";
import type { Channel, CustomerTier, Presence } from "./domain.ts";
import type { MetricKey, MetricSettings } from "./metrics.ts";

export interface BoardTierLevel {
  tier: CustomerTier;
  /** Waits counted in the service level today, and those within the target. */
  counted: number;
  met: number;
}

/** One queue on one channel. "Today" is since midnight in the queue's time zone. */
export interface BoardQueueRow {
  key: string;
  queueId: string;
  queueName: string;
  timezone: string;
  channel: Channel;
  waiting: number;
  oldestWaitingSince: string | null;
  dueSoon: number;
  breached: number;
  inProgress: number;
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  /** Mean seconds to answer of today's answered (ASA). */
  asaSeconds: number | null;
  tiers: BoardTierLevel[];
}

export interface BoardWaitingItem {
  conversationId: string;
  queueId: string | null;
  channel: Channel;
  status: "queued" | "offered";
  customerName: string;
  tier: CustomerTier;
  waitingSince: string;
  dueAt: string | null;
  offeredToAgentId: string | null;
}

export interface BoardLoad {
  channel: Channel;
  assigned: number;
  offered: number;
  capacity: number;
}

export interface BoardAgentConversation {
  id: string;
  channel: Channel;
  status: "assigned" | "pending_customer";
  customerName: string;
  queueId: string | null;
  /** When this agent's stint on it began (its age on the board). */
  since: string;
}

export interface BoardAgentRow {
  id: string;
  name: string;
  role: "agent" | "supervisor" | "admin";
  presence: Presence;
  since: string;
  awayReason: string | null;
  awayReasonId: string | null;
  loads: BoardLoad[];
  conversations: BoardAgentConversation[];
}

export type BoardAlertKind = "service_level_warning" | "service_level_breach" | "queue_waiting" | "agent_wrap_up" | "agent_away" | "channel_failing";

/** A condition supervisors should act on; its id is stable while the condition lasts (raised once). */
export interface BoardAlert {
  id: string;
  kind: BoardAlertKind;
  severity: "warning" | "critical";
  text: string;
  raisedAt: string;
  queueId: string | null;
  agentId: string | null;
  conversationId: string | null;
  channel: Channel | null;
}

export interface BoardSnapshot {
  at: string;
  queues: BoardQueueRow[];
  waiting: BoardWaitingItem[];
  agents: BoardAgentRow[];
  alerts: BoardAlert[];
  settings: MetricSettings;
  definitions: Record<MetricKey, string>;
}

/** Rows that changed since the last update; lists given whole when any item changed. */
export interface BoardUpdate {
  at: string;
  queues: BoardQueueRow[];
  removedQueues: string[];
  agents: BoardAgentRow[];
  removedAgents: string[];
  waiting?: BoardWaitingItem[];
  alerts?: BoardAlert[];
  settings?: MetricSettings;
  definitions?: Record<MetricKey, string>;
}


/** The board's limits for agent alerts; a queue's waiting limit is set with the queue. */
export const BoardSettings = z.object({
  wrapUpAlertSeconds: z.number().int().min(10).max(86_400),
  awayAlertSeconds: z.number().int().min(60).max(86_400),
});
export type BoardSettings = z.infer<typeof BoardSettings>;
export const BoardSettingsInput = BoardSettings.partial().strict();
