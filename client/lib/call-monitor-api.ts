// Listen, whisper and barge (supervisors and admins): the REST calls, kept beside api.ts.
import { z } from "zod";
import { MonitorView, type MonitorBody } from "../../shared/call-monitor.ts";
import { id, request } from "./api.ts";

const MonitorsResponse = z.object({ monitors: z.array(MonitorView) });

export const callMonitorApi = {
  /** Starts monitoring the call, or changes one's mode; 409 CONFLICT when no call runs in a conference. */
  monitor: (conversationId: string, body: MonitorBody) =>
    request(`/api/conversations/${id(conversationId)}/monitor`, { method: "POST", body, schema: MonitorsResponse }),
  stop: (conversationId: string) => request(`/api/conversations/${id(conversationId)}/monitor`, { method: "DELETE", schema: MonitorsResponse }),
  /** Who monitors the call now (to an agent only when the business announces it). */
  monitors: (conversationId: string) => request(`/api/conversations/${id(conversationId)}/monitors`, { schema: MonitorsResponse }),
};
