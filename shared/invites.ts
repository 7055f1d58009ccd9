// Inviting an agent with a one-time link: the admin gives everything but a password; the new agent
// opens the link (…/#invite=<token>) and chooses their own.
import { z } from "zod";
import { AgentView, CreateAgentBody } from "./api.ts";

export const InviteAgentBody = CreateAgentBody.omit({ password: true }).strict();
export type InviteAgentBody = z.infer<typeof InviteAgentBody>;

export const InviteView = z.object({ url: z.string(), expiresAt: z.string() });
export type InviteView = z.infer<typeof InviteView>;
export const InviteAgentResponse = z.object({ agent: AgentView, invite: InviteView });

export const AcceptInviteBody = z
  .object({
    token: z.string().min(20).max(200),
    password: z.string().min(12, "A password needs at least 12 characters").max(1000),
  })
  .strict();
export type AcceptInviteBody = z.infer<typeof AcceptInviteBody>;
export const AcceptInviteResponse = z.object({ email: z.string() });
