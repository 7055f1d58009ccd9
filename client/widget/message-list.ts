// The widget's conversation as the visitor sees it: server messages merged by id, and the visitor's
// own sends that the server has not confirmed yet, matched to their echo by client id.
import type { ChatMessageView } from "../../shared/chat.ts";

export interface PendingSend {
  clientId: string;
  body: string;
  /** A file sent with the message, kept (bytes and all) until the server confirms it. */
  attachment?: { name: string; contentType: string; data: ArrayBuffer };
  /** When the visitor sent it, by this browser's clock. */
  sentAt: number;
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
  /** The name of the file the visitor sent from this page (the server does not return names). */
  fileName: string | null;
}

/** Where the visitor's unanswered messages start. */
export interface Waiting {
  /** When the first unanswered message was sent (this browser's clock for sends from this page). */
  since: number;
  /** Whether the server has stored one of them, so the chat is in line. */
  stored: boolean;
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
  /** Sends from this page, by client id: when they were sent and the name of their file. */
  private readonly sent = new Map<string, { at: number; fileName: string | null }>();

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
    this.sent.set(send.clientId, { at: send.sentAt, fileName: send.attachment?.name ?? null });
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

  /**
   * The visitor's messages no agent has answered yet (those created after `after`, an epoch ms
   * boundary such as the end of the last chat); null when there are none.
   */
  waiting(after: number): Waiting | null {
    let found: Waiting | null = null;
    for (const m of this.confirmed()) {
      if (Date.parse(m.createdAt) <= after) continue;
      if (m.from === "agent") found = null;
      else if (m.from === "visitor" && !found) found = { since: (m.clientId && this.sent.get(m.clientId)?.at) || Date.parse(m.createdAt), stored: true };
    }
    const first = this.pending.values().next().value;
    return found ?? (first ? { since: first.sentAt, stored: false } : null);
  }

  /** The creation time of the newest message known (epoch ms; 0 when none). */
  latest(): number {
    let at = 0;
    for (const m of this.byId.values()) at = Math.max(at, Date.parse(m.createdAt) || 0);
    return at;
  }

  isEmpty(): boolean {
    return this.byId.size === 0 && this.pending.size === 0;
  }

  /** Forgets the server's messages (another visitor's session); unsent messages stay to be sent. */
  clearServerMessages(): void {
    this.byId.clear();
    this.cursor = undefined;
  }

  private confirmed(): ChatMessageView[] {
    return [...this.byId.values()].sort(byTimeThenId);
  }

  display(): DisplayMessage[] {
    const confirmed = this.confirmed().map(
      (m): DisplayMessage => ({
        key: m.clientId ? `c:${m.clientId}` : `m:${m.id}`,
        from: m.from,
        authorName: m.authorName,
        body: m.body,
        createdAt: m.createdAt,
        clientId: m.clientId,
        pending: false,
        attachments: m.attachments ?? [],
        fileName: (m.clientId && this.sent.get(m.clientId)?.fileName) || null,
      }),
    );
    const unconfirmed = this.pendingSends().map(
      (p): DisplayMessage => ({
        key: `c:${p.clientId}`,
        from: "visitor",
        authorName: null,
        body: p.body,
        createdAt: null,
        clientId: p.clientId,
        pending: true,
        attachments: [],
        fileName: p.attachment?.name ?? null,
      }),
    );
    return [...confirmed, ...unconfirmed];
  }
}
