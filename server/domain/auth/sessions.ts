// Sign-in with email and password (argon2id), server-side sessions keyed by a hashed random token,
// and login attempts limited per account and per address.
import { createHash, randomBytes } from "node:crypto";
import argon2 from "argon2";
import type pg from "pg";
import type { AgentView } from "../../../shared/api.ts";
import { AppError } from "../../errors.ts";
import { AGENT_COLUMNS, agentView, type AgentRow } from "../views.ts";

export interface RateLimiter {
  /** Counts one hit; returns how long to wait when over the limit within the window. */
  hit(key: string, limit: number, windowSeconds: number): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  peek(key: string, limit: number): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  reset(key: string): Promise<void>;
}

export interface AuthDeps {
  pool: pg.Pool;
  limiter: RateLimiter;
}

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const WINDOW_SECONDS = 15 * 60;
/** Failed attempts per account: slows a guesser without letting strangers lock a person out for long. */
const ACCOUNT_FAILURES = 5;
/** Attempts per client address, successful or not: one address trying many accounts. */
const ADDRESS_ATTEMPTS = 30;

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

// A real hash to verify against when the account does not exist, so timing does not reveal which emails exist.
let decoyHash: Promise<string> | null = null;

export async function login(
  deps: AuthDeps,
  opts: { email: string; password: string; address: string },
): Promise<{ agent: AgentView; token: string; expiresAt: Date }> {
  const accountKey = `login:account:${opts.email}`;
  const addressKey = `login:address:${opts.address}`;
  const byAddress = await deps.limiter.hit(addressKey, ADDRESS_ATTEMPTS, WINDOW_SECONDS);
  const byAccount = await deps.limiter.peek(accountKey, ACCOUNT_FAILURES);
  if (!byAddress.allowed || !byAccount.allowed) {
    const wait = Math.max(byAddress.retryAfterSeconds, byAccount.retryAfterSeconds);
    throw new AppError("RATE_LIMITED", `Too many sign-in attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`, { retryAfterSeconds: wait });
  }
  const { rows } = await deps.pool.query<AgentRow & { password_hash: string }>(
    `SELECT ${AGENT_COLUMNS}, a.password_hash FROM agents a WHERE a.email = $1`,
    [opts.email],
  );
  const row = rows[0];
  decoyHash ??= hashPassword(randomBytes(16).toString("hex"));
  const ok = await argon2.verify(row?.password_hash ?? (await decoyHash), opts.password).catch(() => false);
  if (!row || !ok) {
    await deps.limiter.hit(accountKey, ACCOUNT_FAILURES, WINDOW_SECONDS);
    throw new AppError("UNAUTHENTICATED", "Wrong email or password");
  }
  await deps.limiter.reset(accountKey);
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await deps.pool.query(`INSERT INTO sessions (token_hash, agent_id, expires_at) VALUES ($1, $2, $3)`, [hashToken(token), row.id, expiresAt]);
  await deps.pool.query(`DELETE FROM sessions WHERE agent_id = $1 AND expires_at < now()`, [row.id]);
  return { agent: agentView(row), token, expiresAt };
}

export async function logout(deps: Pick<AuthDeps, "pool">, token: string): Promise<void> {
  await deps.pool.query(`DELETE FROM sessions WHERE token_hash = $1`, [hashToken(token)]);
}

/** The signed-in agent for a session token, or null when it is unknown or expired. */
export async function authenticate(deps: Pick<AuthDeps, "pool">, token: string | undefined): Promise<AgentView | null> {
  if (!token || token.length > 200) return null;
  const { rows } = await deps.pool.query<AgentRow>(
    `SELECT ${AGENT_COLUMNS} FROM sessions s JOIN agents a ON a.id = s.agent_id WHERE s.token_hash = $1 AND s.expires_at > now()`,
    [hashToken(token)],
  );
  return rows[0] ? agentView(rows[0]) : null;
}
