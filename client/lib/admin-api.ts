// The admin screens' REST calls (Team and audit log), checked against the shared schemas like client/lib/api.ts.
import { z } from "zod";
import { AgentResponse, AgentView, type CreateAgentBody, type UpdateAgentBody } from "../../shared/api.ts";
import { AuditEventsPage } from "../../shared/audit.ts";
import { AwayReasonView, type CreateAwayReasonBody, type UpdateAwayReasonBody } from "../../shared/api.ts";
import { CannedReplyListResponse, CannedReplyResponse, type CreateCannedReplyBody, type UpdateCannedReplyBody } from "../../shared/canned-replies.ts";
import { id, request } from "./api.ts";

const AgentsResponse = z.object({ agents: z.array(AgentView) });

export interface AuditFilter {
  entityType?: string;
  action?: string;
  before?: string;
}

export const adminApi = {
  agents: () => request("/api/agents", { schema: AgentsResponse }),
  createAgent: (body: CreateAgentBody) => request("/api/agents", { method: "POST", body, schema: AgentResponse }),
  updateAgent: (agentId: string, body: UpdateAgentBody) => request(`/api/agents/${id(agentId)}`, { method: "PATCH", body, schema: AgentResponse }),
  deactivateAgent: (agentId: string) => request(`/api/agents/${id(agentId)}/deactivate`, { method: "POST", schema: AgentResponse }),
  reactivateAgent: (agentId: string) => request(`/api/agents/${id(agentId)}/reactivate`, { method: "POST", schema: AgentResponse }),
  unlockAgent: (agentId: string) => request(`/api/agents/${id(agentId)}/unlock`, { method: "POST", schema: z.object({ cleared: z.number() }) }),
  setForwardPhone: (agentId: string, phone: string | null) => request(`/api/agents/${id(agentId)}/phone`, { method: "PUT", body: { phone }, schema: AgentResponse }),
  auditEvents: (filter: AuditFilter) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
    const query = params.toString();
    return request(`/api/audit-events${query ? `?${query}` : ""}`, { schema: AuditEventsPage });
  },
};

// Canned replies (supervisors and admins manage) and away reasons (supervisors read, admins change).
const AwayReasonsResponse = z.object({ awayReasons: z.array(AwayReasonView) });
const AwayReasonResponse = z.object({ awayReason: AwayReasonView });

export const settingsApi = {
  cannedReplies: () => request("/api/canned-replies", { schema: CannedReplyListResponse }),
  createCannedReply: (body: CreateCannedReplyBody) => request("/api/canned-replies", { method: "POST", body, schema: CannedReplyResponse }),
  updateCannedReply: (replyId: string, body: UpdateCannedReplyBody) =>
    request(`/api/canned-replies/${id(replyId)}`, { method: "PATCH", body, schema: CannedReplyResponse }),
  deleteCannedReply: (replyId: string) => request(`/api/canned-replies/${id(replyId)}`, { method: "DELETE" }),
  awayReasons: () => request("/api/away-reasons?all=true", { schema: AwayReasonsResponse }),
  createAwayReason: (body: CreateAwayReasonBody) => request("/api/away-reasons", { method: "POST", body, schema: AwayReasonResponse }),
  updateAwayReason: (reasonId: string, body: UpdateAwayReasonBody) =>
    request(`/api/away-reasons/${id(reasonId)}`, { method: "PATCH", body, schema: AwayReasonResponse }),
};
