// Socket.io namespace /chat: the widget's connection. Refused unless the widget key exists and the
// page's origin is one the widget allows; each socket is one visitor, known only by a signed token.
import type { Namespace, Server, Socket } from "socket.io";
import {
  CHAT_NAMESPACE,
  ChatHandshake,
  ChatHistoryEvent,
  ChatLeaveMessageEvent,
  ChatProfileEvent,
  ChatReceiptEvent,
  ChatSendEvent,
  ChatTypingEvent,
  type ChatServerToVisitor,
  type ChatVisitorToServer,
} from "../../shared/chat.ts";
import { AppError } from "../errors.ts";
import { saveChatProfile } from "../domain/chat/chat-profile.ts";
import { chatAvailability, chatWait, leaveMessage } from "../domain/chat/availability.ts";
import { visitorEndsChat } from "../domain/chat/visitor-ends-chat.ts";
import { chatState, findWidget, visitorHistory, visitorReceipt, visitorSends, visitorTyping, type VisitorSendDeps } from "../domain/chat/chat-visitor.ts";
import { linkVisitorToIdentity, verifyClaimedIdentity, VisitorBelongsToSomeoneElse } from "../domain/chat/link-verified-identity.ts";
import { issueVisitorToken, verifyVisitorToken } from "../domain/chat/visitor-token.ts";
import type { DomainEvent } from "../domain/events.ts";
import type { Logger } from "../log.ts";
import { answerAck, parseEvent } from "./socket-acks.ts";
import type { RateLimiter } from "../domain/auth/sessions.ts";
import { clientAddress, type TrustProxy } from "../http/client-address.ts";
import { cleanStrings } from "../http/clean-text.ts";

interface VisitorData {
  visitorId: string;
  widgetKey: string;
  /** The client's address as TRUST_PROXY says to read it: limits key on it. */
  address: string;
}
type VisitorSocket = Socket<ChatVisitorToServer, ChatServerToVisitor, Record<string, never>, VisitorData>;
export type ChatNamespace = Namespace<ChatVisitorToServer, ChatServerToVisitor, Record<string, never>, VisitorData>;

export interface ChatRealtimeDeps extends VisitorSendDeps {
  log: Logger;
  /** For reading phone numbers in verified identities. */
  defaultCountry: string;
  limiter: RateLimiter;
  trustProxy: TrustProxy;
}

// Abuse limits: generous for a person, tight for a script.
const CONNECTS_PER_ADDRESS = { limit: 30, windowSeconds: 60 };
const MESSAGES_PER_VISITOR = { limit: 20, windowSeconds: 60 };
const MESSAGES_PER_ADDRESS = { limit: 120, windowSeconds: 60 };

/**
 * Every other event counts against its visitor's budget, whichever tab or server it reaches (Redis).
 * The widget sends typing at most every 2 s, polls the wait every 10 s and batches receipts, so these
 * leave a person plenty; chat:send and chat:leave-message have their own limits in their handlers.
 */
const EVENT_BUDGETS: Record<string, { limit: number; windowSeconds: number }> = {
  "chat:typing": { limit: 120, windowSeconds: 60 },
  "chat:receipt": { limit: 120, windowSeconds: 60 },
  "chat:history": { limit: 60, windowSeconds: 60 },
  "chat:wait": { limit: 30, windowSeconds: 60 },
  "chat:profile": { limit: 10, windowSeconds: 60 },
  "chat:end": { limit: 10, windowSeconds: 60 },
};
const HANDLER_LIMITED = new Set(["chat:send", "chat:leave-message"]);
/** Events no handler knows: nothing to do, but not free to send either. */
const UNKNOWN_EVENTS = { limit: 30, windowSeconds: 60 };

const visitorRoom = (visitorId: string) => `visitor:${visitorId}`;

/** A connect refusal the widget can show: "CODE: message". */
function refuse(code: string, message: string): Error & { data?: unknown } {
  const err: Error & { data?: unknown } = new Error(`${code}: ${message}`);
  err.data = { code, message };
  return err;
}

export function attachChatNamespace(io: Server, deps: ChatRealtimeDeps): ChatNamespace {
  const nsp = io.of(CHAT_NAMESPACE) as ChatNamespace;

  nsp.use(async (socket, next) => {
    try {
      const address = clientAddress(socket.request, deps.trustProxy);
      const connects = await deps.limiter.hit(`chat:connect:${address}`, CONNECTS_PER_ADDRESS.limit, CONNECTS_PER_ADDRESS.windowSeconds);
      if (!connects.allowed) return next(refuse("RATE_LIMITED", `Too many connections from this address; try again in ${connects.retryAfterSeconds} s`));
      const handshake = ChatHandshake.safeParse(cleanStrings(socket.handshake.auth));
      if (!handshake.success) {
        const issue = handshake.error.issues[0]!;
        return next(refuse("VALIDATION", `${issue.path.join(".") || "auth"}: ${issue.message}`));
      }
      const widget = await findWidget(deps.pool, handshake.data.widgetKey);
      if (!widget) return next(refuse("UNKNOWN_WIDGET", "This widget key is not known to this Switchboard"));
      const origin = socket.handshake.headers.origin;
      if (!origin || !widget.allowed_origins.includes(origin)) {
        return next(refuse("ORIGIN_NOT_ALLOWED", `The site ${origin ?? "(no origin)"} may not use this widget`));
      }
      const known = handshake.data.visitorToken
        ? verifyVisitorToken(deps.sessionSecret, widget.public_key, handshake.data.visitorToken)
        : null;
      // A missing or forged token gets a new visitor: it never reaches anybody else's conversation.
      let { visitorId, token } = issueVisitorToken(deps.sessionSecret, widget.public_key, known ?? undefined);
      if (handshake.data.identity) {
        let value: string;
        try {
          value = verifyClaimedIdentity(widget.identity_secret, handshake.data.identity, deps.defaultCountry);
        } catch (err) {
          if (err instanceof AppError) return next(refuse("IDENTITY_INVALID", err.message));
          throw err;
        }
        const link = { kind: handshake.data.identity.kind, value, widgetKey: widget.public_key };
        try {
          await linkVisitorToIdentity(deps.pool, { visitorId, ...link });
        } catch (err) {
          if (!(err instanceof VisitorBelongsToSomeoneElse)) throw err;
          // The stored visitor is another signed-in person's: this one starts as a new visitor.
          ({ visitorId, token } = issueVisitorToken(deps.sessionSecret, widget.public_key));
          await linkVisitorToIdentity(deps.pool, { visitorId, ...link });
        }
      }
      socket.data = { visitorId, widgetKey: widget.public_key, address };
      (socket as unknown as { visitorToken: string }).visitorToken = token;
      next();
    } catch (err) {
      deps.log.error("chat handshake failed", { err });
      next(refuse("INTERNAL", "Chat is unavailable right now"));
    }
  });

  nsp.on("connection", (socket: VisitorSocket) => {
    const { visitorId, widgetKey, address } = socket.data;
    // Handlers are registered before anything is awaited: an event sent right on connect is not lost.

    socket.use(([event, ...args], next) => {
      if (HANDLER_LIMITED.has(event)) return next();
      const budget = EVENT_BUDGETS[event] ?? UNKNOWN_EVENTS;
      const kind = EVENT_BUDGETS[event] ? event : "chat:unknown";
      deps.limiter.hit(`${kind}:visitor:${visitorId}`, budget.limit, budget.windowSeconds).then(
        (hit) => {
          if (hit.allowed) return next();
          // Over budget: dropped; an event that waits for an answer is told why.
          const ack = args[args.length - 1];
          if (typeof ack === "function") ack({ ok: false, error: { code: "RATE_LIMITED", message: `Too many requests; try again in ${hit.retryAfterSeconds} s` } });
        },
        (err: Error) => {
          // Redis is down: the event is served (the limits protect Redis-backed work that fails anyway).
          deps.log.warn("chat event limit unavailable", { err: err.message });
          next();
        },
      );
    });

    socket.on("chat:send", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        const event = parseEvent(ChatSendEvent, raw);
        for (const [key, rule] of [[`chat:send:visitor:${visitorId}`, MESSAGES_PER_VISITOR], [`chat:send:address:${address}`, MESSAGES_PER_ADDRESS]] as const) {
          const hit = await deps.limiter.hit(key, rule.limit, rule.windowSeconds);
          if (!hit.allowed) throw new AppError("RATE_LIMITED", `You are sending messages too fast; try again in ${hit.retryAfterSeconds} s`);
        }
        return visitorSends(deps, { visitorId, widgetKey, clientId: event.clientId, body: event.body, attachmentId: event.attachmentId });
      }),
    );
    socket.on("chat:history", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        const event = parseEvent(ChatHistoryEvent, raw ?? {});
        const [history, state] = await Promise.all([visitorHistory(deps.pool, { visitorId, afterSeq: event.afterSeq }), chatState(deps.pool, visitorId)]);
        return { ...history, state };
      }),
    );
    socket.on("chat:leave-message", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        const event = parseEvent(ChatLeaveMessageEvent, raw);
        const hit = await deps.limiter.hit(`chat:send:visitor:${visitorId}`, MESSAGES_PER_VISITOR.limit, MESSAGES_PER_VISITOR.windowSeconds);
        if (!hit.allowed) throw new AppError("RATE_LIMITED", `You are sending messages too fast; try again in ${hit.retryAfterSeconds} s`);
        await leaveMessage(deps, { visitorId, widgetKey, ...event });
        return { received: true as const };
      }),
    );
    socket.on("chat:profile", (raw, ack) =>
      answerAck(deps.log, ack, async () => {
        await saveChatProfile(deps.pool, { visitorId, defaultCountry: deps.defaultCountry, ...parseEvent(ChatProfileEvent, raw) });
        return { saved: true as const };
      }),
    );
    socket.on("chat:end", (_raw, ack) => answerAck(deps.log, ack, () => visitorEndsChat(deps, { visitorId })));
    socket.on("chat:wait", (_raw, ack) => answerAck(deps.log, ack, () => chatWait(deps.pool, visitorId)));
    socket.on("chat:receipt", (raw) => {
      const event = ChatReceiptEvent.safeParse(raw);
      if (!event.success) return; // receipts are best effort
      void visitorReceipt(deps, { visitorId, ...event.data }).catch((err) => deps.log.error("chat receipt failed", { err }));
    });
    let typing = false;
    socket.on("chat:typing", (raw) => {
      const event = ChatTypingEvent.safeParse(raw);
      if (!event.success) return;
      typing = event.data.typing;
      void visitorTyping(deps, visitorId, event.data.typing).catch((err) => deps.log.error("chat typing failed", { err }));
    });
    // A visitor who leaves mid-sentence is no longer typing (only then: thousands of idle widgets
    // closing at once must not each cost a query).
    socket.on("disconnect", () => {
      if (typing) void visitorTyping(deps, visitorId, false).catch(() => {});
    });

    void (async () => {
      await socket.join(visitorRoom(visitorId));
      const visitorToken = (socket as unknown as { visitorToken: string }).visitorToken;
      const [state, availability] = await Promise.all([chatState(deps.pool, visitorId), chatAvailability(deps.pool, widgetKey)]);
      socket.emit("chat:session", { visitorId, visitorToken, state, availability, uploads: deps.uploads });
    })().catch((err) => {
      deps.log.error("chat session start failed", { err });
      socket.disconnect(true);
    });
  });

  return nsp;
}

/** Delivers one domain event to the visitor sockets of this process that should see it. */
export function deliverToVisitors(nsp: ChatNamespace, event: DomainEvent): void {
  switch (event.type) {
    case "chat.message":
      nsp.local.to(visitorRoom(event.visitorId)).emit("chat:message", event.message);
      break;
    case "chat.typing":
      nsp.local.to(visitorRoom(event.visitorId)).emit("chat:typing", { typing: event.typing, name: event.name });
      break;
    case "chat.ended":
      nsp.local.to(visitorRoom(event.visitorId)).emit("chat:ended", { by: event.by });
      break;
  }
}
