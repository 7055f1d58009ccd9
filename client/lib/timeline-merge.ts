// Pure helpers for the customer timeline: merge by id, keep the newest version, sort for display.
import type { MessageView } from "../../shared/api.ts";

/** Compares two changeSeq values (decimal bigint strings) without losing precision. */
export function compareChangeSeq(a: string, b: string): number {
  const x = toBigInt(a);
  const y = toBigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function toBigInt(seq: string): bigint {
  return /^\d+$/.test(seq) ? BigInt(seq) : 0n;
}

export function maxChangeSeq(current: string, ...candidates: string[]): string {
  return candidates.reduce((max, seq) => (compareChangeSeq(seq, max) > 0 ? seq : max), current);
}

/** Oldest first: by createdAt, then id so equal times keep one stable order. */
export function compareTimelineOrder(a: MessageView, b: MessageView): number {
  const byTime = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Merges incoming messages into a sorted list. A message already present is replaced only by a
 * version with a higher changeSeq, so a late page or a replayed event never rolls a status back.
 * Returns the same array when nothing changed, so React can skip the render.
 */
export function mergeMessages(current: readonly MessageView[], incoming: readonly MessageView[]): MessageView[] {
  if (incoming.length === 0) return current as MessageView[];
  const byId = new Map(current.map((message) => [message.id, message]));
  let changed = false;
  for (const message of incoming) {
    const known = byId.get(message.id);
    if (known && compareChangeSeq(message.changeSeq, known.changeSeq) <= 0) continue;
    byId.set(message.id, message);
    changed = true;
  }
  if (!changed) return current as MessageView[];
  return [...byId.values()].sort(compareTimelineOrder);
}
