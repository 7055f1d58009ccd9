// The visitor's socket to /chat and the live state behind the panel: catch-up after every connect,
// sends (and files) that survive a dropped connection (same client id, so a resend is a no-op),
// typing both ways, the place in line, the pre-chat form and "leave a message" when nobody answers.
import { io, type Socket } from "socket.io-client";
import { newIdempotencyKey } from "../lib/idempotency-key.ts";
import type { CHAT_NAMESPACE, ChatAck, ChatHandshake, ChatProfileEvent, ChatServerToVisitor, ChatSession, ChatVisitorToServer, ChatWait } from "../../shared/chat.ts";
import type { Stored, VisitorIdentity } from "./embed-config.ts";
import { uploadChatFile } from "./chat-upload.ts";
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
  /** From chat:session; null until the first one. */
  availability: ChatSession["availability"] | null;
  uploads: ChatSession["uploads"] | null;
  /** The chat's place in line while nobody has answered; null when not known or not waiting. */
  wait: ChatWait | null;
  /** The visitor waited longer than the queue's limit: offer to leave a message instead. */
  offerLeave: boolean;
  /** The "leave a message" form: not asked for, shown, on its way, or received. */
  leave: "no" | "form" | "sending" | "done";
  /** Where the left message will be answered (for the confirmation). */
  leftFor: string | null;
  /** The pre-chat form stands before the composer; `profileSending` while it is on its way. */
  prechat: boolean;
  profileSending: boolean;
  /** The visitor has an ongoing chat (agents may still answer it, even out of hours). */
  chatOpen: boolean;
}

export interface ChatConnectionOptions {
  origin: string;
  widgetKey: string;
  tokens: Stored;
  /** A signed-in visitor, vouched for by the site. */
  identity: VisitorIdentity | undefined;
  /** Ask for a name and an email or phone before the first message. */
  prechat: boolean;
  /** The visitor id whose pre-chat form was sent, so a reload does not ask again. */
  profileStore: Stored;
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
const WAIT_POLL_MS = 10_000;

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
  /** A pending file's upload id once POST /chat/uploads took it, by client id (a resend does not upload again). */
  private readonly uploaded = new Map<string, string>();
  /** The next retry delay of a send the server refused for now, by client id. */
  private readonly sendBackoff = new Map<string, number>();
  private typingSentAt = 0;
  private typingIdleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the visitor can see the messages (panel open, tab visible): replies then count as read. */
  private seen = false;
  private readonly receiptsDelivered = new Set<string>();
  private readonly receiptsRead = new Set<string>();
  private availability: ChatSession["availability"] | null = null;
  private uploads: ChatSession["uploads"] | null = null;
  /** Visitor messages up to this time (epoch ms, server clock) belong to a chat that ended. */
  private endedAt = 0;
  private wait: ChatWait | null = null;
  private waitTimer: ReturnType<typeof setInterval> | undefined;
  private offerLeave = false;
  private offerTimer: ReturnType<typeof setTimeout> | undefined;
  private offerDue = 0;
  private leave: WidgetState["leave"] = "no";
  private leaveClientId: string | undefined;
  private leftFor: string | null = null;
  private profileSaved = false;
  /** The pre-chat form sent before the session was ready: it goes once it is. */
  private queuedProfile: ChatProfileEvent | undefined;

  constructor(private readonly options: ChatConnectionOptions) {
    this.socket = io(options.origin + NAMESPACE, {
      autoConnect: false,
      transports: ["websocket", "polling"],
      // A function, so every reconnect sends the token learnt since (or one another tab stored).
      auth: (cb) => {
        const visitorToken = options.tokens.read() ?? this.memoryToken;
        const handshake: ChatHandshake = { widgetKey: options.widgetKey };
        if (visitorToken) handshake.visitorToken = visitorToken;
        if (options.identity) handshake.identity = options.identity;
        cb(handshake);
      },
    });
    this.listen();
  }

  connect(): void {
    if (!this.socket.active) this.socket.connect();
  }

  state(): WidgetState {
    return {
      status: this.status,
      messages: this.list.display(),
      agentTyping: this.agentTyping,
      ended: this.ended,
      error: this.error,
      availability: this.availability,
      uploads: this.uploads,
      wait: this.wait,
      offerLeave: this.offerLeave,
      leave: this.leave,
      leftFor: this.leftFor,
      prechat: this.needsPrechat(),
      profileSending: this.queuedProfile !== undefined,
      chatOpen: this.serverState === "open",
    };
  }

  /** Shows the message at once as pending; it is sent now or, if the connection is down, after the next connect. */
  send(text: string): boolean {
    const body = text.trim();
    if (!body) return false;
    this.stopTyping();
    this.addPending({ clientId: newIdempotencyKey(), body, sentAt: Date.now() });
    return true;
  }

  /** Sends a file on its own, once it passes the session's upload limits (the server checks them again). */
  async sendFile(file: File): Promise<void> {
    const problem = this.fileProblem(file);
    if (problem) return this.showError(problem);
    let data: ArrayBuffer;
    try {
      data = await file.arrayBuffer();
    } catch {
      return this.showError(`The file ${file.name} could not be read`);
    }
    this.addPending({ clientId: newIdempotencyKey(), body: "", attachment: { name: file.name, contentType: fileType(file), data }, sentAt: Date.now() });
  }

  /** The pre-chat form: a name and an email (any text with "@") or a phone number. */
  saveProfile(name: string, contact: string): void {
    const text = contact.trim();
    if (text && !text.includes("@") && text.replace(/\D/g, "").length < 5) return this.showError("That phone number looks too short");
    this.queuedProfile = text.includes("@") ? { name, email: text } : text ? { name, phone: text } : { name };
    this.error = null;
    this.flushProfile();
    this.changed();
  }

  /** The visitor chose "Leave a message instead" (or closed the form again). */
  setLeaveForm(open: boolean): void {
    if (this.leave === "sending" || this.leave === "done") return;
    this.leave = open ? "form" : "no";
    this.error = null;
    this.changed();
  }

  /** A message to be answered by email; the client id stays until it is received, so a retry is not a second message. */
  leaveMessage(email: string, body: string): void {
    if (this.leave === "sending" || this.leave === "done") return;
    const clientId = (this.leaveClientId ??= newIdempotencyKey());
    this.leave = "sending";
    this.error = null;
    this.changed();
    this.socket.timeout(ACK_TIMEOUT_MS).emit("chat:leave-message", { clientId, email, body }, (err, result) => {
      if (err || !result.ok) {
        this.leave = "form";
        this.error = ackError(err, result);
      } else {
        this.leave = "done";
        this.leftFor = email.trim().toLowerCase();
        this.leaveClientId = undefined;
      }
      this.changed();
    });
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

  /** "End chat": the server ends the visitor's chat, and "The chat has ended" follows by its chat:ended. */
  endChat(): void {
    this.error = null;
    this.socket.timeout(ACK_TIMEOUT_MS).emit("chat:end", {}, (err, result) => {
      if (err || !result.ok) this.showError(ackError(err, result));
    });
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

  private showError(message: string): void {
    this.error = message;
    this.changed();
  }

  private addPending(pending: PendingSend): void {
    this.list.addPending(pending);
    this.ended = false;
    this.error = null;
    this.trySend(pending);
    this.changed();
  }

  /** Why the session's upload limits refuse this file; null when they do not (or are not known yet). */
  private fileProblem(file: File): string | null {
    const limits = this.uploads;
    if (!limits) return null;
    const type = fileType(file);
    if (!limits.types.includes(type)) return type ? `Files of type ${type} cannot be sent here` : `${file.name}: files of this type cannot be sent here`;
    if (file.size > limits.maxBytes) return `The file is too large: ${formatBytes(file.size)}, the limit is ${formatBytes(limits.maxBytes)}`;
    if (file.size === 0) return "The file is empty";
    return null;
  }

  private needsPrechat(): boolean {
    return (
      this.options.prechat &&
      !this.options.identity &&
      !this.profileSaved &&
      this.availability?.open !== false &&
      (this.serverState === undefined || this.serverState === "new") &&
      this.list.isEmpty()
    );
  }

  private flushProfile(): void {
    const profile = this.queuedProfile;
    if (!profile || !this.ready) return;
    this.socket.timeout(ACK_TIMEOUT_MS).emit("chat:profile", profile, (err, result) => {
      // Another submit replaced this one: its answer decides.
      if (this.queuedProfile !== profile) return;
      this.queuedProfile = undefined;
      if (err || !result.ok) {
        this.error = ackError(err, result);
      } else {
        this.profileSaved = true;
        if (this.visitorId) this.options.profileStore.write(this.visitorId);
      }
      this.changed();
    });
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
      if (this.visitorId && this.visitorId !== session.visitorId) {
        this.list.clearServerMessages();
        this.profileSaved = false;
      }
      this.visitorId = session.visitorId;
      this.availability = session.availability;
      this.uploads = session.uploads;
      this.profileSaved ||= this.options.profileStore.read() === session.visitorId;
      this.setServerState(session.state);
      this.onReady();
      this.changed();
    });
    socket.on("chat:message", (message) => {
      // A live message (the visitor's own echo included) means a chat is open now: "End chat" shows.
      this.serverState = "open";
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
      this.endedAt = Math.max(this.endedAt, this.list.latest());
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
    this.flushProfile();
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
    const attachmentId = this.uploaded.get(pending.clientId);
    if (pending.attachment && !attachmentId) return this.tryUpload(pending);
    this.inFlight.add(pending.clientId);
    socket.timeout(ACK_TIMEOUT_MS).emit("chat:send", { clientId: pending.clientId, body: pending.body, ...(attachmentId && { attachmentId }) }, (err, result) => {
      this.inFlight.delete(pending.clientId);
      if (!this.list.isPending(pending.clientId)) return; // the echo arrived first
      if (err) {
        // Timed out or disconnected: the next connect resends it; a slow server gets another try.
        if (socket.connected) setTimeout(() => this.trySend(pending), RETRY_MS);
        return;
      }
      if (result.ok) {
        this.uploaded.delete(pending.clientId);
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

  /** Uploads a pending file, then sends its message; a refusal for good removes it with the reason. */
  private tryUpload(pending: PendingSend): void {
    const file = pending.attachment;
    const visitorToken = this.options.tokens.read() ?? this.memoryToken;
    if (!file || !visitorToken) return;
    this.inFlight.add(pending.clientId);
    void uploadChatFile({ origin: this.options.origin, widgetKey: this.options.widgetKey, visitorToken, file }).then((result) => {
      this.inFlight.delete(pending.clientId);
      if (!this.list.isPending(pending.clientId)) return;
      if (result.ok) {
        this.uploaded.set(pending.clientId, result.id);
        return this.trySend(pending);
      }
      this.error = result.message;
      if (result.permanent) {
        this.list.removePending(pending.clientId);
        this.options.onRejected(pending.body);
      } else {
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
    if (state === "ended") this.endedAt = Math.max(this.endedAt, this.list.latest());
  }

  /**
   * Starts and stops what depends on the visitor waiting for a first answer: polling chat:wait
   * (at once when the chat is first in line, then every 10 s) and the timer that offers to leave
   * a message after the queue's longest wait.
   */
  private syncWaiting(): void {
    const waiting = this.ended ? null : this.list.waiting(this.endedAt);
    const open = this.availability?.open !== false;
    if (!waiting) this.wait = null;
    if (this.ready && open && waiting?.stored) {
      if (!this.waitTimer) {
        this.waitTimer = setInterval(() => this.pollWait(), WAIT_POLL_MS);
        this.pollWait();
      }
    } else if (this.waitTimer) {
      clearInterval(this.waitTimer);
      this.waitTimer = undefined;
    }

    const maxWait = this.availability?.open ? this.availability.maxWaitSeconds : 0;
    const due = waiting && maxWait > 0 ? waiting.since + maxWait * 1000 : 0;
    this.offerLeave = due > 0 && Date.now() >= due;
    if (due !== this.offerDue) {
      clearTimeout(this.offerTimer);
      this.offerDue = due;
      if (due > 0 && !this.offerLeave) this.offerTimer = setTimeout(() => this.changed(), due - Date.now() + 50);
    }
  }

  private pollWait(): void {
    if (document.visibilityState === "hidden") return;
    this.socket.timeout(ACK_TIMEOUT_MS).emit("chat:wait", {}, (err, result) => {
      // A late answer after the wait ended (an agent wrote) is not shown.
      if (err || !result.ok || !this.waitTimer) return;
      this.wait = result.data.position === null ? null : result.data;
      this.changed();
    });
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
    this.syncWaiting();
    this.options.onChange(this.state());
  }
}

/** What to tell the visitor when an ack timed out or refused. */
function ackError(err: Error | null, result: ChatAck<unknown> | undefined): string {
  return !err && result && !result.ok ? result.error.message : "The chat server did not answer. Please try again.";
}

/** The file's MIME type as the server compares it (lowercase; "" when the browser does not know it). */
function fileType(file: File): string {
  return file.type.trim().toLowerCase();
}

/** "7.2 MB", "5 MB", "300 kB". */
function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${Math.ceil(n / 1024)} kB`;
  return `${Number((n / 1024 / 1024).toFixed(1))} MB`;
}
