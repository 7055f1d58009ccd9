// Which of the customer's timeline items to show: the chips above the timeline, as the API's filter.
import type { MessageView } from "../../shared/api.ts";
import type { Channel, MessageKind } from "../../shared/domain.ts";

/** Empty lists mean "all", as in TimelineQuery. Both must match when both are set. */
export interface TimelineFilter {
  channel: Channel[];
  kind: MessageKind[];
}

export const NO_FILTER: TimelineFilter = { channel: [], kind: [] };

export const TIMELINE_CHIPS = [
  { id: "all", label: "All", filter: NO_FILTER },
  { id: "sms", label: "SMS", filter: { channel: ["sms"], kind: [] } },
  { id: "voice", label: "Voice", filter: { channel: ["voice"], kind: [] } },
  { id: "email", label: "Email", filter: { channel: ["email"], kind: [] } },
  { id: "chat", label: "Chat", filter: { channel: ["chat"], kind: [] } },
  { id: "notes", label: "Notes", filter: { channel: [], kind: ["note"] } },
] as const satisfies readonly { id: string; label: string; filter: TimelineFilter }[];

/** One string per filter (sorted), to key state and compare filters. */
export function filterKey(filter: TimelineFilter): string {
  return `${[...filter.channel].sort().join(",")};${[...filter.kind].sort().join(",")}`;
}

/** Whether a live message belongs on a timeline shown with this filter (the server's rule, on the client). */
export function matchesFilter(message: Pick<MessageView, "channel" | "kind">, filter: TimelineFilter): boolean {
  return (filter.channel.length === 0 || filter.channel.includes(message.channel)) && (filter.kind.length === 0 || filter.kind.includes(message.kind));
}

/** The filter as query parameters (comma lists), none when it shows everything. */
export function filterParams(filter: TimelineFilter): Record<string, string> {
  return {
    ...(filter.channel.length ? { channel: [...filter.channel].sort().join(",") } : {}),
    ...(filter.kind.length ? { kind: [...filter.kind].sort().join(",") } : {}),
  };
}
