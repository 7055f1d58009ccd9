// An agent's own forward phone: calls would be dialled on the business's Twilio account, so an agent
// cannot just type a number. They ask for a code by SMS to it and confirm it; only then is it set.
// (An admin may set any agent's number directly: manage-agents.ts.)
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import type { AgentView, ForwardPhoneVerificationView } from "../../../shared/api.ts";
import { toE164 } from "../../../shared/phone.ts";
import { ChannelSendError, type ChannelAdapter } from "../../../channels/channel.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordPrismaAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { lockAgent } from "./agent-record.ts";
import { writeForwardPhone } from "./manage-agents.ts";

export interface ForwardPhoneDeps {
  prisma: PrismaClient;
  /** The SMS channel the code goes out on; null when SMS is off (then only an admin can set numbers). */
  sms: ChannelAdapter | null;
  defaultCountry: string;
}

export const CODE_TTL_SECONDS = 10 * 60;
export const MAX_ATTEMPTS = 5;
/** Codes an agent may ask for per hour: each is an SMS paid by the business. */
export const MAX_REQUESTS_PER_HOUR = 3;

const hashCode = (codeId: string, code: string) => createHmac("sha256", codeId).update(code).digest("hex");

/** The agent clears their forward phone (calls ring the softphone again): no code needed. */
export async function clearOwnForwardPhone(deps: { prisma: PrismaClient }, actor: Actor): Promise<AgentView> {
  assertCan(actor, "self.manage");
  return deps.prisma.$transaction((tx) => writeForwardPhone(tx, { actor, agentId: actor.id, phone: null, via: "cleared" }));
}

/** Sends a 6-digit code to the number; the number is not set until confirmForwardPhone. */
export async function requestForwardPhoneCode(deps: ForwardPhoneDeps, opts: { actor: Actor; phone: string }): Promise<ForwardPhoneVerificationView> {
  assertCan(opts.actor, "self.manage");
  const phone = toE164(opts.phone, deps.defaultCountry);
  if (!phone) throw new AppError("VALIDATION", `phone: "${opts.phone}" is not a valid phone number`);
  if (!deps.sms) throw new AppError("CHANNEL_DISABLED", "SMS is off, so a code cannot be sent: ask an admin to set your forward phone");
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const row = await deps.prisma.$transaction(async (tx) => {
    // The agent's row lock serialises their requests, so parallel requests cannot slip past the count.
    await lockAgent(tx, opts.actor.id);
    const recent = await tx.forwardPhoneCode.aggregate({
      where: { agentId: opts.actor.id, createdAt: { gt: new Date(Date.now() - 3600_000) } },
      _count: { _all: true },
      _min: { createdAt: true },
    });
    if (recent._count._all >= MAX_REQUESTS_PER_HOUR) {
      const retryAfterSeconds = Math.max(1, Math.ceil((recent._min.createdAt!.getTime() + 3600_000 - Date.now()) / 1000));
      throw new AppError("RATE_LIMITED", "Too many codes asked for: try again later", { retryAfterSeconds });
    }
    const created = await tx.forwardPhoneCode.create({
      data: { agentId: opts.actor.id, phone, codeHash: "", expiresAt: new Date(Date.now() + CODE_TTL_SECONDS * 1000) },
      select: { id: true, expiresAt: true },
    });
    // The code's hash is keyed by its row's id, known only once the row exists.
    await tx.forwardPhoneCode.update({ where: { id: created.id }, data: { codeHash: hashCode(created.id, code) } });
    await recordPrismaAudit(tx, { actorId: opts.actor.id, action: "agent_forward_phone_code_sent", entityType: "agent", entityId: opts.actor.id, data: { phone } });
    return { id: created.id, expires_at: created.expiresAt };
  });
  try {
    await deps.sms.send({ messageId: row.id, to: phone, from: null, body: `Your Switchboard code is ${code}. It confirms this number for calls to ${opts.actor.name}.` });
  } catch (err) {
    // The request still counts (it may have cost an SMS), but the code can never be confirmed.
    await deps.prisma.forwardPhoneCode.update({ where: { id: row.id }, data: { expiresAt: new Date() } });
    if (err instanceof ChannelSendError) throw new AppError("PROVIDER_ERROR", `The code could not be sent: ${err.message}`);
    throw err;
  }
  return { phone, expiresAt: row.expires_at.toISOString(), attemptsLeft: MAX_ATTEMPTS };
}

/** The agent types the code they got: the latest code sent to them, once, within its time and tries. */
export async function confirmForwardPhone(deps: { prisma: PrismaClient }, opts: { actor: Actor; code: string }): Promise<AgentView> {
  assertCan(opts.actor, "self.manage");
  type Outcome = { kind: "wrong"; attemptsLeft: number } | { kind: "confirmed"; agent: AgentView };
  const outcome = await deps.prisma.$transaction(async (tx): Promise<Outcome> => {
    // The agent's row lock (as requestForwardPhoneCode takes) serialises their tries at their latest code.
    await lockAgent(tx, opts.actor.id);
    const pending = await tx.forwardPhoneCode.findFirst({
      where: { agentId: opts.actor.id, confirmedAt: null },
      orderBy: { createdAt: "desc" },
      select: { id: true, phone: true, codeHash: true, attempts: true, expiresAt: true },
    });
    if (!pending) throw failed("no_code", "No code is waiting: ask for one first", 0);
    if (pending.expiresAt.getTime() <= Date.now()) throw failed("expired", "This code has expired: ask for a new one", 0);
    if (pending.attempts >= MAX_ATTEMPTS) throw failed("too_many_attempts", "Too many wrong codes: ask for a new one", 0);
    const given = Buffer.from(hashCode(pending.id, opts.code));
    const expected = Buffer.from(pending.codeHash);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await tx.forwardPhoneCode.update({ where: { id: pending.id }, data: { attempts: { increment: 1 } } });
      // Returned, not thrown: the counted attempt must commit.
      return { kind: "wrong", attemptsLeft: MAX_ATTEMPTS - pending.attempts - 1 };
    }
    await tx.forwardPhoneCode.update({ where: { id: pending.id }, data: { confirmedAt: new Date() } });
    return { kind: "confirmed", agent: await writeForwardPhone(tx, { actor: opts.actor, agentId: opts.actor.id, phone: pending.phone, via: "code" }) };
  });
  if (outcome.kind === "wrong") throw failed("wrong_code", "That code is not right", outcome.attemptsLeft);
  return outcome.agent;
}

function failed(reason: "no_code" | "expired" | "too_many_attempts" | "wrong_code", message: string, attemptsLeft: number): AppError {
  return new AppError("VERIFICATION_FAILED", message, { reason, attemptsLeft });
}
