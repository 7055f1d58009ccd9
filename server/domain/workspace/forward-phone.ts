// An agent's own forward phone: calls would be dialled on the business's Twilio account, so an agent
// cannot just type a number. They ask for a code by SMS to it and confirm it; only then is it set.
// (An admin may set any agent's number directly: manage-agents.ts.)
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import type { AgentView, ForwardPhoneVerificationView } from "../../../shared/api.ts";
import { toE164 } from "../../../shared/phone.ts";
import { ChannelSendError, type ChannelAdapter } from "../../../channels/channel.ts";
import { withTransaction } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../audit.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { writeForwardPhone } from "./manage-agents.ts";

export interface ForwardPhoneDeps {
  pool: pg.Pool;
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
export async function clearOwnForwardPhone(deps: { pool: pg.Pool }, actor: Actor): Promise<AgentView> {
  assertCan(actor, "self.manage");
  return withTransaction(deps.pool, (tx) => writeForwardPhone(tx, { actor, agentId: actor.id, phone: null, via: "cleared" }));
}

/** Sends a 6-digit code to the number; the number is not set until confirmForwardPhone. */
export async function requestForwardPhoneCode(deps: ForwardPhoneDeps, opts: { actor: Actor; phone: string }): Promise<ForwardPhoneVerificationView> {
  assertCan(opts.actor, "self.manage");
  const phone = toE164(opts.phone, deps.defaultCountry);
  if (!phone) throw new AppError("VALIDATION", `phone: "${opts.phone}" is not a valid phone number`);
  if (!deps.sms) throw new AppError("CHANNEL_DISABLED", "SMS is off, so a code cannot be sent: ask an admin to set your forward phone");
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const row = await withTransaction(deps.pool, async (tx) => {
    // The agent's row lock serialises their requests, so parallel requests cannot slip past the count.
    await tx.query(`SELECT 1 FROM agents WHERE id = $1 FOR UPDATE`, [opts.actor.id]);
    const recent = await tx.query<{ n: number; oldest: Date | null }>(
      `SELECT count(*)::int AS n, min(created_at) AS oldest FROM forward_phone_codes WHERE agent_id = $1 AND created_at > now() - interval '1 hour'`,
      [opts.actor.id],
    );
    const { n, oldest } = recent.rows[0]!;
    if (n >= MAX_REQUESTS_PER_HOUR) {
      const retryAfterSeconds = Math.max(1, Math.ceil((oldest!.getTime() + 3600_000 - Date.now()) / 1000));
      throw new AppError("RATE_LIMITED", "Too many codes asked for: try again later", { retryAfterSeconds });
    }
    const { rows } = await tx.query<{ id: string; expires_at: Date }>(
      `INSERT INTO forward_phone_codes (agent_id, phone, code_hash, expires_at) VALUES ($1, $2, '', now() + make_interval(secs => $3))
       RETURNING id, expires_at`,
      [opts.actor.id, phone, CODE_TTL_SECONDS],
    );
    const id = rows[0]!.id;
    await tx.query(`UPDATE forward_phone_codes SET code_hash = $2 WHERE id = $1`, [id, hashCode(id, code)]);
    await recordAudit(tx, { actorId: opts.actor.id, action: "agent_forward_phone_code_sent", entityType: "agent", entityId: opts.actor.id, data: { phone } });
    return rows[0]!;
  });
  try {
    await deps.sms.send({ messageId: row.id, to: phone, from: null, body: `Your Switchboard code is ${code}. It confirms this number for calls to ${opts.actor.name}.` });
  } catch (err) {
    // The request still counts (it may have cost an SMS), but the code can never be confirmed.
    await deps.pool.query(`UPDATE forward_phone_codes SET expires_at = now() WHERE id = $1`, [row.id]);
    if (err instanceof ChannelSendError) throw new AppError("PROVIDER_ERROR", `The code could not be sent: ${err.message}`);
    throw err;
  }
  return { phone, expiresAt: row.expires_at.toISOString(), attemptsLeft: MAX_ATTEMPTS };
}

/** The agent types the code they got: the latest code sent to them, once, within its time and tries. */
export async function confirmForwardPhone(deps: { pool: pg.Pool }, opts: { actor: Actor; code: string }): Promise<AgentView> {
  assertCan(opts.actor, "self.manage");
  type Outcome = { kind: "wrong"; attemptsLeft: number } | { kind: "confirmed"; agent: AgentView };
  const outcome = await withTransaction(deps.pool, async (tx): Promise<Outcome> => {
    const { rows } = await tx.query<{ id: string; phone: string; code_hash: string; attempts: number; expired: boolean }>(
      `SELECT id, phone, code_hash, attempts, expires_at <= now() AS expired FROM forward_phone_codes
        WHERE agent_id = $1 AND confirmed_at IS NULL ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
      [opts.actor.id],
    );
    const pending = rows[0];
    if (!pending) throw failed("no_code", "No code is waiting: ask for one first", 0);
    if (pending.expired) throw failed("expired", "This code has expired: ask for a new one", 0);
    if (pending.attempts >= MAX_ATTEMPTS) throw failed("too_many_attempts", "Too many wrong codes: ask for a new one", 0);
    const given = Buffer.from(hashCode(pending.id, opts.code));
    const expected = Buffer.from(pending.code_hash);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await tx.query(`UPDATE forward_phone_codes SET attempts = attempts + 1 WHERE id = $1`, [pending.id]);
      // Returned, not thrown: the counted attempt must commit.
      return { kind: "wrong", attemptsLeft: MAX_ATTEMPTS - pending.attempts - 1 };
    }
    await tx.query(`UPDATE forward_phone_codes SET confirmed_at = now() WHERE id = $1`, [pending.id]);
    return { kind: "confirmed", agent: await writeForwardPhone(tx, { actor: opts.actor, agentId: opts.actor.id, phone: pending.phone, via: "code" }) };
  });
  if (outcome.kind === "wrong") throw failed("wrong_code", "That code is not right", outcome.attemptsLeft);
  return outcome.agent;
}

function failed(reason: "no_code" | "expired" | "too_many_attempts" | "wrong_code", message: string, attemptsLeft: number): AppError {
  return new AppError("VERIFICATION_FAILED", message, { reason, attemptsLeft });
}
