// The live board's actions (supervisors and admins): take, reassign, move a conversation; set an agent's
// state, sign them out. Answers are checked against shared/supervision.ts, errors come as ApiError codes
// (CONFLICT: the board was out of date; AGENT_UNAVAILABLE with details.reason: full, deactivated, not signed in).
import type { z } from "zod";
import {
  SignOutResponse,
  SupervisedAgentResponse,
  SupervisedConversationResponse,
  type ReassignConversationBody,
  type SupervisorSetStateBody,
} from "../../shared/supervision.ts";
import { id, request } from "./api.ts";

/** The assignee the board showed: the server refuses (CONFLICT) when the conversation has changed hands since. */
type Seen = { fromAgentId?: string | null };

export const supervisorApi = {
  take: (conversationId: string, seen: Seen = {}) =>
    request(`/api/supervisor/conversations/${id(conversationId)}/take`, { method: "POST", body: seen, schema: SupervisedConversationResponse }),
  reassign: (conversationId: string, body: z.input<typeof ReassignConversationBody>) =>
    request(`/api/supervisor/conversations/${id(conversationId)}/reassign`, { method: "POST", body, schema: SupervisedConversationResponse }),
  move: (conversationId: string, queueId: string, seen: Seen = {}) =>
    request(`/api/supervisor/conversations/${id(conversationId)}/move`, { method: "POST", body: { queueId, ...seen }, schema: SupervisedConversationResponse }),
  setState: (agentId: string, body: z.input<typeof SupervisorSetStateBody>) =>
    request(`/api/supervisor/agents/${id(agentId)}/state`, { method: "POST", body, schema: SupervisedAgentResponse }),
  signOut: (agentId: string) => request(`/api/supervisor/agents/${id(agentId)}/sign-out`, { method: "POST", schema: SignOutResponse }),
};
