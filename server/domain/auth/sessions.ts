// Sign-in with email and password (argon2id), and server-side sessions keyed by a hashed random token.
// Failed attempts are throttled per account and address (server/redis/login-throttle.ts).
import { createHash, randomBytes } from "node:crypto";
import argon2 from "argon2";
import type pg from "pg";
import type { AgentView } from "../../../shared/api.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import type { LoginThrottle } from "../../redis/login-throttle.ts";
import type { EventPublisher } from "../events.ts";
import { AGENT_COLUMNS, agentView, type AgentRow } from "../views.ts";
import { AGENT_RECORD, agentRecordView } from "../workspace/agent-record.ts";
import { endAgentSessions } from "./end-sessions.ts";

export interface RateLimiter {
  /** Counts one hit; returns how long to wait when over the limit within the window. */
  hit(key: string, limit: number, windowSeconds: number): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  peek(key: string, limit: number): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
  reset(key: string): Promise<void>;
}

export interface AuthDeps {
  /** Only authenticateSession's lookup, on every request, stays in hand SQL. */
  pool: pg.Pool;
  prisma: PrismaClient;
  events: EventPublisher;
  loginThrottle: LoginThrottle;
}

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

/** The stored form of a session token; also the session's id (in socket.data), never the secret itself. */
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

// A real hash to verify against when the account does not exist, so timing does not reveal which emails exist.
let decoyHash: Promise<string> | null = null;

export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  decoyHash ??= hashPassword(randomBytes(16).toString("hex"));
  return argon2.verify(hash ?? (await decoyHash), password).catch(() => false);
}

const tooMany = (wait: number) =>
  new AppError("RATE_LIMITED", `Too many failed sign-ins. Try again in ${wait < 60 ? `${wait} s` : `${Math.ceil(wait / 60)} minute(s)`}.`, { retryAfterSeconds: wait });

export async function login(
  deps: AuthDeps,
  opts: { email: string; password: string; address: string },
): Promise<{ agent: AgentView; token: string; expiresAt: Date }> {
  const row = await deps.prisma.agent.findUnique({ where: { email: opts.email }, ...AGENT_RECORD });
  const admission = await deps.loginThrottle.begin({ agentId: row?.id ?? null, address: opts.address });
  if (!admission.allowed) throw tooMany(admission.retryAfterSeconds);
  const ok = await verifyPassword(row?.passwordHash, opts.password);
  if (!row || !ok) {
    await admission.attempt.failed();
    throw new AppError("UNAUTHENTICATED", "Wrong email or password");
  }
  await admission.attempt.succeeded();
  // Only someone who knows the password learns that the account is deactivated.
  if (row.deactivatedAt) throw new AppError("FORBIDDEN", "This account is deactivated: ask an admin");
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await deps.prisma.session.create({ data: { tokenHash: hashToken(token), agentId: row.id, expiresAt } });
  await deps.prisma.session.deleteMany({ where: { agentId: row.id, expiresAt: { lt: new Date() } } });
  return { agent: agentRecordView(row), token, expiresAt };
}

/** Ends this one session: its row, and its sockets on every server process. */
export async function logout(deps: Pick<AuthDeps, "pool" | "prisma" | "events">, token: string): Promise<void> {
  const session = await authenticateSession(deps, token);
  if (!session) return;
  await endAgentSessions(deps, session.agent.id, "logout", { sessionId: session.sessionId });
}

export interface AgentSession {
  agent: AgentView;
  /** hashToken(token): names the session without revealing it. */
  sessionId: string;
  expiresAt: Date;
}

/** The signed-in agent's session for a token, or null when it is unknown, expired or deactivated. */
export async function authenticateSession(deps: Pick<AuthDeps, "pool">, token: string | undefined): Promise<AgentSession | null> {
  if (!token || token.length > 200) return null;
  const sessionId = hashToken(token);
  // Hand SQL kept on a hot path: bench chat (every agent request and socket handshake checks its session here; the chat bench times the agent's reply POST).
  const { rows } = await deps.pool.query<AgentRow & { expires_at: Date }>(
    `SELECT ${AGENT_COLUMNS}, s.expires_at FROM sessions s JOIN agents a ON a.id = s.agent_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND a.deactivated_at IS NULL`,
    [sessionId],
  );
  return rows[0] ? { agent: agentView(rows[0]), sessionId, expiresAt: rows[0].expires_at } : null;
}

export async function authenticate(deps: Pick<AuthDeps, "pool">, token: string | undefined): Promise<AgentView | null> {
  return (await authenticateSession(deps, token))?.agent ?? null;
}
