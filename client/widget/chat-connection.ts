// The visitor's socket to /chat and the live state behind the panel: catch-up after every connect,
// sends that survive a dropped connection (same client id, so a resend is a no-op), typing both ways.
import { io, type Socket } from "socket.io-client";
import { newIdempotencyKey } from "../lib/idempotency-key.ts";
import type { CHAT_NAMESPACE, ChatHandshake, ChatServerToVisitor, ChatSession, ChatVisitorToServer } from "../../shared/chat.ts";
import { MessageList, type DisplayMessage, type PendingSend } from "./message-list.ts";

type ChatSocket = Socket<ChatServerToVisitor, ChatVisitorToServer>;

/**
 * The contract's namespace, restated so the bundle takes nothing from shared/chat.ts at run time
 * (its module-level zod schemas would add ~22 kB gzipped); the type keeps it equal to the contract.
 */
const NAMESPACE: typeof CHAT_NAMESPACE = "/chat";

export type ConnectionStatus = "connecting" | "connected" | "reconnecting";

export interface WidgetState {
  status: ConnectionStatus;
  messages: DisplayMessage[];
  /** Who is typing on the agent's side ("Sam", or "Agent" when the server sends no name); null when nobody. */
  agentTyping: string | null;
  ended: boolean;
  error: string | null;
}

export interface ChatConnectionOptions {
  origin: string;
  widgetKey: string;
  tokens: { read(): string | undefined; write(token: string): void };
  onChange(state: WidgetState): void;
  /** An agent's message arrived (for the launcher's unread mark). */
  onAgentMessage(): void;
  /** The server refused a message for good (too long, …): its text, to give back to the visitor. */
  onRejected(body: string): void;
}

const ACK_TIMEOUT_MS = 10_000;
const RETRY_MS = 3_000;
/** A send the server refused for now (RATE_LIMITED, INTERNAL) is retried less and less often, up to this. */
const MAX_SEND_RETRY_MS = 60_000;
/** The server emits chat:session once its handlers are registered; this covers a server that stays silent. */
const SESSION_WAIT_MS = 3_000;
const TYPING_THROTTLE_MS = 2_000;
const TYPING_IDLE_MS = 3_000;
const AGENT_TYPING_TIMEOUT_MS = 6_000;
/** The most message ids one chat:receipt may carry. */
const RECEIPT_BATCH = 200;
/** Refusals that sending the same message again cannot fix. */
const PERMANENT_CODES = new Set(["VALIDATION", "CONFLICT", "FORBIDDEN", "NOT_FOUND"]);

export class ChatConnection {
  private readonly list = new MessageList();
  private readonly socket: ChatSocket;
  private status: ConnectionStatus = "connecting";
  private everConnected = false;
  /** The handshake was answered with chat:session on this connection: events now reach a handler. */
  private ready = false;
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  private visitorId: string | undefined;
  private memoryToken: string | undefined;
  private serverState: ChatSession["state"] | undefined;
  private ended = false;
  private error: string | null = null;
  private agentTyping: string | null = null;
  private agentTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly inFlight = new Set<string>();
  /** The next retry delay of a send the server refused for now, by client id. */
  private readonly sendBackoff = new Map<string, number>();
  private typingSentAt = 0;
  private typingIdleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the visitor can see the messages (panel open, tab visible): replies then count as read. */
  private seen = false;
  private readonly receiptsDelivered = new Set<string>();
  private readonly receiptsRead = new Set<string>();

  constructor(private readonly options: ChatConnectionOptions) {
    this.socket = io(options.origin + NAMESPACE, {
      autoConnect: false,
      transports: ["websocket", "polling"],
      // A function, so every reconnect sends the token learnt since (or one another tab stored).
      auth: (cb) => {
        const visitorToken = options.tokens.read() ?? this.memoryToken;
        const handshake: ChatHandshake = visitorToken ? { widgetKey: options.widgetKey, visitorToken } : { widgetKey: options.widgetKey };
        cb(handshake);
      },
    });
    this.listen();
  }

  connect(): void {
    if (!this.socket.active) this.socket.connect();
  }

  state(): WidgetState {
    return { status: this.status, messages: this.list.display(), agentTyping: this.agentTyping, ended: this.ended, error: this.error };
  }

  /** Shows the message at once as pending; it is sent now or, if the connection is down, after the next connect. */
  send(text: string): boolean {
    const body = text.trim();
    if (!body) return false;
    this.stopTyping();
    const pending: PendingSend = { clientId: newIdempotencyKey(), body };
    this.list.addPending(pending);
    this.ended = false;
    this.error = null;
    this.trySend(pending);
    this.changed();
    return true;
  }

  /** Call on every edit of the input: typing:true at most every 2 s, typing:false after 3 s idle. */
  visitorTyped(text: string): void {
    if (!text.trim()) return this.stopTyping();
    const now = Date.now();
    // Not before the session is ready, so keystrokes right after opening still announce typing once it is.
    if (this.ready && now - this.typingSentAt >= TYPING_THROTTLE_MS) {
      this.typingSentAt = now;
      this.emitTyping(true);
    }
    clearTimeout(this.typingIdleTimer);
    this.typingIdleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  /** The visitor dismissed "The chat has ended"; their next message starts a new conversation. */
  startOver(): void {
    this.ended = false;
    this.changed();
  }

  /** Call when the panel opens or closes and when the tab is hidden or shown. */
  setSeen(seen: boolean): void {
    this.seen = seen;
    this.sendReceipts();
  }

  clearError(): void {
    if (this.error === null || !this.socket.active) return;
    this.error = null;
    this.changed();
  }

  private listen(): void {
    const socket = this.socket;
    socket.on("connect", () => {
      this.everConnected = true;
      this.status = "connected";
      this.error = null;
      this.ready = false;
      // Wait for chat:session: the server registers its handlers only after its async connection
      // work, so an event sent right on "connect" can arrive before anyone listens.
      this.readyTimer = setTimeout(() => this.onReady(), SESSION_WAIT_MS);
      this.changed();
    });
    socket.on("disconnect", (reason) => {
      this.status = this.everConnected ? "reconnecting" : "connecting";
      this.ready = false;
      clearTimeout(this.readyTimer);
      this.inFlight.clear();
      this.setAgentTyping(null);
      // A server-side disconnect is not retried by socket.io itself (a deploy, a restart): retry.
      if (reason === "io server disconnect") setTimeout(() => this.connect(), RETRY_MS);
      this.changed();
    });
    socket.on("connect_error", (err) => {
      // Refused by the server (unknown key, origin not allowed): socket.io gives up, so say why.
      // Otherwise the server is unreachable and socket.io keeps trying.
      this.error = socket.active ? "Cannot reach the chat server. Retrying…" : err.message;
      this.changed();
    });
    socket.on("chat:session", (session) => {
      this.memoryToken = session.visitorToken;
      this.options.tokens.write(session.visitorToken);
      // A token the server did not accept gets a new visitor: what was shown belongs to the old one.
      if (this.visitorId && this.visitorId !== session.visitorId) this.list.clearServerMessages();
      this.visitorId = session.visitorId;
      this.setServerState(session.state);
      this.onReady();
    });
    socket.on("chat:message", (message) => {
      if (message.from === "agent") {
        this.setAgentTyping(null);
        this.options.onAgentMessage();
      }
      if (this.list.merge([message])) this.changed();
      this.sendReceipts();
    });
    socket.on("chat:typing", ({ typing, name }) => {
      this.setAgentTyping(typing ? (name ?? "Agent") : null);
      this.changed();
    });
    socket.on("chat:ended", () => {
      this.serverState = "ended";
      this.ended = true;
      this.setAgentTyping(null);
      this.changed();
    });
  }

  private onReady(): void {
    clearTimeout(this.readyTimer);
    if (this.ready || !this.socket.connected) return;
    this.ready = true;
    this.catchUp();
  }

  /** Everything after the cursor (all of it the first time), then the sends the server has not confirmed. */
  private catchUp(): void {
    const socket = this.socket;
    const afterSeq = this.list.cursor;
    socket.timeout(ACK_TIMEOUT_MS).emit("chat:history", afterSeq ? { afterSeq } : {}, (err, result) => {
      if (err) {
        if (socket.connected) setTimeout(() => socket.connected && this.catchUp(), RETRY_MS);
        return;
      }
      if (result.ok) {
        this.list.merge(result.data.messages);
        this.setServerState(result.data.state);
      } else {
        this.error = result.error.message;
      }
      for (const pending of this.list.pendingSends()) this.trySend(pending);
      this.sendReceipts();
      this.changed();
    });
  }

  /**
   * Tells the server which replies reached the visitor (and, when seen, were read). The contract
   * has no ack for receipts, so each id is sent once per page; one lost in a drop stays unsent.
   */
  private sendReceipts(): void {
    if (!this.ready) return;
    const read: string[] = [];
    const delivered: string[] = [];
    for (const reply of this.list.replies()) {
      if (this.seen) {
        if (!reply.readAt && !this.receiptsRead.has(reply.id)) read.push(reply.id);
      } else if (!reply.delivered && !reply.readAt && !this.receiptsDelivered.has(reply.id)) {
        delivered.push(reply.id);
      }
    }
    for (const [ids, isRead] of [[read, true], [delivered, false]] as const) {
      for (const id of ids) (isRead ? this.receiptsRead : this.receiptsDelivered).add(id);
      for (let i = 0; i < ids.length; i += RECEIPT_BATCH) {
        this.socket.emit("chat:receipt", { messageIds: ids.slice(i, i + RECEIPT_BATCH), read: isRead });
      }
    }
  }

  private trySend(pending: PendingSend): void {
    const socket = this.socket;
    if (!this.ready || this.inFlight.has(pending.clientId) || !this.list.isPending(pending.clientId)) return;
    this.inFlight.add(pending.clientId);
    socket.timeout(ACK_TIMEOUT_MS).emit("chat:send", { clientId: pending.clientId, body: pending.body }, (err, result) => {
      this.inFlight.delete(pending.clientId);
      if (!this.list.isPending(pending.clientId)) return; // the echo arrived first
      if (err) {
        // Timed out or disconnected: the next connect resends it; a slow server gets another try.
        if (socket.connected) setTimeout(() => this.trySend(pending), RETRY_MS);
        return;
      }
      if (result.ok) {
        // It had failed before: its error no longer applies.
        if (this.sendBackoff.delete(pending.clientId)) this.error = null;
        this.list.merge([result.data]);
      } else if (PERMANENT_CODES.has(result.error.code)) {
        this.list.removePending(pending.clientId);
        this.sendBackoff.delete(pending.clientId);
        this.error = result.error.message;
        this.options.onRejected(pending.body);
      } else {
        this.error = result.error.message;
        const delay = this.sendBackoff.get(pending.clientId) ?? RETRY_MS;
        this.sendBackoff.set(pending.clientId, Math.min(delay * 2, MAX_SEND_RETRY_MS));
        setTimeout(() => this.trySend(pending), delay);
      }
      this.changed();
    });
  }

  private stopTyping(): void {
    clearTimeout(this.typingIdleTimer);
    if (this.typingSentAt === 0) return;
    this.typingSentAt = 0;
    this.emitTyping(false);
  }

  private emitTyping(typing: boolean): void {
    // Volatile: a typing signal is worth nothing later, so it is dropped rather than queued offline.
    if (this.ready) this.socket.volatile.emit("chat:typing", { typing });
  }

  private setServerState(state: ChatSession["state"]): void {
    // Only a change of the server's state moves the notice: a visitor who chose to start over keeps the input.
    if (state === this.serverState) return;
    this.serverState = state;
    this.ended = state === "ended" && this.list.pendingSends().length === 0;
  }

  private setAgentTyping(name: string | null): void {
    clearTimeout(this.agentTypingTimer);
    this.agentTyping = name;
    if (name) {
      // A lost typing:false (agent closed the tab) must not leave the indicator up forever.
      this.agentTypingTimer = setTimeout(() => {
        this.agentTyping = null;
        this.changed();
      }, AGENT_TYPING_TIMEOUT_MS);
    }
  }

  private changed(): void {
    this.options.onChange(this.state());
  }
}
