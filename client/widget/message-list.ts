// The widget's conversation as the visitor sees it: server messages merged by id, and the visitor's
// own sends that the server has not confirmed yet, matched to their echo by client id.
import type { ChatMessageView } from "../../shared/chat.ts";

export interface PendingSend {
  clientId: string;
  body: string;
}

export interface DisplayMessage {
  /** Stable across the pending → confirmed change, so the bubble is updated rather than replaced. */
  key: string;
  from: ChatMessageView["from"];
  authorName: string | null;
  body: string;
  createdAt: string | null;
  clientId: string | null;
  pending: boolean;
  attachments: ChatMessageView["attachments"];
}

/** Compares two seq values (decimal bigint strings) without losing precision. */
export function compareSeq(a: string, b: string): number {
  const x = /^\d+$/.test(a) ? BigInt(a) : 0n;
  const y = /^\d+$/.test(b) ? BigInt(b) : 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}

function byTimeThenId(a: ChatMessageView, b: ChatMessageView): number {
  const byTime = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class MessageList {
  private readonly byId = new Map<string, ChatMessageView>();
  /** In send order, which is also the order they are resent in. */
  private readonly pending = new Map<string, PendingSend>();
  /** Highest seq seen: the catch-up cursor after a reconnect. */
  cursor: string | undefined;

  /** Merges server messages (history, live events, acks); a version with a lower seq never wins. Returns whether anything changed. */
  merge(messages: readonly ChatMessageView[]): boolean {
    let changed = false;
    for (const message of messages) {
      if (message.clientId && this.pending.delete(message.clientId)) changed = true;
      if (!this.cursor || compareSeq(message.seq, this.cursor) > 0) this.cursor = message.seq;
      const known = this.byId.get(message.id);
      if (known && compareSeq(message.seq, known.seq) <= 0) continue;
      this.byId.set(message.id, message);
      changed = true;
    }
    return changed;
  }

  addPending(send: PendingSend): void {
    this.pending.set(send.clientId, send);
  }

  removePending(clientId: string): PendingSend | undefined {
    const send = this.pending.get(clientId);
    this.pending.delete(clientId);
    return send;
  }

  isPending(clientId: string): boolean {
    return this.pending.has(clientId);
  }

  pendingSends(): PendingSend[] {
    return [...this.pending.values()];
  }

  /** The agents' messages, for delivery and read receipts. */
  replies(): ChatMessageView[] {
    return [...this.byId.values()].filter((m) => m.from === "agent");
  }

  /** Forgets the server's messages (another visitor's session); unsent messages stay to be sent. */
  clearServerMessages(): void {
    this.byId.clear();
    this.cursor = undefined;
  }

  display(): DisplayMessage[] {
    const confirmed = [...this.byId.values()].sort(byTimeThenId).map(
      (m): DisplayMessage => ({
        key: m.clientId ? `c:${m.clientId}` : `m:${m.id}`,
        from: m.from,
        authorName: m.authorName,
        body: m.body,
        createdAt: m.createdAt,
        clientId: m.clientId,
        pending: false,
        attachments: m.attachments ?? [],
      }),
    );
    const unconfirmed = this.pendingSends().map(
      (p): DisplayMessage => ({ key: `c:${p.clientId}`, from: "visitor", authorName: null, body: p.body, createdAt: null, clientId: p.clientId, pending: true, attachments: [] }),
    );
    return [...confirmed, ...unconfirmed];
  }
}
