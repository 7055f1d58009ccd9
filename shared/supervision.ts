// Wire types of the supervisor's actions from the live board (POST /api/supervisor/...): take, reassign
// or move a conversation; change an agent's state or sign them out. Supervisors and admins only.
import { z } from "zod";
import { AgentView, ConversationView } from "./api.ts";
import { SettablePresence } from "./domain.ts";

const Id = (what: string) => z.string().uuid(`must be a valid ${what} id`);

/**
 * The assignee the board showed when the supervisor acted (null: nobody). When given and no longer
 * true, the action is refused with CONFLICT instead of acting on a conversation that changed meanwhile.
 */
const Seen = { fromAgentId: Id("agent").nullable().optional() };

export const TakeConversationBody = z.object(Seen).strict();
export type TakeConversationBody = z.infer<typeof TakeConversationBody>;

export const ReassignConversationBody = z
  .object({
    agentId: Id("agent"),
    /** Assign even past the agent's capacity on the channel (never for a call on the line: a line holds one call). */
    force: z.boolean().optional(),
    ...Seen,
  })
  .strict();
export type ReassignConversationBody = z.infer<typeof ReassignConversationBody>;

export const SupervisorMoveBody = z.object({ queueId: Id("queue"), ...Seen }).strict();
export type SupervisorMoveBody = z.infer<typeof SupervisorMoveBody>;

export const SupervisorSetStateBody = z
  .object({
    presence: SettablePresence,
    /** With "away": one of the active away reasons, as when agents set it themselves. */
    awayReasonId: Id("away reason").nullable().optional(),
  })
  .strict();
export type SupervisorSetStateBody = z.infer<typeof SupervisorSetStateBody>;

export const SupervisedConversationResponse = z.object({ conversation: ConversationView });
export const SupervisedAgentResponse = z.object({ agent: AgentView });
export const SignOutResponse = z.object({ agent: AgentView, sessionsEnded: z.number().int() });
export type SignOutResponse = z.infer<typeof SignOutResponse>;
