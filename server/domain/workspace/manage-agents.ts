// Supervisors see every agent and their presence; admins add agents and change their role, skills,
// capacity and forward phone. Every change is audited in its own transaction (Prisma: ordinary records).
import type { AgentView, CreateAgentBody, TransferTarget, UpdateAgentBody } from "../../../shared/api.ts";
import { toE164 } from "../../../shared/phone.ts";
import type { Prisma, PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { hashPassword } from "../auth/sessions.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { AGENT_RECORD, agentRecordView, lockAgent } from "./agent-record.ts";

type Tx = Prisma.TransactionClient;

export async function listAgents(deps: { prisma: PrismaClient }, actor: Actor): Promise<AgentView[]> {
  assertCan(actor, "agents.read");
  const agents = await deps.prisma.agent.findMany({ ...AGENT_RECORD, orderBy: { name: "asc" } });
  return agents.map(agentRecordView);
}

export async function createAgent(deps: { prisma: PrismaClient }, actor: Actor, body: CreateAgentBody): Promise<AgentView> {
  assertCan(actor, "agents.manage");
  const passwordHash = await hashPassword(body.password);
  return deps.prisma.$transaction((tx) => insertAgent(tx, body, passwordHash, { actorId: actor.id }));
}

/**
 * Adds the agent and its audit row in the caller's transaction (CONFLICT when the email is taken).
 * `actorId` null: the operator's command line (scripts/agent.ts), recorded as such.
 */
export async function insertAgent(
  tx: Tx,
  body: CreateAgentBody,
  passwordHash: string,
  by: { actorId: string | null; via?: "cli" },
): Promise<AgentView> {
  let created;
  try {
    created = await tx.agent.create({
      data: {
        email: body.email,
        name: body.name,
        passwordHash,
        role: body.role,
        skills: body.skills,
        capacityVoice: body.capacity.voice,
        capacityChat: body.capacity.chat,
        capacitySms: body.capacity.sms,
        capacityEmail: body.capacity.email,
      },
      ...AGENT_RECORD,
    });
  } catch (err) {
    // The unique email index decides, so two creations at once cannot both win.
    if ((err as { code?: string }).code === "P2002") throw new AppError("CONFLICT", `An agent with the email ${body.email} already exists`);
    throw err;
  }
  const agent = agentRecordView(created);
  const { forwardPhone: _none, presence: _offline, ...recorded } = agent;
  await recordPrismaAudit(tx, { actorId: by.actorId, action: "agent_created", entityType: "agent", entityId: agent.id, data: { after: recorded, ...(by.via ? { by: by.via } : {}) } });
  return agent;
}

/** An admin changes an agent's role, name, skills or capacity per channel: the before and after are audited. */
export async function updateAgent(deps: { prisma: PrismaClient }, actor: Actor, agentId: string, body: UpdateAgentBody): Promise<AgentView> {
  assertCan(actor, "agents.manage");
  return deps.prisma.$transaction(async (tx) => {
    if (!(await lockAgent(tx, agentId))) throw new AppError("NOT_FOUND", "No such agent");
    const old = agentRecordView(await tx.agent.findUniqueOrThrow({ where: { id: agentId }, ...AGENT_RECORD }));
    if (old.role === "admin" && body.role && body.role !== "admin") {
      // The other admins' rows are locked too: two admins cannot demote each other at once.
      const admins = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM agents WHERE role = 'admin' AND id <> ${agentId}::uuid FOR UPDATE`;
      if (admins.length === 0) throw new AppError("CONFLICT", "This is the last admin: make someone else admin first");
    }
    const capacity = { ...old.capacity, ...body.capacity };
    const updated = agentRecordView(
      await tx.agent.update({
        where: { id: agentId },
        data: {
          name: body.name ?? old.name,
          role: body.role ?? old.role,
          skills: body.skills ?? old.skills,
          capacityVoice: capacity.voice,
          capacityChat: capacity.chat,
          capacitySms: capacity.sms,
          capacityEmail: capacity.email,
        },
        ...AGENT_RECORD,
      }),
    );
    const changed = (["name", "role", "skills", "capacity"] as const).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(updated[k]));
    if (changed.length) {
      await recordPrismaAudit(tx, {
        actorId: actor.id,
        action: "agent_updated",
        entityType: "agent",
        entityId: agentId,
        data: { before: Object.fromEntries(changed.map((k) => [k, old[k]])), after: Object.fromEntries(changed.map((k) => [k, updated[k]])) },
      });
    }
    return updated;
  });
}

/** Who a call can be transferred to now: other agents who are available with a free voice slot, by name. */
export async function listTransferTargets(deps: { prisma: PrismaClient }, actor: Actor): Promise<TransferTarget[]> {
  assertCan(actor, "transfer_targets.read");
  // The load the router counts (agent_loads: assigned + offered), against the agent's voice capacity.
  const agents = await deps.prisma.agent.findMany({
    where: { id: { not: actor.id }, presence: "available" },
    select: { id: true, name: true, presence: true, capacityVoice: true, loads: { where: { channel: "voice" }, select: { assigned: true, offered: true } } },
    orderBy: { name: "asc" },
  });
  return agents
    .filter((a) => a.loads[0] && a.loads[0].assigned + a.loads[0].offered < a.capacityVoice)
    .map((a) => ({ id: a.id, name: a.name, presence: a.presence }));
}

/** Writes an agent's forward phone and its audit row in the caller's transaction; `via` says who vouched for the number. */
export async function writeForwardPhone(
  tx: Tx,
  opts: { actor: Actor; agentId: string; phone: string | null; via: "admin" | "code" | "cleared" },
): Promise<AgentView> {
  if (!(await lockAgent(tx, opts.agentId))) throw new AppError("NOT_FOUND", "No such agent");
  const before = await tx.agent.findUniqueOrThrow({ where: { id: opts.agentId }, select: { forwardPhone: true } });
  const updated = await tx.agent.update({ where: { id: opts.agentId }, data: { forwardPhone: opts.phone }, ...AGENT_RECORD });
  await recordPrismaAudit(tx, {
    actorId: opts.actor.id,
    action: "agent_forward_phone_changed",
    entityType: "agent",
    entityId: opts.agentId,
    data: { before: before.forwardPhone, after: opts.phone, via: opts.via },
  });
  return agentRecordView(updated);
}

/** An admin sets (or clears) any agent's forward phone directly: they vouch for the number. */
export async function setAgentForwardPhone(
  deps: { prisma: PrismaClient },
  opts: { actor: Actor; agentId: string; phone: string | null; defaultCountry: string },
): Promise<AgentView> {
  assertCan(opts.actor, "agents.manage");
  const e164 = opts.phone === null ? null : toE164(opts.phone, opts.defaultCountry);
  if (opts.phone !== null && !e164) throw new AppError("VALIDATION", `phone: "${opts.phone}" is not a valid phone number`);
  return deps.prisma.$transaction((tx) => writeForwardPhone(tx, { actor: opts.actor, agentId: opts.agentId, phone: e164, via: e164 ? "admin" : "cleared" }));
}
