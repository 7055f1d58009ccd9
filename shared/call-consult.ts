// A warm transfer's consultation on a call in progress (the wire types): who is being consulted and
// how far it got, so the call bar can offer "Complete transfer" only once they are on the line.
import { z } from "zod";

/**
 * ringing: the colleague's phone rings; talking: they answered (the transfer can be completed);
 * unanswered / hung_up: they did not answer, or left, and the caller is still on hold.
 */
export const ConsultState = z.enum(["ringing", "talking", "unanswered", "hung_up"]);
export type ConsultState = z.infer<typeof ConsultState>;

export const ConsultView = z.object({
  agentId: z.string(),
  name: z.string(),
  state: ConsultState,
  /** When the colleague was called. */
  since: z.string(),
});
export type ConsultView = z.infer<typeof ConsultView>;

/** GET /api/conversations/:id/consult, and the agent socket's call:consult event. */
export const CallConsultEvent = z.object({ conversationId: z.string(), consult: ConsultView.nullable() });
export type CallConsultEvent = z.infer<typeof CallConsultEvent>;
