// The web chat wire contract: socket.io namespace /chat between the widget and the server.
// The widget is its own small bundle, so this file imports only zod.
import { z } from "zod";

export const CHAT_NAMESPACE = "/chat";

/** Sent in the socket.io handshake (`auth`). */
export const ChatHandshake = z.object({
  widgetKey: z.string().min(8).max(100),
  /** The signed visitor token the server gave on a first visit; absent on a first visit. */
  visitorToken: z.string().max(500).optional(),
  /**
   * For a site whose visitor is signed in: their email or phone, and the hex HMAC-SHA256 of that
   * exact value made with the widget's identity secret (on the site's server, never in the page).
   */
  identity: z
    .object({ kind: z.enum(["email", "phone"]), value: z.string().trim().min(3).max(320), hmac: z.string().regex(/^[0-9a-fA-F]{64}$/, "hmac must be 64 hex digits") })
    .optional(),
});
export type ChatHandshake = z.infer<typeof ChatHandshake>;

export const ChatMessageView = z.object({
  id: z.string(),
  /** The widget's own id for a message it sent: lets it match the echo and never show a resend twice. */
  clientId: z.string().nullable(),
  from: z.enum(["visitor", "agent", "system"]),
  authorName: z.string().nullable(),
  body: z.string(),
  createdAt: z.string(),
  /** Increases with every message of this visitor: the catch-up cursor after a reconnect. */
  seq: z.string(),
  /** Replies: delivered to and read in the widget. Visitor messages: read by an agent. */
  delivered: z.boolean(),
  readAt: z.string().nullable(),
  /** Files sent with the message; each URL is an unguessable link for this file only. */
  attachments: z.array(z.object({ url: z.string(), contentType: z.string(), name: z.string().nullable() })),
});
export type ChatMessageView = z.infer<typeof ChatMessageView>;

export const ChatSession = z.object({
  visitorId: z.string(),
  visitorToken: z.string(),
  /** open: an agent may answer; ended: the agent ended the chat (a new message starts a new one). */
  state: z.enum(["new", "open", "ended"]),
  /** What the visitor may upload (checked again by the server). */
  uploads: z.object({ maxBytes: z.number(), types: z.array(z.string()) }),
  /** Whether agents are working now (the queue's business hours); when not, offer to leave a message. */
  availability: z.object({
    open: z.boolean(),
    message: z.string().nullable(),
    /** After this long with no agent, the widget offers to leave a message instead. */
    maxWaitSeconds: z.number(),
  }),
});
export type ChatSession = z.infer<typeof ChatSession>;

/** Binary as socket.io carries it: an ArrayBuffer in browsers, a Buffer (a Uint8Array) in Node. */
const Binary = z.custom<ArrayBuffer | Uint8Array>((v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v), "data must be binary");

/** A file's parts as the server checks them (the bytes arrive by POST /chat/uploads, never on the socket). */
export const ChatAttachmentUpload = z.object({
  name: z.string().trim().min(1).max(200),
  contentType: z.string().trim().toLowerCase().max(100),
  data: Binary,
});
export type ChatAttachmentUpload = z.infer<typeof ChatAttachmentUpload>;

export const ChatSendEvent = z
  .object({
    clientId: z.string().uuid("clientId must be a UUID"),
    body: z.string().trim().max(2000, "A message is at most 2000 characters").default(""),
    /** A file this visitor uploaded first (POST /chat/uploads), sent with this message. */
    attachmentId: z.string().uuid("attachmentId must be an upload's id").optional(),
  })
  .refine((e) => e.body.length > 0 || e.attachmentId, "A message cannot be empty");
export type ChatSendEvent = z.input<typeof ChatSendEvent>;

export const ChatHistoryEvent = z.object({
  /** Only messages after this seq (a catch-up); absent for the whole current history. */
  afterSeq: z.string().regex(/^\d{1,19}$/).optional(),
});
export type ChatHistoryEvent = z.infer<typeof ChatHistoryEvent>;

export const ChatLeaveMessageEvent = z.object({
  clientId: z.string().uuid("clientId must be a UUID"),
  email: z.string().trim().toLowerCase().email("Please give an email address we can answer"),
  body: z.string().trim().min(1, "A message cannot be empty").max(5000, "A message is at most 5000 characters"),
});
export type ChatLeaveMessageEvent = z.infer<typeof ChatLeaveMessageEvent>;

/** The optional pre-chat form. What it says is unverified: it is shown to agents, and links nobody. */
export const ChatProfileEvent = z
  .object({
    name: z.string().trim().min(1, "Please give your name").max(200),
    email: z.string().trim().toLowerCase().email("That email address does not look right").optional(),
    phone: z.string().trim().min(5).max(40).optional(),
  })
  .refine((p) => p.email || p.phone, "Please give an email address or a phone number");
export type ChatProfileEvent = z.input<typeof ChatProfileEvent>;

export const ChatWait = z.object({
  /** 1 = next in line; null when the chat is not waiting (answered, or nothing sent yet). */
  position: z.number().nullable(),
  estimateSeconds: z.number().nullable(),
});
export type ChatWait = z.infer<typeof ChatWait>;

/** The widget received (and, with read, showed) these replies. */
export const ChatReceiptEvent = z.object({
  messageIds: z.array(z.string().uuid()).min(1).max(200),
  read: z.boolean(),
});
export type ChatReceiptEvent = z.infer<typeof ChatReceiptEvent>;

export const ChatTypingEvent = z.object({ typing: z.boolean() });
export type ChatTypingEvent = z.infer<typeof ChatTypingEvent>;

export { CHAT_UPLOAD_HEADERS, CHAT_UPLOAD_PATH } from "./chat-upload.ts";

/** The answer of POST /chat/uploads (shared/chat-upload.ts). */
export const ChatUploadResponse = z.object({ upload: z.object({ id: z.string(), name: z.string(), contentType: z.string(), sizeBytes: z.number() }) });
export type ChatUploadResponse = z.infer<typeof ChatUploadResponse>;

export type ChatAck<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export interface ChatServerToVisitor {
  "chat:session": (session: ChatSession) => void;
  "chat:message": (message: ChatMessageView) => void;
  "chat:typing": (event: { typing: boolean; name: string | null }) => void;
  "chat:ended": (event: { by: string | null }) => void;
}

export interface ChatVisitorToServer {
  "chat:send": (event: ChatSendEvent, ack: (result: ChatAck<ChatMessageView>) => void) => void;
  "chat:history": (event: ChatHistoryEvent, ack: (result: ChatAck<{ messages: ChatMessageView[]; hasMore: boolean; state: ChatSession["state"] }>) => void) => void;
  "chat:typing": (event: ChatTypingEvent) => void;
  "chat:receipt": (event: ChatReceiptEvent) => void;
  /** Out of hours or tired of waiting: leave a message to be answered by email. */
  "chat:leave-message": (event: ChatLeaveMessageEvent, ack: (result: ChatAck<{ received: true }>) => void) => void;
  "chat:profile": (event: ChatProfileEvent, ack: (result: ChatAck<{ saved: true }>) => void) => void;
  /** The visitor ends their chat (one still waiting for an agent counts as abandoned); ended: false when none was open. */
  "chat:end": (event: Record<string, never>, ack: (result: ChatAck<{ ended: boolean }>) => void) => void;
  /** Where the visitor's chat is in line, and an estimate of the wait. */
  "chat:wait": (event: Record<string, never>, ack: (result: ChatAck<ChatWait>) => void) => void;
}
