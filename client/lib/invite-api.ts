// Invite links: an admin invites an agent; the invited person sets their password from the link.
import type { z } from "zod";
import { AcceptInviteResponse, InviteAgentResponse, type InviteAgentBody } from "../../shared/invites.ts";
import { request } from "./api.ts";

export const inviteApi = {
  invite: (body: z.input<typeof InviteAgentBody>) => request("/api/agent-invites", { method: "POST", body, schema: InviteAgentResponse }),
  /** Not signed in yet: a 401-free call (VERIFICATION_FAILED for a wrong, used or expired link). */
  accept: (token: string, password: string) =>
    request("/api/auth/accept-invite", { method: "POST", body: { token, password }, schema: AcceptInviteResponse, notifyUnauthenticated: false }),
};
