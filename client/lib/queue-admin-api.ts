// The queues' REST calls for the Team screens: settings, members and service targets.
import { z } from "zod";
import { QueueMemberView, QueueView, ServiceTargetView, type CreateQueueBody, type PutQueueMembersBody, type PutServiceTargetsBody, type UpdateQueueBody } from "../../shared/queues.ts";
import { id, request } from "./api.ts";

const QueueResponse = z.object({ queue: QueueView });
const MembersResponse = z.object({ members: z.array(QueueMemberView) });
const TargetsResponse = z.object({ targets: z.array(ServiceTargetView) });

export const queueAdminApi = {
  create: (body: z.input<typeof CreateQueueBody>) => request("/api/queues", { method: "POST", body, schema: QueueResponse }),
  update: (queueId: string, body: z.input<typeof UpdateQueueBody>) => request(`/api/queues/${id(queueId)}`, { method: "PUT", body, schema: QueueResponse }),
  remove: (queueId: string) => request(`/api/queues/${id(queueId)}`, { method: "DELETE" }),
  members: (queueId: string) => request(`/api/queues/${id(queueId)}/members`, { schema: MembersResponse }),
  putMembers: (queueId: string, body: z.input<typeof PutQueueMembersBody>) =>
    request(`/api/queues/${id(queueId)}/members`, { method: "PUT", body, schema: MembersResponse }),
  targets: (queueId: string) => request(`/api/queues/${id(queueId)}/targets`, { schema: TargetsResponse }),
  putTargets: (queueId: string, body: z.input<typeof PutServiceTargetsBody>) =>
    request(`/api/queues/${id(queueId)}/targets`, { method: "PUT", body, schema: TargetsResponse }),
};
