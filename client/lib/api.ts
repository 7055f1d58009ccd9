// The workspace's REST client: JSON in and out, the session cookie, and every response checked
// against the shared zod schemas so a contract drift fails loudly here rather than deep in a component.
import { z } from "zod";
import {
  AgentResponse,
  AwayReasonView,
  ConversationResponse,
  ConversationResult,
  ErrorBody,
  MeResponse,
  MyWorkResponse,
  SendReplyResponse,
  TimelineChanges,
  TimelinePage,
  TransferTarget,
  VoiceTokenResponse,
  type CallControlBody,
  type ErrorCode,
  type LoginBody,
  type SendReplyBody,
  type SetPresenceBody,
  type SoftphoneStateBody,
  type WrapUpBody,
} from "../../shared/api.ts";
import { QueueView } from "../../shared/queues.ts";
import type { StartEmailBody } from "../../shared/email.ts";
import { CannedReplyListResponse } from "../../shared/canned-replies.ts";
import type { Channel } from "../../shared/domain.ts";
import { SearchResponse } from "../../shared/search.ts";
import { CustomerRemindersResponse, MyRemindersResponse, ReminderResponse, type CreateReminderBody } from "../../shared/follow-ups.ts";
import { AddIdentityResponse, MergeHistoryResponse, MergePreviewResponse, MergeResponse, type AddIdentityBody } from "../../shared/merge.ts";
import { NO_FILTER, filterParams, type TimelineFilter } from "./timeline-filter.ts";

/** The server's codes, plus what can go wrong before a server answer: no network, or an answer we cannot read. */
export type ApiErrorCode = ErrorCode | "NETWORK" | "BAD_RESPONSE";

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

type UnauthenticatedListener = () => void;
const unauthenticatedListeners = new Set<UnauthenticatedListener>();

/** Called when any request (other than login) answers 401: the session has ended. */
export function onUnauthenticated(listener: UnauthenticatedListener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

const fallbackMessages: Partial<Record<ApiErrorCode, string>> = {
  UNAUTHENTICATED: "You are not signed in.",
  RATE_LIMITED: "Too many attempts. Wait a moment and try again.",
  INTERNAL: "Something went wrong on the server.",
};

interface RequestOptions<T> {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  /** Schema of a 2xx body; absent for 204 answers. */
  schema?: z.ZodType<T>;
  /** Login answers 401 for bad credentials: that is not a lost session. */
  notifyUnauthenticated?: boolean;
  /** Aborts the request (a search the agent has typed past). */
  signal?: AbortSignal;
}

export async function request<T = void>(path: string, options: RequestOptions<T> = {}): Promise<T> {
  const { method = "GET", body, schema, notifyUnauthenticated = true, signal } = options;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch {
    throw new ApiError("NETWORK", "Cannot reach the server. Check your connection and try again.", 0);
  }

  if (!response.ok) throw await toApiError(response, notifyUnauthenticated);
  if (!schema) return undefined as T;

  const json: unknown = await response.json().catch(() => undefined);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    console.error(`Unexpected answer from ${method} ${path}`, parsed.error);
    throw new ApiError("BAD_RESPONSE", "The server sent an answer this page does not understand. Reload the page.", response.status);
  }
  return parsed.data;
}

async function toApiError(response: Response, notifyUnauthenticated: boolean): Promise<ApiError> {
  if (response.status === 401 && notifyUnauthenticated) unauthenticatedListeners.forEach((listener) => listener());
  const parsed = ErrorBody.safeParse(await response.json().catch(() => undefined));
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError(code, message || fallbackMessages[code] || code, response.status, details);
  }
  // No error body: a proxy or gateway answered (502/503/504 while the server restarts), not our server.
  const code: ApiErrorCode = response.status === 401 ? "UNAUTHENTICATED" : response.status === 429 ? "RATE_LIMITED" : "INTERNAL";
  const message = response.status >= 502 && response.status <= 504
    ? `The server is not answering (${response.status}).`
    : (fallbackMessages[code] ?? `Request failed (${response.status}).`);
  return new ApiError(code, message, response.status);
}

export const id = (value: string) => encodeURIComponent(value);

/** GET /api/transfer-targets: shared/api.ts names the row, not the envelope. */
const TransferTargetsResponse = z.object({ agents: z.array(TransferTarget) });
const AwayReasonsResponse = z.object({ awayReasons: z.array(AwayReasonView) });
const QueuesResponse = z.object({ queues: z.array(QueueView) });
const AgentDirectoryResponse = z.object({ agents: z.array(z.object({ id: z.string(), name: z.string() })) });

export const api = {
  login: (body: LoginBody) =>
    request("/api/auth/login", { method: "POST", body, schema: AgentResponse, notifyUnauthenticated: false }),
  logout: () => request("/api/auth/logout", { method: "POST" }),
  me: () => request("/api/me", { schema: MeResponse }),
  setPresence: (body: SetPresenceBody) => request("/api/me/presence", { method: "PUT", body, schema: AgentResponse }),
  myWork: () => request("/api/me/work", { schema: MyWorkResponse }),
  awayReasons: () => request("/api/away-reasons", { schema: AwayReasonsResponse }),
  /** The canned replies offered on a channel (its own and the channel-less ones). */
  cannedReplies: (channel: Channel) => request(`/api/canned-replies?channel=${id(channel)}`, { schema: CannedReplyListResponse }),

  acceptOffer: (offerId: string) =>
    request(`/api/offers/${id(offerId)}/accept`, { method: "POST", schema: ConversationResult }),
  rejectOffer: (offerId: string) => request(`/api/offers/${id(offerId)}/reject`, { method: "POST" }),

  conversation: (conversationId: string) =>
    request(`/api/conversations/${id(conversationId)}`, { schema: ConversationResponse }),
  queues: () => request("/api/queues", { schema: QueuesResponse }),
  /** Hands the conversation to another queue (its agent for their own, a supervisor for any). */
  moveToQueue: (conversationId: string, queueId: string) =>
    request(`/api/conversations/${id(conversationId)}/queue`, { method: "POST", body: { queueId }, schema: ConversationResult }),
  resolveConversation: (conversationId: string) =>
    request(`/api/conversations/${id(conversationId)}/resolve`, { method: "POST", schema: ConversationResult }),
  sendReply: (conversationId: string, body: SendReplyBody) =>
    request(`/api/conversations/${id(conversationId)}/messages`, { method: "POST", body, schema: SendReplyResponse }),
  /** An internal note: on the timeline for agents only, never sent; "@Name" tells that colleague. */
  addNote: (conversationId: string, body: SendReplyBody) =>
    request(`/api/conversations/${id(conversationId)}/notes`, { method: "POST", body, schema: SendReplyResponse }),
  agentDirectory: () => request("/api/agent-directory", { schema: AgentDirectoryResponse }),
  /** Ends the agent's wrap-up after a call: the disposition and note go on the timeline, the conversation is resolved. */
  wrapUp: (conversationId: string, body: WrapUpBody) =>
    request(`/api/conversations/${id(conversationId)}/wrap-up`, { method: "POST", body, schema: ConversationResult }),

  /** Hold, resume, hang up, transfer or requeue the call on a voice conversation (only its agent may). */
  controlCall: (conversationId: string, body: CallControlBody) =>
    request(`/api/conversations/${id(conversationId)}/call`, { method: "POST", body, schema: ConversationResult }),
  /** Other agents, not offline, who can take a transferred call. */
  transferTargets: () => request("/api/transfer-targets", { schema: TransferTargetsResponse }),
  /** Click-to-call: the server rings the customer and connects this agent's softphone; 409 CONSENT_REVOKED when they asked not to be called. */
  callCustomer: (customerId: string) =>
    request(`/api/customers/${id(customerId)}/calls`, { method: "POST", schema: ConversationResult }),
  /** A new email thread to the customer, assigned to this agent; 409 CONSENT_REVOKED when they unsubscribed. */
  startEmail: (body: StartEmailBody) => request("/api/emails", { method: "POST", body, schema: ConversationResult }),

  /** A Twilio access token for the browser softphone; 503 CHANNEL_DISABLED when the softphone is not configured. */
  voiceToken: () => request("/api/voice/token", { schema: VoiceTokenResponse }),
  /** Tells the server whether this browser's Twilio Device is registered: calls are offered only while it is (or to a forward phone). */
  reportSoftphone: (body: SoftphoneStateBody) => request("/api/me/softphone", { method: "PUT", body }),

  /** A page of the customer's timeline; `filter` (channel and kind lists) must be the one `before` was made with. */
  timeline: (customerId: string, page: { before?: string; limit?: number; filter?: TimelineFilter } = {}) => {
    const query = new URLSearchParams({ limit: String(page.limit ?? 50), ...filterParams(page.filter ?? NO_FILTER) });
    if (page.before) query.set("before", page.before);
    return request(`/api/customers/${id(customerId)}/timeline?${query}`, { schema: TimelinePage });
  },
  timelineChanges: (customerId: string, since: string, filter: TimelineFilter = NO_FILTER) =>
    request(`/api/customers/${id(customerId)}/timeline/changes?${new URLSearchParams({ since, ...filterParams(filter) })}`, {
      schema: TimelineChanges,
    }),

  /** Follow-ups: reminders (mine: due and upcoming; a customer's open ones) and snoozing a conversation. */
  createReminder: (body: CreateReminderBody) => request("/api/reminders", { method: "POST", body, schema: ReminderResponse }),
  myReminders: () => request("/api/me/reminders", { schema: MyRemindersResponse }),
  customerReminders: (customerId: string) => request(`/api/customers/${id(customerId)}/reminders`, { schema: CustomerRemindersResponse }),
  reminderDone: (reminderId: string) => request(`/api/reminders/${id(reminderId)}/done`, { method: "POST", schema: ReminderResponse }),
  cancelReminder: (reminderId: string) => request(`/api/reminders/${id(reminderId)}`, { method: "DELETE" }),
  snooze: (conversationId: string, until: string) =>
    request(`/api/conversations/${id(conversationId)}/snooze`, { method: "POST", body: { until }, schema: ConversationResult }),
  unsnooze: (conversationId: string) => request(`/api/conversations/${id(conversationId)}/unsnooze`, { method: "POST", schema: ConversationResult }),
  /** A phone or email the customer gave; 409 CONFLICT with details.suggestedMerge when it is another customer's. */
  addIdentity: (customerId: string, body: AddIdentityBody) =>
    request(`/api/customers/${id(customerId)}/identities`, { method: "POST", body, schema: AddIdentityResponse }),
  /** What merging `sourceId` into `targetId` would move, and the conflicts it settles. */
  mergePreview: (sourceId: string, targetId: string) =>
    request(`/api/customers/${id(sourceId)}/merge-preview?${new URLSearchParams({ into: targetId })}`, { schema: MergePreviewResponse }),
  mergeCustomers: (sourceId: string, targetId: string) =>
    request(`/api/customers/${id(sourceId)}/merge`, { method: "POST", body: { into: targetId }, schema: MergeResponse }),
  undoMerge: (mergeId: string) => request(`/api/customer-merges/${id(mergeId)}/undo`, { method: "POST", schema: MergeResponse }),
  customerMerges: (customerId: string) => request(`/api/customers/${id(customerId)}/merges`, { schema: MergeHistoryResponse }),
  /** Find a customer by name, phone, email or a word of their messages and notes. */
  searchCustomers: (q: string, signal?: AbortSignal) =>
    request(`/api/customers/search?${new URLSearchParams({ q })}`, { schema: SearchResponse, signal }),
};

/** A message fit to show a person, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
