// The consent ledger: every consent write is a row of consent_changes (a trigger on consents writes it,
// migration 0020), and each change is an event on the customer's timeline. Writers go through
// writeConsent so that who and why are stored with the status; readers list the ledger per channel.
import type pg from "pg";
import type { Channel } from "../../../shared/domain.ts";
import type { ConsentLedger, ConsentSource } from "../../../shared/privacy.ts";
import type { PrismaClient } from "../../db/client.ts";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";

type ConsentStatus = "opted_in" | "opted_out";

const CHANNEL_NAMES: Record<Channel, string> = { sms: "SMS", voice: "calls", email: "email", chat: "chat" };

/** What the timeline says about a change: short, in the customer's terms, with no personal data. */
export function consentEventText(opts: { channel: Channel; status: ConsentStatus; source: ConsentSource; keyword?: string | null; agentName?: string | null }): string {
  const name = CHANNEL_NAMES[opts.channel];
  const by = opts.agentName ? `, recorded by ${opts.agentName}` : "";
  switch (opts.source) {
    case "sms_stop":
      return `Opted out of SMS (replied ${opts.keyword ?? "STOP"})`;
    case "sms_start":
      return `Opted back in to SMS (replied ${opts.keyword ?? "START"})`;
    case "email_unsubscribe":
      return "Opted out of email (unsubscribed)";
    case "do_not_call":
      return `Do not call: opted out of calls${by}`;
    default:
      return opts.status === "opted_out" ? `Opted out of ${name}${by}` : `Opted back in to ${name}${by}`;
  }
}

/**
 * Writes the current consent with who and why; the trigger copies it into the ledger. Every column is
 * set on update too, so a later change never keeps an earlier one's actor or evidence.
 */
export async function writeConsent(
  tx: pg.PoolClient,
  opts: { customerId: string; channel: Channel; status: ConsentStatus; source: ConsentSource; actorId?: string | null; evidenceMessageId?: string | null; evidence?: string | null },
): Promise<void> {
  await tx.query(
    `INSERT INTO consents (customer_id, channel, status, source, changed_by, evidence_message_id, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (customer_id, channel) DO UPDATE SET status = EXCLUDED.status, source = EXCLUDED.source, changed_by = EXCLUDED.changed_by,
       evidence_message_id = EXCLUDED.evidence_message_id, evidence = EXCLUDED.evidence, updated_at = now()`,
    [opts.customerId, opts.channel, opts.status, opts.source, opts.actorId ?? null, opts.evidenceMessageId ?? null, opts.evidence?.slice(0, 200) ?? null],
  );
}

/**
 * The consent event on the timeline: in the conversation where it happened, else the customer's latest
 * on that channel, else their latest. Returns its id (null when the customer has no conversation yet).
 */
export async function recordConsentEvent(
  tx: pg.PoolClient,
  opts: { customerId: string; channel: Channel; status: ConsentStatus; source: ConsentSource; conversationId?: string | null; body: string; authorAgentId?: string | null },
): Promise<string | null> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO messages (conversation_id, customer_id, channel, direction, kind, body, status, author_agent_id, metadata)
     SELECT cv.id, cv.customer_id, cv.channel, 'internal', 'event', $4, 'received', $5,
            jsonb_build_object('event', 'consent_changed', 'channel', $2::text, 'status', $6::text, 'source', $7::text)
       FROM conversations cv WHERE cv.customer_id = $1
      ORDER BY cv.id = $3::uuid DESC NULLS LAST, cv.channel = $2::"Channel" DESC, cv.last_message_at DESC LIMIT 1
     RETURNING id`,
    [opts.customerId, opts.channel, opts.conversationId ?? null, opts.body, opts.authorAgentId ?? null, opts.status, opts.source],
  );
  return rows[0]?.id ?? null;
}

/** Current status and history per channel, newest first. Every signed-in agent may read it (no island). */
export async function listConsentLedger(deps: { prisma: PrismaClient }, actor: Actor, customerId: string): Promise<ConsentLedger> {
  assertCan(actor, "conversation.read");
  const customer = await deps.prisma.customer.findUnique({
    where: { id: customerId },
    select: {
      id: true,
      erasedAt: true,
      consents: { select: { channel: true, status: true, source: true, updatedAt: true } },
      consentChanges: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 500 },
    },
  });
  if (!customer) throw new AppError("NOT_FOUND", "No such customer");
  const actorIds = [...new Set(customer.consentChanges.map((c) => c.actorId).filter((id): id is string => !!id))];
  const actors = actorIds.length ? await deps.prisma.agent.findMany({ where: { id: { in: actorIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(actors.map((a) => [a.id, a.name]));
  return {
    customerId: customer.id,
    erasedAt: customer.erasedAt?.toISOString() ?? null,
    current: customer.consents.map((c) => ({ channel: c.channel, status: c.status, source: c.source, updatedAt: c.updatedAt.toISOString() })),
    changes: customer.consentChanges.map((c) => ({
      id: c.id,
      channel: c.channel,
      status: c.status,
      source: c.source,
      actor: c.actorId ? { id: c.actorId, name: names.get(c.actorId) ?? null } : null,
      evidenceMessageId: c.evidenceMessageId,
      evidence: c.evidence,
      createdAt: c.createdAt.toISOString(),
    })),
  };
}
