// Display wording shared by the workspace's components.
import type { WrapUpBody } from "../../../shared/api.ts";
import type { ConversationStatus, CustomerTier, Presence } from "../../../shared/domain.ts";

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateAndTime = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

/** "14:05" today, "Mar 3, 14:05" before. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toDateString() === new Date().toDateString() ? timeOnly.format(date) : dateAndTime.format(date);
}

export function formatFullTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : full.format(date);
}

/** "1:05" for 65 seconds; never negative. */
export function formatCountdown(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** Elapsed time: "0:42", "12:05", "1:02:09"; never negative. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

export const conversationStatusLabel: Record<ConversationStatus, string> = {
  queued: "Queued",
  offered: "Offered",
  assigned: "Assigned",
  pending_customer: "Waiting on customer",
  snoozed: "Snoozed",
  resolved: "Resolved",
};

export const tierLabel: Record<CustomerTier, string> = { standard: "Standard", gold: "Gold", platinum: "Platinum" };

export const presenceLabel: Record<Presence, string> = {
  available: "Available",
  away: "Away",
  offline: "Offline",
  busy: "Busy",
  wrap_up: "Wrap-up",
};

export const dispositionLabel: Record<WrapUpBody["disposition"], string> = {
  resolved: "Resolved on the call",
  follow_up: "Needs a follow-up",
  no_answer: "No answer",
  other: "Other",
};
