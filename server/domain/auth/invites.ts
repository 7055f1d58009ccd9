// Invite links: an admin adds an agent without a password and gets a one-time link (seven days); the
// agent opens it and sets their own password. Until then the account has a random password nobody knows.
import { createHash, randomBytes } from "node:crypto";
import type { AgentView } from "../../../shared/api.ts";
import type { AcceptInviteBody, InviteAgentBody, InviteView } from "../../../shared/invites.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "./permissions.ts";
import { hashPassword } from "./sessions.ts";
import { insertAgent } from "../workspace/manage-agents.ts";

const INVITE_DAYS = 7;
const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");
// One answer for a wrong, used or expired link: the page says the same, and nothing is learnt by guessing.
const invalid = () => new AppError("VERIFICATION_FAILED", "This invitation link is not valid any more: ask your admin for a new one");

export async function inviteAgent(
  deps: { prisma: PrismaClient; publicUrl: string },
  actor: Actor,
  body: InviteAgentBody,
): Promise<{ agent: AgentView; invite: InviteView }> {
  assertCan(actor, "agents.manage");
  const token = randomBytes(32).toString("base64url");
  const unusable = await hashPassword(randomBytes(32).toString("base64url"));
  const expiresAt = new Date(Date.now() + INVITE_DAYS * 24 * 3600 * 1000);
  return deps.prisma.$transaction(async (tx) => {
    const agent = await insertAgent(tx, { ...body, password: "" }, unusable, { actorId: actor.id });
    await tx.agentInvite.create({ data: { agentId: agent.id, tokenHash: tokenHash(token), expiresAt, createdBy: actor.id } });
    await recordPrismaAudit(tx, { actorId: actor.id, action: "agent_invited", entityType: "agent", entityId: agent.id, data: { expiresAt: expiresAt.toISOString() } });
    return { agent, invite: { url: `${deps.publicUrl}/#invite=${token}`, expiresAt: expiresAt.toISOString() } };
  });
}

/** Sets the invited agent's password once; the link is used up in the same transaction. */
export async function acceptInvite(deps: { prisma: PrismaClient }, body: AcceptInviteBody): Promise<{ email: string }> {
  const passwordHash = await hashPassword(body.password);
  return deps.prisma.$transaction(async (tx) => {
    // Used up first, by a guarded update: two tabs opening the same link cannot both set a password.
    const used = await tx.agentInvite.updateManyAndReturn({
      where: { tokenHash: tokenHash(body.token), usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
      select: { agentId: true },
    });
    const invite = used[0];
    if (!invite) throw invalid();
    const agent = await tx.agent.findUnique({ where: { id: invite.agentId }, select: { email: true, deactivatedAt: true } });
    if (!agent || agent.deactivatedAt) throw invalid();
    await tx.agent.update({ where: { id: invite.agentId }, data: { passwordHash } });
    await recordPrismaAudit(tx, { actorId: invite.agentId, action: "invite_accepted", entityType: "agent", entityId: invite.agentId, data: {} });
    return { email: agent.email };
  });
}
