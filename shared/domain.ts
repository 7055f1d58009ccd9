// Domain words shared by server and client (see shared/DESIGN.md). No Node or DOM imports here.
import { z } from "zod";

export const Channel = z.enum(["sms", "voice", "email", "chat"]);
export type Channel = z.infer<typeof Channel>;

export const CustomerTier = z.enum(["standard", "gold", "platinum"]);
export type CustomerTier = z.infer<typeof CustomerTier>;

export const IdentityKind = z.enum(["phone", "email", "chat_visitor"]);
export type IdentityKind = z.infer<typeof IdentityKind>;

export const ConversationStatus = z.enum(["queued", "offered", "assigned", "pending_customer", "snoozed", "resolved"]);
export type ConversationStatus = z.infer<typeof ConversationStatus>;

export const MessageDirection = z.enum(["inbound", "outbound", "internal"]);
export type MessageDirection = z.infer<typeof MessageDirection>;

export const MessageKind = z.enum(["text", "email", "call", "voicemail", "note", "event"]);
export type MessageKind = z.infer<typeof MessageKind>;

export const MessageStatus = z.enum(["received", "queued", "sent", "delivered", "failed"]);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const AgentRole = z.enum(["agent", "supervisor", "admin"]);
export type AgentRole = z.infer<typeof AgentRole>;

export const Presence = z.enum(["offline", "available", "away", "busy", "wrap_up"]);
export type Presence = z.infer<typeof Presence>;

/** What an agent may set themselves; busy and wrap_up are set by the system. */
export const SettablePresence = z.enum(["available", "away", "offline"]);
export type SettablePresence = z.infer<typeof SettablePresence>;

export const OfferStatus = z.enum(["pending", "accepted", "rejected", "timed_out", "withdrawn"]);
export type OfferStatus = z.infer<typeof OfferStatus>;
