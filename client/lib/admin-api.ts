// The admin screens' REST calls (Team and audit log), checked against the shared schemas like client/lib/api.ts.
import { z } from "zod";
import { AgentResponse, AgentView, type CreateAgentBody, type UpdateAgentBody } from "../../shared/api.ts";
import { AuditEventsPage } from "../../shared/audit.ts";
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
  auditEvents: (filter: AuditFilter) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
    const query = params.toString();
    return request(`/api/audit-events${query ? `?${query}` : ""}`, { schema: AuditEventsPage });
  },
};
